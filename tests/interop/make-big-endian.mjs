// make-big-endian.mjs — the same rows as two IPC streams, one little-endian and one big-endian
// (Schema.endianness = Big, every number in every buffer byte-reversed, bitmaps and bytes as they
// are), assembled from Arrow's FlatBuffers classes: no JS writer produces big-endian streams.
// Columns: int16, uint32, int64, float32, float64, float16, date32, timestamp[us, UTC],
// decimal128(20,4), interval[day_time], bool, fixed_size_binary(3), utf8, large_utf8, utf8_view
// (inline and out-of-line values), list<int32>, struct<x: int64>. usage: LE.arrows BE.arrows
import fs from 'node:fs';
import * as flatbuffers from 'flatbuffers';
import * as S from 'apache-arrow/fb/Schema_generated';
import * as M from 'apache-arrow/fb/Message_generated';
import { Utf8View } from 'apache-arrow/fb/utf8-view';
import { field, frame, recordBatch, END_OF_STREAM } from './lib/ipc-assemble.mjs';

const [leOut, beOut] = process.argv.slice(2);
const N = 257;
let seed = 11;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const nullAt = (i) => i % 7 === 3;

// A column: its schema field and, per byte order, its field nodes and buffers.
const bytesOf = (ta) => new Uint8Array(ta.buffer.slice(ta.byteOffset, ta.byteOffset + ta.byteLength));
const swapped = (u8, unit) => { // reverse each `unit`-byte value
  const o = new Uint8Array(u8.length);
  for (let i = 0; i < u8.length; i += unit) for (let k = 0; k < unit; k++) o[i + k] = u8[i + unit - 1 - k];
  return o;
};
const order = (u8, unit, big) => (big && unit > 1 ? swapped(u8, unit) : u8);
const bitmap = (n, isValid) => { const b = new Uint8Array((n + 7) >> 3); for (let i = 0; i < n; i++) if (isValid(i)) b[i >> 3] |= 1 << (i & 7); return b; };
const nullCount = (n) => Array.from({ length: n }, (_, i) => nullAt(i)).filter(Boolean).length;

const prim = (name, type, unit, data) => ({ // data: a typed array of N values (nulls: any value)
  field: (b) => field(b, name, true, type[0], type[1](b)),
  emit: (big, out) => {
    out.nodes.push([N, nullCount(N)]);
    out.bufs.push(bitmap(N, (i) => !nullAt(i)), order(bytesOf(data), unit, big));
  },
});
function strings(vals) {
  const enc = new TextEncoder(), parts = vals.map((v) => enc.encode(v));
  const off = []; let at = 0;
  for (const p of parts) { off.push(at); at += p.length; }
  off.push(at);
  const data = new Uint8Array(at);
  parts.forEach((p, i) => data.set(p, off[i]));
  return { off, data, parts };
}
const words = Array.from({ length: N }, (_, i) => (nullAt(i) ? '' : ['', 'ab', 'a string longer than twelve', 'ünïcödé'][rnd(4)]));

const utf8 = (name, large) => ({
  field: (b) => field(b, name, true, large ? S.Type.LargeUtf8 : S.Type.Utf8, large ? (S.LargeUtf8.startLargeUtf8(b), S.LargeUtf8.endLargeUtf8(b)) : (S.Utf8.startUtf8(b), S.Utf8.endUtf8(b))),
  emit: (big, out) => {
    const { off, data } = strings(words);
    out.nodes.push([N, nullCount(N)]);
    const offs = large ? BigInt64Array.from(off, BigInt) : Int32Array.from(off);
    out.bufs.push(bitmap(N, (i) => !nullAt(i)), order(bytesOf(offs), large ? 8 : 4, big), data);
  },
});
const view = (name) => ({
  field: (b) => field(b, name, true, S.Type.Utf8View, (Utf8View.startUtf8View(b), Utf8View.endUtf8View(b))),
  emit: (big, out) => {
    const { parts } = strings(words);
    const views = new Uint8Array(16 * N), dv = new DataView(views.buffer);
    const chunks = []; let at = 0;
    parts.forEach((p, i) => {
      dv.setInt32(16 * i, p.length, !big);
      if (p.length <= 12) { views.set(p, 16 * i + 4); return; }
      views.set(p.subarray(0, 4), 16 * i + 4);
      dv.setInt32(16 * i + 8, 0, !big);
      dv.setInt32(16 * i + 12, at, !big);
      chunks.push(p); at += p.length;
    });
    const data = new Uint8Array(at); let k = 0;
    for (const c of chunks) { data.set(c, k); k += c.length; }
    out.nodes.push([N, nullCount(N)]);
    out.bufs.push(bitmap(N, (i) => !nullAt(i)), views, data);
    out.variadic.push(1);
  },
});
const list = (name) => ({
  field: (b) => field(b, name, true, S.Type.List, (S.List.startList(b), S.List.endList(b)), [field(b, 'item', true, S.Type.Int, S.Int.createInt(b, 32, true))]),
  emit: (big, out) => {
    const off = [0], child = [];
    for (let i = 0; i < N; i++) { const l = nullAt(i) ? 0 : rnd(4); for (let k = 0; k < l; k++) child.push(rnd(100000) - 50000); off.push(child.length); }
    out.nodes.push([N, nullCount(N)]);
    out.bufs.push(bitmap(N, (i) => !nullAt(i)), order(bytesOf(Int32Array.from(off)), 4, big));
    out.nodes.push([child.length, 0]);
    out.bufs.push(new Uint8Array(0), order(bytesOf(Int32Array.from(child)), 4, big));
  },
});
const struct = (name) => ({
  field: (b) => field(b, name, true, S.Type.Struct_, (S.Struct_.startStruct_(b), S.Struct_.endStruct_(b)), [field(b, 'x', true, S.Type.Int, S.Int.createInt(b, 64, true))]),
  emit: (big, out) => {
    out.nodes.push([N, nullCount(N)]);
    out.bufs.push(bitmap(N, (i) => !nullAt(i)));
    out.nodes.push([N, 0]);
    out.bufs.push(new Uint8Array(0), order(bytesOf(BigInt64Array.from({ length: N }, (_, i) => BigInt(i) * 987654321987n - 5n)), 8, big));
  },
});
const boolCol = (name) => ({
  field: (b) => field(b, name, true, S.Type.Bool, (S.Bool.startBool(b), S.Bool.endBool(b))),
  emit: (big, out) => { out.nodes.push([N, nullCount(N)]); out.bufs.push(bitmap(N, (i) => !nullAt(i)), bitmap(N, (i) => i % 3 === 0)); },
});

const ints = (T, f) => T.from({ length: N }, (_, i) => f(i));
const dec128 = new Uint8Array(16 * N); // little-endian two's complement; reversed as a whole when big
for (let i = 0; i < N; i++) { let v = (BigInt(i) - 100n) * 123456789012345n; v = BigInt.asUintN(128, v); for (let k = 0; k < 16; k++) { dec128[16 * i + k] = Number(v & 255n); v >>= 8n; } }
const cols = [
  prim('i16', [S.Type.Int, (b) => S.Int.createInt(b, 16, true)], 2, ints(Int16Array, (i) => i * 97 - 12000)),
  prim('u32', [S.Type.Int, (b) => S.Int.createInt(b, 32, false)], 4, ints(Uint32Array, (i) => i * 16777259)),
  prim('i64', [S.Type.Int, (b) => S.Int.createInt(b, 64, true)], 8, ints(BigInt64Array, (i) => BigInt(i) * -72057594037927n)),
  prim('f32', [S.Type.FloatingPoint, (b) => S.FloatingPoint.createFloatingPoint(b, S.Precision.SINGLE)], 4, ints(Float32Array, (i) => i / 7 - 3)),
  prim('f64', [S.Type.FloatingPoint, (b) => S.FloatingPoint.createFloatingPoint(b, S.Precision.DOUBLE)], 8, ints(Float64Array, (i) => Math.sqrt(i) * -1e10)),
  prim('f16', [S.Type.FloatingPoint, (b) => S.FloatingPoint.createFloatingPoint(b, S.Precision.HALF)], 2, ints(Uint16Array, (i) => [0x3c00, 0xc000, 0x7bff, 0x0001][i % 4])),
  prim('d32', [S.Type.Date, (b) => S.Date.createDate(b, S.DateUnit.DAY)], 4, ints(Int32Array, (i) => i * 40 - 4000)),
  prim('ts', [S.Type.Timestamp, (b) => { const tz = b.createString('UTC'); return S.Timestamp.createTimestamp(b, S.TimeUnit.MICROSECOND, tz); }], 8, ints(BigInt64Array, (i) => BigInt(i) * 86400123456n)),
  prim('dec', [S.Type.Decimal, (b) => S.Decimal.createDecimal(b, 20, 4, 128)], 16, dec128),
  prim('ivl', [S.Type.Interval, (b) => S.Interval.createInterval(b, S.IntervalUnit.DAY_TIME)], 4, Int32Array.from({ length: 2 * N }, (_, k) => (k % 2 ? k * 1000 : k * 3))), // days, ms
  prim('fsb', [S.Type.FixedSizeBinary, (b) => S.FixedSizeBinary.createFixedSizeBinary(b, 3)], 1, Uint8Array.from({ length: 3 * N }, (_, i) => (i * 7) % 251)),
  boolCol('flag'), utf8('s', false), utf8('ls', true), view('sv'), list('li'), struct('st'),
];

function stream(big) {
  seed = 11; // the same rows for both byte orders
  const b = new flatbuffers.Builder(4096);
  const fields = S.Schema.createFieldsVector(b, cols.map((c) => c.field(b)));
  S.Schema.startSchema(b);
  S.Schema.addEndianness(b, big ? S.Endianness.Big : S.Endianness.Little);
  S.Schema.addFields(b, fields);
  const schema = frame(b, M.MessageHeader.Schema, S.Schema.endSchema(b), 0);
  const out = { nodes: [], bufs: [], variadic: [] };
  for (const c of cols) c.emit(big, out);
  const [head, body] = recordBatch(new flatbuffers.Builder(4096), N, out.nodes, out.bufs, out.variadic);
  return Buffer.concat([schema, head, body, END_OF_STREAM]);
}
fs.writeFileSync(leOut, stream(false));
fs.writeFileSync(beOut, stream(true));
console.log(`wrote ${leOut} and ${beOut}: ${N} rows, ${cols.length} columns`);
