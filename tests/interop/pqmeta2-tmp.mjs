import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const [f, col] = process.argv.slice(2);
const r = await con.runAndReadAll(`SELECT row_group_id, row_group_num_rows, total_compressed_size c, encodings e, dictionary_page_offset d, data_page_offset dp FROM parquet_metadata('${f}') WHERE path_in_schema='${col}' ORDER BY 1`);
for (const x of r.getRowObjectsJS()) console.log(' ', x.row_group_id, x.row_group_num_rows, x.c, x.e, Number(x.dp) - Number(x.d));
