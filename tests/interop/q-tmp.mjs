import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const con = await db.connect();
const r = await con.runAndReadAll(process.argv[2]);
for (const x of r.getRowObjectsJS()) console.log(JSON.stringify(x,(k,v)=>typeof v==="bigint"?Number(v):v));
