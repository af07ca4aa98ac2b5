// report.mjs — prints blizzard's figures next to the anchors' (from bench-anchors.mjs) as ratios,
// and appends one markdown row to the summary file.
// usage: node report.mjs ANCHORS.json SHAPE CODEC OUT_BYTES TIMINGS.txt SUMMARY.md
// TIMINGS.txt: one line per thread setting: "THREADS NS:RSS_KB NS:RSS_KB ..." (0 = every core); the
// k-th run of every line ran next to the others' k-th (run.sh alternates the thread counts), so
// "2t vs 1t" is the median of the runs' own ratios, each pair timed in the same phase of the VM.
import fs from 'node:fs';
const [json, shape, codec, size, timing, summary] = process.argv.slice(2);
const a = JSON.parse(fs.readFileSync(json, 'utf8'));
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const blz = {};
for (const line of fs.readFileSync(timing, 'utf8').trim().split('\n')) {
  const [t, ...runs] = line.trim().split(/\s+/);
  const secs = runs.map((r) => Number(r.split(':')[0]) / 1e9);
  const rss = Math.max(...runs.map((r) => Number(r.split(':')[1])));
  blz[t] = { median_s: median(secs), rss_kb: rss, runs: secs.length, secs };
}
const one = blz['1'], two = blz['2'], all = blz['0'] || two || one;
console.log(`\n${shape} codec=${codec} rows=${a.rows} arrow_bytes=${a.arrow_bytes} (wall time of the whole convert for blizzard, of the write alone for the anchors)`);
console.log('writer      threads median_s    MB/s   out_bytes  size ratio (blizzard/writer)');
for (const [t, b] of Object.entries(blz))
  console.log(`blizzard ${(t === '0' ? 'all' : t).padStart(9)} ${b.median_s.toFixed(3).padStart(8)} ${(a.arrow_bytes / 1e6 / b.median_s).toFixed(1).padStart(7)} ${String(size).padStart(11)}  peak RSS ${(b.rss_kb / 1024).toFixed(0)} MB`);
for (const r of a.results)
  console.log(`${r.anchor.padEnd(9)} ${String(r.threads).padStart(9)} ${r.median_s.toFixed(3).padStart(8)} ${(a.arrow_bytes / 1e6 / r.median_s).toFixed(1).padStart(7)} ${String(r.out_bytes).padStart(11)}  ${(Number(size) / r.out_bytes).toFixed(3).padStart(8)}`);
const find = (anchor, multi) => a.results.find((r) => r.anchor === anchor && (String(r.threads) !== '1') === multi);
const ratio = (r, b) => (r && b ? `${(r.median_s / b.median_s).toFixed(2)}×` : '–');
const sz = (r) => (r ? (Number(size) / r.out_bytes).toFixed(3) : '–');
const d1 = find('duckdb', false), p1 = find('polars', false), da = find('duckdb', true), pa = find('polars', true);
const secs = [one, two, blz['0']].map((b) => (b ? b.median_s.toFixed(3) : '–')).join(' / ');
const pairs = one && two && one.secs.length === two.secs.length ? one.secs.map((s, k) => s / two.secs[k]) : null;
const scale = pairs ? `${median(pairs).toFixed(2)}×` : one && two ? `${(one.median_s / two.median_s).toFixed(2)}×` : '–';
if (pairs) console.log(`2 threads vs 1, run by run: ${pairs.map((r) => r.toFixed(2)).join(' ')} (median ${median(pairs).toFixed(2)}; of the medians ${(one.median_s / two.median_s).toFixed(2)})`);
fs.appendFileSync(summary, `| ${shape} | ${codec} | ${secs} | ${scale} | ${(all.rss_kb / 1024).toFixed(0)} | ${ratio(d1, one)} | ${ratio(p1, one)} | ${ratio(da, all)} | ${ratio(pa, all)} | ${sz(d1 || da)} | ${sz(p1 || pa)} |\n`);
