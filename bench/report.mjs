// report.mjs — prints blizzard's figures next to the anchors' (from bench-anchors.mjs) as ratios,
// and appends one markdown row to the summary file.
// usage: node report.mjs ANCHORS.json SHAPE CODEC OUT_BYTES PEAK_RSS_KB SUMMARY.md NS...
import fs from 'node:fs';
const [json, shape, codec, size, rssKb, summary, ...ns] = process.argv.slice(2);
const a = JSON.parse(fs.readFileSync(json, 'utf8'));
const secs = ns.map((x) => Number(x) / 1e9).sort((x, y) => x - y);
const med = secs[Math.floor(secs.length / 2)];
const rows = [{ anchor: 'blizzard', threads: '1', median_s: med, out_bytes: Number(size) }, ...a.results];
console.log(`\n${shape} codec=${codec} rows=${a.rows} arrow_bytes=${a.arrow_bytes} runs=${secs.length} (wall time of the whole convert for blizzard, of the write alone for the anchors)`);
console.log('writer   threads median_s    MB/s   out_bytes  blizzard speed-up  blizzard size ratio');
for (const r of rows) {
  console.log(`${r.anchor.padEnd(9)} ${String(r.threads).padStart(5)} ${r.median_s.toFixed(3).padStart(8)} ${(a.arrow_bytes / 1e6 / r.median_s).toFixed(1).padStart(7)} ${String(r.out_bytes).padStart(11)}  ${(r.median_s / med).toFixed(2).padStart(8)}x  ${(Number(size) / r.out_bytes).toFixed(3).padStart(12)}`);
}
const find = (anchor, t) => a.results.find((r) => r.anchor === anchor && String(r.threads) !== '1' === (t !== '1'));
const ratio = (r) => (r ? `${(r.median_s / med).toFixed(2)}×` : '–');
const sz = (r) => (r ? (Number(size) / r.out_bytes).toFixed(3) : '–');
const d1 = find('duckdb', '1'), p1 = find('polars', '1'), da = find('duckdb', 'all'), pa = find('polars', 'all');
fs.appendFileSync(summary, `| ${shape} | ${codec} | ${med.toFixed(3)} | ${(Number(rssKb) / 1024).toFixed(0)} | ${ratio(d1)} | ${ratio(p1)} | ${ratio(da)} | ${ratio(pa)} | ${sz(d1 || da)} | ${sz(p1 || pa)} |\n`);
