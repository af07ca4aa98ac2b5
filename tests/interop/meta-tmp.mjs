import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const con = await db.connect();
for (const f of process.argv.slice(2)) {
  const r = await con.runAndReadAll(`select path_in_schema p, type, encodings e, sum(total_compressed_size) c, sum(total_uncompressed_size) u, count(*) n, max(dictionary_page_offset) is not null d from parquet_metadata('${f}') group by all order by p`);
  console.log(f); for (const x of r.getRowObjectsJS()) console.log(JSON.stringify(x,(k,v)=>typeof v==="bigint"?Number(v):v));
}
