// make-delta.mjs — writes an IPC stream whose second dictionary batch is a delta (isDelta=true).
import * as A from 'apache-arrow';
import fs from 'node:fs';
const d1 = A.vectorFromArray(['alpha', 'beta'], new A.Utf8());
const d2 = d1.concat(A.vectorFromArray(['gamma', 'delta'], new A.Utf8()));
const type = new A.Dictionary(new A.Utf8(), new A.Int32(), 0, false);
const mk = (dict, idx) => {
  const data = A.makeData({ type, length: idx.length, nullCount: 0, data: Int32Array.from(idx), dictionary: dict });
  return new A.RecordBatch(new A.Schema([new A.Field('tag', type, true)]), A.makeData({ type: new A.Struct([new A.Field('tag', type, true)]), length: idx.length, children: [data] }));
};
const w = new A.RecordBatchStreamWriter();
w.write(mk(d1, [0, 1, 1]));
w.write(mk(d2, [2, 3, 0]));
w.finish();
fs.writeFileSync(process.argv[2], w.toUint8Array(true));
const t = A.tableFromIPC(fs.readFileSync(process.argv[2]));
// print the decoded values as a check of the file
console.log(t.toArray().map((r) => r.tag).join(','));
