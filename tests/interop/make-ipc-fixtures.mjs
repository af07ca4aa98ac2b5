// make-ipc-fixtures.mjs — regenerates tests/data/*.arrow[s]: small IPC inputs for unit tests and the
// fuzz corpus, including Polars' compressed (LZ4_FRAME, ZSTD) IPC file/stream with Utf8View.
import pl from 'nodejs-polars';
import { execFileSync } from 'node:child_process';
const out = new URL('../data/', import.meta.url).pathname;
const n = 3000;
const df = pl.DataFrame({
  a: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i)),
  s: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `value number ${i % 100}${i % 3 === 0 ? ' and a long tail to exceed twelve' : ''}`)),
});
df.writeIPC(`${out}views_plain.arrow`, { compression: 'uncompressed' });
df.writeIPC(`${out}views_zstd.arrow`, { compression: 'zstd' });
df.writeIPCStream(`${out}views_lz4.arrows`, { compression: 'lz4' });
const gen = new URL('gen.mjs', import.meta.url).pathname;
execFileSync('node', [gen, '--dataset', 'types', '--rows', '40', '--batch-rows', '16', '--empty-batches', '--out', `${out}types_small.arrows`]);
execFileSync('node', [gen, '--dataset', 'types', '--rows', '30', '--batch-rows', '10', '--dict-replace', '--out', `${out}types_dict_replace.arrows`]);
execFileSync('node', [gen, '--dataset', 'logs', '--rows', '200', '--batch-rows', '64', '--out', `${out}logs_small.arrows`]);
console.log('fixtures written to', out);
execFileSync('node', [new URL('make-delta.mjs', import.meta.url).pathname, `${out}dict_delta.arrows`]);
