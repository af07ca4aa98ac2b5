// check-sorted.mjs — a file written with sort_by holds the same rows as the unsorted file (DuckDB:
// EXCEPT ALL both ways is empty), each of its row groups is sorted by the keys, ascending, nulls
// last (or first with --nulls-first), read in file order with DuckDB's file_row_number, and every
// row group records the keys as sorting_columns (read with hyparquet).
// usage: node check-sorted.mjs SORTED.parquet PLAIN.parquet|- [--nulls-first] KEY...  (-: no row comparison)
import fs from 'node:fs';
import { duckConnect, sqlStr } from './lib/readers.mjs';

const args = process.argv.slice(2);
const nullsFirst = args.includes('--nulls-first');
const [sorted, plain, ...keys] = args.filter((a) => a !== '--nulls-first');
const bad = [];
const con = await duckConnect(1);
const q = async (sql) => (await con.runAndReadAll(sql)).getRows();

let n1 = 0n;
if (plain !== '-') {
const [[diff1]] = await q(`SELECT count(*) FROM (SELECT * FROM read_parquet(${sqlStr(sorted)}) EXCEPT ALL SELECT * FROM read_parquet(${sqlStr(plain)}))`);
const [[diff2]] = await q(`SELECT count(*) FROM (SELECT * FROM read_parquet(${sqlStr(plain)}) EXCEPT ALL SELECT * FROM read_parquet(${sqlStr(sorted)}))`);
const [[c1]] = await q(`SELECT count(*) FROM read_parquet(${sqlStr(sorted)})`);
const [[n2]] = await q(`SELECT count(*) FROM read_parquet(${sqlStr(plain)})`);
n1 = c1;
if (diff1 !== 0n || diff2 !== 0n || n1 !== n2) bad.push(`rows differ: ${n1} vs ${n2}, ${diff1} and ${diff2} rows only on one side`);
} else {
  [[n1]] = await q(`SELECT count(*) FROM read_parquet(${sqlStr(sorted)})`);
}

const groups = (await q(`SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata(${sqlStr(sorted)}) GROUP BY 1 ORDER BY 1`)).map((r) => Number(r[1]));
const cols = keys.map((k) => `"${k.replaceAll('"', '""')}"`).join(', ');
const rows = await q(`SELECT ${cols} FROM read_parquet(${sqlStr(sorted)}, file_row_number = true) ORDER BY file_row_number`);
const enc = new TextEncoder();
const cmp1 = (a, b) => {
  if (a === null || b === null) return a === b ? 0 : (a === null ? -1 : 1) * (nullsFirst ? 1 : -1);
  if (typeof a === 'string') return Buffer.compare(Buffer.from(enc.encode(a)), Buffer.from(enc.encode(b)));
  if (typeof a === 'number' && (Number.isNaN(a) || Number.isNaN(b))) return Number.isNaN(a) - Number.isNaN(b); // NaN after every number
  if (a?.bytes instanceof Uint8Array) return Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)); // BLOB: bytewise
  if (typeof a === 'object') { a = String(a); b = String(b); } // DuckDB timestamp/date values print in order
  return a < b ? -1 : a > b ? 1 : 0;
};
const cmp = (x, y) => { for (let k = 0; k < keys.length; k++) { const r = cmp1(x[k], y[k]); if (r) return r; } return 0; };
let at = 0, checked = 0;
groups.forEach((len, g) => {
  for (let i = at + 1; i < at + len; i++) {
    checked++;
    if (cmp(rows[i - 1], rows[i]) > 0 && bad.length < 5) bad.push(`row group ${g}: row ${i} sorts before row ${i - 1}`);
  }
  at += len;
});

const hp = await import('hyparquet');
const buf = fs.readFileSync(sorted);
const meta = hp.parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
const leaves = meta.schema.filter((e) => !e.num_children).map((e) => e.name);
const want = keys.map((k) => leaves.indexOf(k));
for (const [g, rg] of meta.row_groups.entries()) {
  const sc = (rg.sorting_columns || []).map((s) => `${s.column_idx}:${s.descending}:${s.nulls_first}`).join(',');
  const exp = want.map((i) => `${i}:false:${nullsFirst}`).join(',');
  if (sc !== exp && bad.length < 8) bad.push(`row group ${g}: sorting_columns [${sc}], expected [${exp}]`);
}
if (bad.length) {
  console.error(bad.join('\n'));
  process.exit(1);
}
console.log(`${n1} rows in ${groups.length} row groups, sorted by ${keys.join(', ')} (${checked} neighbours checked)${plain === '-' ? '' : ', same rows as the unsorted file'}, sorting_columns recorded`);
