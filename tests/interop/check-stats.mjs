// check-stats.mjs — every meta.json under DIR/_staging/pending carries Delta statistics that agree
// with what DuckDB computes from the file it names: numRecords, nullCount per leaf, and min/max
// equal (integers, decimals, dates, floats; timestamps to the microsecond, the maximum rounded up)
// or bracketing the data (strings, which may be truncated). usage: node check-stats.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
const [dir] = process.argv.slice(2);
const c = await (await DuckDBInstance.create(':memory:')).connect();
const q = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS()[0];
const pending = path.join(dir, '_staging', 'pending');
const flat = (o, pre = []) => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? flat(v, [...pre, k]) : [[[...pre, k], v]]));
const isoToUs = (s) => { // "YYYY-MM-DDTHH:MM:SS.ffffff[Z]" -> BigInt microseconds
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z?$/.exec(s);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const d = new Date(0); d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])); d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  return BigInt(Number(m[1]) < 100 ? d.getTime() : ms) * 1000n + BigInt(m[7]);
};
const bad = [];
let checked = 0, metas = 0;
for (const m of fs.readdirSync(pending).filter((f) => f.endsWith('.meta.json'))) {
  // integers past 2^53 are kept as their digits (JSON.parse would round them)
  const j = JSON.parse(fs.readFileSync(path.join(pending, m), 'utf8').replace(/:(-?\d{16,})(?=[,}])/g, ':"$1"'));
  const file = path.join(dir, j.filename).replaceAll("'", "''");
  const st = j.stats;
  metas++;
  if (!st) { bad.push(`${m}: no stats`); continue; }
  const n = await q(`SELECT count(*)::BIGINT AS n FROM read_parquet('${file}')`);
  if (BigInt(n.n) !== BigInt(st.numRecords)) bad.push(`${m}: numRecords ${st.numRecords} != ${n.n}`);
  const leaves = new Map();
  for (const [p, v] of flat(st.nullCount)) leaves.set(p.join('\u0000'), { p, nulls: v });
  for (const [p, v] of flat(st.minValues)) (leaves.get(p.join('\u0000')) || {}).min = v;
  for (const [p, v] of flat(st.maxValues)) (leaves.get(p.join('\u0000')) || {}).max = v;
  for (const { p, nulls, min, max } of leaves.values()) {
    const expr = p.map((x) => `"${x.replaceAll('"', '""')}"`).join('.');
    const { t: type } = await q(`SELECT typeof(${expr}) AS t FROM read_parquet('${file}') LIMIT 1`);
    const epoch = /^TIMESTAMP_NS/.test(type) ? 'epoch_ns' : /^TIMESTAMP/.test(type) ? 'epoch_us' : null;
    const r = await q(`SELECT '${type}' AS t, (count(*) - count(${expr}))::BIGINT AS nulls, min(${expr})::VARCHAR AS mn, max(${expr})::VARCHAR AS mx
                         ${epoch ? `, ${epoch}(min(${expr}))::VARCHAR AS tmn, ${epoch}(max(${expr}))::VARCHAR AS tmx` : ''}
                       FROM read_parquet('${file}')`);
    const where = `${m} ${p.join('.')} (${r.t})`;
    checked++;
    if (BigInt(r.nulls) !== BigInt(nulls)) bad.push(`${where}: nullCount ${nulls} != ${r.nulls}`);
    if (min === undefined && max === undefined) continue;
    if (r.mn === null) { bad.push(`${where}: stats for an all-null column`); continue; }
    const t = r.t;
    if (/INT|HUGEINT/.test(t)) {
      if (String(min) !== r.mn && BigInt(Math.round(Number(min))) !== BigInt(r.mn)) bad.push(`${where}: min ${min} != ${r.mn}`);
      if (String(max) !== r.mx && BigInt(Math.round(Number(max))) !== BigInt(r.mx)) bad.push(`${where}: max ${max} != ${r.mx}`);
    } else if (/^DECIMAL|^DOUBLE|^FLOAT/.test(t)) {
      if (Number(min) !== Number(r.mn)) bad.push(`${where}: min ${min} != ${r.mn}`);
      if (Number(max) !== Number(r.mx)) bad.push(`${where}: max ${max} != ${r.mx}`);
    } else if (t === 'DATE') {
      if (min !== r.mn || max !== r.mx) bad.push(`${where}: ${min}..${max} != ${r.mn}..${r.mx}`);
    } else if (/^TIMESTAMP/.test(t)) {
      const ns = /_NS/.test(t);
      const lo = BigInt(r.tmn), hi = BigInt(r.tmx);
      const wantMin = ns ? (lo >= 0n ? lo / 1000n : -((-lo + 999n) / 1000n)) : lo;
      const wantMax = ns ? (hi >= 0n ? (hi + 999n) / 1000n : -(-hi / 1000n)) : hi;
      if (isoToUs(min) !== wantMin) bad.push(`${where}: min ${min} != ${wantMin} us`);
      if (isoToUs(max) !== wantMax) bad.push(`${where}: max ${max} != ${wantMax} us`);
      if ((/Z$/.test(min)) !== /WITH TIME ZONE/.test(t)) bad.push(`${where}: time zone marker of ${min}`);
    } else if (t === 'VARCHAR') {
      const b = (s) => Buffer.from(s, 'utf8');
      if (Buffer.compare(b(min), b(r.mn)) > 0) bad.push(`${where}: min ${JSON.stringify(min)} above ${JSON.stringify(r.mn)}`);
      if (Buffer.compare(b(max), b(r.mx)) < 0) bad.push(`${where}: max ${JSON.stringify(max)} below ${JSON.stringify(r.mx)}`);
    } else {
      bad.push(`${where}: min/max for a type that should have none`);
    }
  }
}
console.log(`${metas} meta.json, ${checked} column statistics checked against DuckDB, ${bad.length} disagreements`);
if (bad.length) console.log(bad.slice(0, 10).join('\n'));
process.exit(bad.length || metas === 0 ? 1 : 0);
