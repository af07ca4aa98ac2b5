#!/usr/bin/env node
// Write reference Parquet output from an Arrow IPC stream with a third-party writer (for testing verify.mjs
// and for producing reference files).
import fs from 'node:fs';
import path from 'node:path';
import * as A from 'apache-arrow';
import { duckConnect } from './lib/readers.mjs';
import { pwModule, pwWrite, polarsModule, polarsCodec, duckLoad, duckCopySql, CODECS } from './lib/anchors.mjs';

const USAGE = `usage: tools/write-anchor.mjs --writer duckdb|polars|parquet-wasm --arrow FILE.arrows --codec ${CODECS.join('|')}
                 --out FILE.parquet|DIR [--partition-col COL] [--files N] [--no-dictionary] [--max-row-group-rows R]
  --partition-col COL  (duckdb, polars) write DIR/COL=value/*.parquet without COL in the files
  --files N            (parquet-wasm) split the stream's batches over N files DIR/part-000i.parquet
  --no-dictionary / --max-row-group-rows (parquet-wasm) writer properties`;

const o = { codec: 'snappy' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => argv[++i];
  if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
  else if (a === '--writer') o.writer = next();
  else if (a === '--arrow') o.arrow = next();
  else if (a === '--codec') o.codec = next();
  else if (a === '--out') o.out = next();
  else if (a === '--partition-col') o.partition = next();
  else if (a === '--files') o.files = Number(next());
  else if (a === '--no-dictionary') o.noDict = true;
  else if (a === '--max-row-group-rows') o.maxRg = Number(next());
  else { console.error(`unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
if (!o.writer || !o.arrow || !o.out || !CODECS.includes(o.codec)) { console.error(USAGE); process.exit(2); }
const buf = fs.readFileSync(o.arrow);

if (o.writer === 'parquet-wasm') {
  const pw = await pwModule();
  const extra = { dictionary: o.noDict ? false : undefined, maxRowGroupSize: o.maxRg };
  if (o.files && o.files > 1) {
    const reader = A.RecordBatchReader.from(buf);
    reader.open();
    const batches = [...reader].filter((b) => b.numRows > 0);
    fs.mkdirSync(o.out, { recursive: true });
    const per = Math.ceil(batches.length / o.files);
    for (let f = 0; f < o.files; f++) {
      const part = batches.slice(f * per, (f + 1) * per);
      if (!part.length) continue;
      const ipc = A.tableToIPC(new A.Table(part), 'stream');
      pwWrite(pw, ipc, o.codec, path.join(o.out, `part-${String(f).padStart(4, '0')}.parquet`), extra);
    }
  } else pwWrite(pw, buf, o.codec, o.out, extra);
} else if (o.writer === 'polars') {
  const pl = await polarsModule();
  const df = pl.readIPCStream(buf);
  if (o.partition) {
    const vals = df.getColumn(o.partition).unique().toArray();
    for (const v of vals) {
      const dir = path.join(o.out, `${o.partition}=${v === null ? '__HIVE_DEFAULT_PARTITION__' : encodeURIComponent(String(v))}`);
      fs.mkdirSync(dir, { recursive: true });
      const part = v === null ? df.filter(pl.col(o.partition).isNull()) : df.filter(pl.col(o.partition).eq(pl.lit(v)));
      part.drop(o.partition).writeParquet(path.join(dir, 'part-0.parquet'), { compression: polarsCodec(o.codec) });
    }
  } else df.writeParquet(o.out, { compression: polarsCodec(o.codec) });
} else if (o.writer === 'duckdb') {
  const pw = await pwModule();
  const con = await duckConnect();
  await duckLoad(con, pw, buf);
  await con.run(duckCopySql('t', o.out, o.codec, { partitionBy: o.partition && `"${o.partition}"` }));
} else { console.error(`unknown writer ${o.writer}`); process.exit(2); }
console.log(`wrote ${o.out} with ${o.writer} (${o.codec})`);
