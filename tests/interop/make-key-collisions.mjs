// make-key-collisions.mjs — an Arrow IPC stream whose values are distinct but look alike to the
// dictionary's shortcuts: a byte array of up to 7 bytes is keyed by its bytes with its length in
// the key's top byte, so "abcdefg" and the 8 bytes "abcdefg\x07" share a key; an 8-byte value and
// a longer one starting with it share one too; fixed-size values share their first 8 bytes;
// int64s sit on both sides of the small-range direct table's window and at the extremes. Values
// come in runs, alternations and at random, with nulls, over several batches.
// usage: node make-key-collisions.mjs OUT.arrows
import fs from 'node:fs';
import * as A from 'apache-arrow';

let x = 0x9e3779b97f4a7c15n;
const rnd = () => {
  x ^= (x << 13n) & 0xffffffffffffffffn;
  x ^= x >> 7n;
  x ^= (x << 17n) & 0xffffffffffffffffn;
  return Number(x % 1000000007n);
};
// The dictionary key of a byte array under 8 bytes, as 8 bytes (lib/parquet/dict.c, bytes_key).
function keyTwin(b) {
  const n = b.length;
  const k = new Uint8Array(8);
  if (n >= 4) {
    for (let i = 0; i < 4; i++) k[i] |= b[i];
    for (let i = 0; i < 4; i++) k[i + n - 4] |= b[n - 4 + i];
  } else if (n > 0) {
    k[0] = b[0];
    k[1] = b[n >> 1];
    k[2] = b[n - 1];
  }
  k[7] = n;
  return k;
}
// strings: seven letters, their 8-byte twins (letters + BEL), and 9-byte values sharing the twins'
// first 8 bytes; all valid UTF-8 without NUL, for every reader
const strs = [''];
for (let i = 0; i < 24; i++) {
  let s = '';
  for (let j = 0; j < 7; j++) s += 'ab'[rnd() % 2];
  strs.push(s, s + '\x07', s + '\x07z');
}
// binary: 0..7 bytes over NUL, ETX, BEL and 'a', each with its twin, and 8/9-byte pairs
const bins = [new Uint8Array(0)];
for (let i = 0; i < 40; i++) {
  const n = rnd() % 8;
  const b = Uint8Array.from({ length: n }, () => [0, 3, 7, 97][rnd() % 4]);
  const t = keyTwin(b);
  bins.push(b, t, Uint8Array.from([...t, 122]));
}
// fixed-size binary(12): the same first 8 bytes, different last 4
const fixed = [];
for (let i = 0; i < 16; i++) fixed.push(Uint8Array.from({ length: 12 }, (_, j) => (j < 8 ? 65 + (j % 3) : rnd() % 4)));
// int64: a narrow first range (the direct table's window is set from the first values), then
// values around and far outside it
const ints = [];
for (let v = 1000n; v < 1100n; v++) ints.push(v);
for (const d of [-8300n, -8192n, -8191n, -7000n, 7000n, 8191n, 8192n, 8300n, 16384n, -16384n]) ints.push(1050n + d, 1049n + d, 1051n + d);
ints.push(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n);

const schema = new A.Schema([
  new A.Field('s', new A.Utf8(), true),
  new A.Field('b', new A.Binary(), true),
  new A.Field('f', new A.FixedSizeBinary(12), true),
  new A.Field('i', new A.Int64(), true),
]);
// row r of a batch: mostly at random, with stretches repeating the previous value and stretches
// alternating two values that share a key
function pick(pool, r, prev) {
  const mode = Math.floor(r / 97) % 3;
  if (mode === 1 && prev !== undefined) return rnd() % 3 ? prev : pool[rnd() % pool.length];
  if (mode === 2) return pool[(Math.floor(r / 2) * 3 + 1 + (r % 2)) % pool.length];
  return pool[rnd() % pool.length];
}
const batches = [];
for (let bi = 0; bi < 6; bi++) {
  const n = 3000 + bi * 500;
  const cols = { s: [], b: [], f: [], i: [] };
  for (let r = 0; r < n; r++) {
    for (const [name, pool] of [['s', strs], ['b', bins], ['f', fixed], ['i', ints]]) {
      const prev = cols[name][r - 1];
      cols[name].push(rnd() % 23 === 0 ? null : pick(pool, r, prev === null ? undefined : prev));
    }
  }
  // the first batch starts inside the int64 window, so the direct table is set up there
  if (bi === 0) for (let r = 0; r < 1024; r++) cols.i[r] = 1000n + BigInt(r % 100);
  batches.push(new A.RecordBatch(schema, A.makeData({
    type: new A.Struct(schema.fields), length: n, nullCount: 0,
    children: [
      A.vectorFromArray(cols.s, new A.Utf8()).data[0],
      A.vectorFromArray(cols.b, new A.Binary()).data[0],
      A.vectorFromArray(cols.f, new A.FixedSizeBinary(12)).data[0],
      A.vectorFromArray(cols.i, new A.Int64()).data[0],
    ],
  })));
}
fs.writeFileSync(process.argv[2], A.tableToIPC(new A.Table(batches), 'stream'));
console.log(`${batches.length} batches, ${strs.length} strings, ${bins.length} binaries`);
