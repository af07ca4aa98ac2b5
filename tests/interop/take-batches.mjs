// take-batches.mjs — writes the first N record batches of an Arrow IPC stream to a new stream
// (the rows a run that was stopped early had read), or feeds a stream slowly with --slow.
import fs from 'node:fs';
import * as A from 'apache-arrow';
const [mode, src, arg, out] = process.argv.slice(2);
if (mode === '--take') {
  const reader = A.RecordBatchReader.from(fs.readFileSync(src));
  const writer = new A.RecordBatchStreamWriter();
  let n = 0;
  for (const b of reader) {
    if (n++ >= Number(arg)) break;
    writer.write(b);
  }
  if (n === 0) writer.reset(undefined, reader.schema);
  writer.finish();
  fs.writeFileSync(out, writer.toUint8Array(true));
} else if (mode === '--slow') {
  // writes src to stdout in chunks of `arg` bytes, one chunk every 20 ms
  const data = fs.readFileSync(src);
  const chunk = Number(arg);
  let pos = 0;
  const tick = () => {
    if (pos >= data.length) return;
    const ok = process.stdout.write(data.subarray(pos, pos + chunk));
    pos += chunk;
    if (ok) setTimeout(tick, 20);
    else process.stdout.once('drain', () => setTimeout(tick, 20));
  };
  process.stdout.on('error', () => process.exit(0));
  tick();
} else {
  console.error('usage: take-batches.mjs --take SRC N OUT | --slow SRC CHUNK_BYTES');
  process.exit(2);
}
