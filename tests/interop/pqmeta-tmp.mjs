import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
for (const f of process.argv.slice(2)) {
  const r = await con.runAndReadAll(`SELECT path_in_schema p, count(*) rgs, sum(total_compressed_size) c, sum(total_uncompressed_size) u, any_value(encodings) e FROM parquet_metadata('${f}') GROUP BY 1 ORDER BY 1`);
  console.log(f);
  for (const x of r.getRowObjectsJS()) console.log(' ', x.p, x.rgs, x.c, x.u, x.e);
}
