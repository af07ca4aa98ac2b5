// check-meta.mjs — every Parquet file under DIR has its _staging/pending/{uuid}.meta.json naming it
// with its size, and the record counts add up to ROWS (- : not checked). usage: node check-meta.mjs DIR ROWS
import fs from 'node:fs';
import path from 'node:path';
const [dir, want] = process.argv.slice(2);
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
const pq = fs.existsSync(dir) ? walk(dir).filter((f) => f.endsWith('.parquet') && !path.basename(f).startsWith('.')) : [];
const pending = path.join(dir, '_staging', 'pending');
const metas = fs.existsSync(pending) ? fs.readdirSync(pending).filter((f) => f.endsWith('.meta.json')) : [];
let rows = 0;
const bad = [];
for (const m of metas) {
  const j = JSON.parse(fs.readFileSync(path.join(pending, m), 'utf8'));
  const f = path.join(dir, j.filename);
  if (!fs.existsSync(f)) bad.push(`missing ${j.filename}`);
  else if (fs.statSync(f).size !== j.size) bad.push(`size of ${j.filename}`);
  if (`${path.basename(j.filename, '.parquet')}.meta.json` !== m) bad.push(`name ${m}`);
  rows += j.record_count;
}
if (metas.length !== pq.length) bad.push(`${pq.length} files, ${metas.length} meta.json`);
if (want !== '-' && String(rows) !== want) bad.push(`meta rows ${rows}, want ${want}`);
if (bad.length) {
  console.error(bad.slice(0, 5).join('; '));
  process.exit(1);
}
