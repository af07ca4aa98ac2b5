// make-nested-dict.mjs — dictionary-encoded strings inside a list and inside a struct (nulls at
// every level, an index shared by both columns' dictionaries). usage: node make-nested-dict.mjs OUT
import fs from 'node:fs';
import * as A from 'apache-arrow';
import { makeBatch } from './lib/build.mjs';
const n = 200;
const dictT = () => new A.Dictionary(new A.Utf8(), new A.Int32());
const schema = new A.Schema([
  new A.Field('tags', new A.List(new A.Field('item', dictT(), true)), true),
  new A.Field('s', new A.Struct([new A.Field('lvl', dictT(), true), new A.Field('x', new A.Int32(), true)]), true),
  new A.Field('k', new A.Int32(), true), // a flat key in no order, to sort the nested rows by
]);
const dv = A.vectorFromArray(['red', 'green', 'blue', 'a much longer dictionary value'], new A.Utf8());
const tags = Array.from({ length: n }, (_, i) => (i % 11 === 5 ? null : Array.from({ length: i % 4 }, (_, k) => (i % 7 === 3 && k === 1 ? null : (i + k) % 4))));
const st = Array.from({ length: n }, (_, i) => (i % 13 === 2 ? null : { lvl: i % 9 === 1 ? null : i % 4, x: i }));
const w = new A.RecordBatchStreamWriter();
const k = Array.from({ length: n }, (_, i) => (i % 17 === 9 ? null : (i * 7919) % 101));
w.write(makeBatch(schema, [tags, st, k], { tags: dv, s: { lvl: dv } }));
w.finish();
fs.writeFileSync(process.argv[2], w.toUint8Array(true));
