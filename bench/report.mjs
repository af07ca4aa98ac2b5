// report.mjs — prints blizzard's figures next to the anchors' from bench-anchors.mjs, as ratios.
import fs from 'node:fs';
const [json, codec, size, ...ns] = process.argv.slice(2);
const a = JSON.parse(fs.readFileSync(json, 'utf8'));
const secs = ns.map((x) => Number(x) / 1e9).sort((x, y) => x - y);
const med = secs[Math.floor(secs.length / 2)];
const rows = [{ anchor: 'blizzard', median_s: med, out_bytes: Number(size) }, ...a.results];
console.log(`\ncodec=${codec} rows=${a.rows} arrow_bytes=${a.arrow_bytes} runs=${secs.length} (single-threaded, wall time of the whole convert for blizzard, of the write alone for the anchors)`);
console.log('writer     median_s    MB/s     rows/s   out_bytes  blizzard speed-up  out size vs blizzard');
for (const r of rows) {
  const speed = r.median_s / med;
  console.log(`${r.anchor.padEnd(9)} ${r.median_s.toFixed(3).padStart(8)} ${(a.arrow_bytes / 1e6 / r.median_s).toFixed(1).padStart(7)} ${Math.round(a.rows / r.median_s).toString().padStart(10)} ${String(r.out_bytes).padStart(11)}  ${speed.toFixed(2).padStart(8)}x  ${(r.out_bytes / Number(size)).toFixed(3).padStart(12)}`);
}
