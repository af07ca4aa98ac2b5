// make-bad-utf8.mjs — an Arrow IPC stream whose string columns hold invalid UTF-8 bytes (which
// Arrow JS cannot build from JS strings): OUT.arrows with columns s: utf8 and l: list<utf8>.
// Batch 0 is valid; in batch 1, row 2 of `s` (WHICH=flat) or row 1 of `l` (WHICH=nested) is not.
// usage: node make-bad-utf8.mjs OUT.arrows flat|nested
import fs from 'node:fs';
import * as A from 'apache-arrow';
const [out, which] = process.argv.slice(2);
const enc = (parts) => {
  const bytes = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)));
  const offsets = new Int32Array(bytes.length + 1);
  bytes.forEach((b, i) => (offsets[i + 1] = offsets[i] + b.length));
  return A.makeData({ type: new A.Utf8(), length: bytes.length, nullCount: 0, valueOffsets: offsets, data: new Uint8Array(Buffer.concat(bytes)) });
};
const listOf = (child, lengths) => {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i] + n));
  return A.makeData({ type: new A.List(new A.Field('item', new A.Utf8(), true)), length: lengths.length, nullCount: 0, valueOffsets: offsets, child });
};
const schema = new A.Schema([new A.Field('s', new A.Utf8(), true), new A.Field('l', new A.List(new A.Field('item', new A.Utf8(), true)), true)]);
function batch(s, items, lengths) {
  const data = A.makeData({ type: new A.Struct(schema.fields), length: s.length, nullCount: 0, children: [enc(s), listOf(enc(items), lengths)] });
  return new A.RecordBatch(schema, data);
}
const good = batch(['a', 'é', '日本', '🙂'], ['x', 'y', 'z'], [1, 0, 2, 0]);
const bad = which === 'nested'
  ? batch(['a', 'b', 'c'], ['x', [0x66, 0xed, 0xa0, 0x80], 'z'], [1, 2, 0]) // a surrogate in row 1
  : batch(['a', 'b', [0x6f, 0x6b, 0xc3, 0x28], 'd'], ['x'], [1, 0, 0, 0]); // a broken 2-byte sequence
fs.writeFileSync(out, A.tableToIPC(new A.Table([good, bad]), 'stream'));
