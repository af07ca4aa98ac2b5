// bloom-check.mjs — DuckDB's parquet_bloom_probe against our bloom filters: every present value
// must be found (never excluded) and at most MAX_FP of ABSENT values absent from the column may
// pass. usage: node bloom-check.mjs FILE.parquet COLUMN int|string [PRESENT_SAMPLE] [ABSENT] [MAX_FP]
import { DuckDBInstance } from '@duckdb/node-api';
const [file, col, kind, presentN = '1000', absentN = '10000', maxFp = '0.02'] = process.argv.slice(2);
const c = await (await DuckDBInstance.create(':memory:')).connect();
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS();
const lit = (v) => (kind === 'int' ? `${v}::BIGINT` : `'${String(v).replaceAll("'", "''")}'`);
const present = (await rows(`SELECT DISTINCT "${col}" AS v FROM read_parquet('${file}') WHERE "${col}" IS NOT NULL USING SAMPLE ${presentN} ROWS`)).map((r) => r.v);
const all = new Set((await rows(`SELECT DISTINCT "${col}" AS v FROM read_parquet('${file}') WHERE "${col}" IS NOT NULL`)).map((r) => String(r.v)));
const probe = async (v) => (await rows(`SELECT bool_and(bloom_filter_excludes) AS ex FROM parquet_bloom_probe('${file}', '${col}', ${lit(v)})`))[0].ex;
let missed = 0;
for (const v of present) if (await probe(v)) missed++;
const absent = [];
for (let i = 0; absent.length < Number(absentN); i++) {
  const v = kind === 'int' ? 9000000000 + i * 7919 : `absent-${i}-${(i * 2654435761) % 1000003}`;
  if (!all.has(String(v))) absent.push(v);
}
let passed = 0;
for (const v of absent) if (!(await probe(v))) passed++;
const fp = passed / absent.length;
console.log(`${col}: ${present.length} present values, ${missed} wrongly excluded; ${absent.length} absent values, ${passed} not excluded (${(fp * 100).toFixed(2)}%)`);
process.exit(missed === 0 && fp <= Number(maxFp) ? 0 : 1);
