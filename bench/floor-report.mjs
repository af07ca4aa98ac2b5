// floor-report.mjs — joins codec_floor's lines with Polars' one-thread timings (floor.sh) into a
// table: per codec and level, its time alone against issue 9's target, and the file size it gives.
// usage: node floor-report.mjs SHAPE DIR UNCOMPRESSED_FILE_BYTES "REST_US..." SUMMARY.md
import fs from 'node:fs';
const [shape, dir, ufile, restList, summary] = process.argv.slice(2);
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const rest = median(restList.trim().split(/\s+/).map(Number)) / 1000;
const target = { snappy: 1.5, zstd: 1.5, lz4: 1.2, gzip: 2 };
const sizes = fs.readFileSync(`${dir}/sizes-${shape}.txt`, 'utf8').trim().split('\n').map((l) => l.split(' '));
const lines = fs.readFileSync(`${dir}/floor-${shape}.txt`, 'utf8').trim().split('\n').map((l) => l.split(' '));
const out = [`\n### ${shape}: blizzard's uncompressed convert (all but the codec) ${rest.toFixed(1)} ms`, '',
  '| codec library | level | codec alone ms | Polars-1t ms | target ms | alone / target | est. blizzard ms (rest + codec) | file vs Polars | meets both? |',
  '|---|---|---|---|---|---|---|---|---|'];
for (const [name, level, inBytes, outBytes, ms] of lines) {
  const codec = name.replace(/-.*/, '');
  const p = JSON.parse(fs.readFileSync(`${dir}/polars-${shape}-${codec}.json`, 'utf8')).results[0];
  const pms = p.median_s * 1000, tms = pms / target[codec];
  // blizzard's file at this level; for ISA-L, the uncompressed file with each chunk's bytes
  // replaced by their compressed bytes (within 0.1-0.4% of the real file for the other libraries)
  const real = sizes.find(([n, l]) => n === name && l === level);
  const size = real ? Number(real[2]) : Number(ufile) - Number(inBytes) + Number(outBytes);
  const ratio = size / p.out_bytes, alone = Number(ms);
  const ok = alone + rest <= tms && ratio <= 1 ? 'yes' : alone > tms || ratio > 1 ? 'no' : 'only if the rest shrinks';
  out.push(`| ${name} | ${level} | ${alone.toFixed(1)} | ${pms.toFixed(1)} | ${tms.toFixed(1)} | ${(alone / tms).toFixed(2)} | ${(rest + alone).toFixed(1)} | ${ratio.toFixed(4)}${real ? '' : ' (est.)'} | ${ok} |`);
}
fs.appendFileSync(summary, out.join('\n') + '\n');
console.log(out.join('\n'));
