// make-ree-listview.mjs — an IPC stream with run_end_encoded and list view columns, which
// apache-arrow's JS writer cannot produce: the messages are assembled here from Arrow's own
// FlatBuffers classes (Schema.fbs/Message.fbs), buffer by buffer as the format spec lays them out.
// It also writes the same rows decoded (utf8, int64, list, large_list) with the ordinary writer,
// as the reference the Parquet file is verified against.
// usage: node make-ree-listview.mjs ENCODED.arrows DECODED.arrows [BROKEN.arrows]
// BROKEN: the same stream with one run end moved before its predecessor (must be refused).
import fs from 'node:fs';
import * as flatbuffers from 'flatbuffers';
import * as A from 'apache-arrow';
import * as S from 'apache-arrow/fb/Schema_generated';
import * as M from 'apache-arrow/fb/Message_generated';
import { ListView } from 'apache-arrow/fb/list-view';
import { LargeListView } from 'apache-arrow/fb/large-list-view';
import { makeBatch } from './lib/build.mjs';
import { field, frame, recordBatch, END_OF_STREAM } from './lib/ipc-assemble.mjs';

const [encOut, decOut, badOut] = process.argv.slice(2);
let breakRuns = false;
let seed = 7;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const WORDS = ['alpha', 'beta', 'gamma', 'a longer word that is not inlined', ''];

// ---- the rows, decoded ----
function makeRows(n) {
  const code = [], amount = [], ids = [], words = [];
  while (code.length < n) { // runs of 1..12 equal values, some of them null
    const len = 1 + rnd(12), v = rnd(7) === 0 ? null : WORDS[rnd(WORDS.length)], a = rnd(9) === 0 ? null : BigInt(rnd(1000)) - 500n;
    for (let k = 0; k < len && code.length < n; k++) { code.push(v); amount.push(a); }
  }
  for (let i = 0; i < n; i++) {
    ids.push(rnd(10) === 0 ? null : i > 0 && rnd(4) === 0 ? ids[i - 1] : Array.from({ length: rnd(4) }, () => (rnd(8) === 0 ? null : rnd(100000) - 50000)));
    words.push(rnd(10) === 0 ? null : Array.from({ length: rnd(3) }, () => (rnd(6) === 0 ? null : WORDS[rnd(WORDS.length)])));
  }
  return { code, amount, ids, words };
}

// ---- buffers ----
const bytes = (ta) => new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
function validity(vals) {
  const nulls = vals.filter((v) => v === null).length;
  if (!nulls) return { nulls, buf: new Uint8Array(0) };
  const b = new Uint8Array((vals.length + 7) >> 3);
  vals.forEach((v, i) => { if (v !== null) b[i >> 3] |= 1 << (i & 7); });
  return { nulls, buf: b };
}
function utf8Arrays(vals) {
  const enc = new TextEncoder(), parts = vals.map((v) => enc.encode(v ?? ''));
  const off = new Int32Array(vals.length + 1);
  parts.forEach((p, i) => { off[i + 1] = off[i] + p.length; });
  const data = new Uint8Array(off[vals.length]);
  parts.forEach((p, i) => data.set(p, off[i]));
  return [bytes(off), data];
}

// field nodes and buffers in the pre-order the RecordBatch message lists them
function encodeBatch(rows) {
  const n = rows.code.length, nodes = [], bufs = [];
  const ree = (vals, endsType, valueBufs) => {
    const starts = [], ends = [];
    vals.forEach((v, i) => { if (i > 0 && v === vals[i - 1]) ends[ends.length - 1] = i + 1; else { starts.push(i); ends.push(i + 1); } });
    const runVals = starts.map((i) => vals[i]);
    nodes.push([n, 0]); // the REE array itself: no buffers
    nodes.push([ends.length, 0]);
    if (breakRuns && ends.length > 2) [ends[1], ends[2]] = [ends[2], ends[1]];
    bufs.push(new Uint8Array(0), bytes(new endsType(ends)));
    const v = validity(runVals);
    nodes.push([runVals.length, v.nulls]);
    bufs.push(v.buf, ...valueBufs(runVals));
  };
  ree(rows.code, Int32Array, (vs) => utf8Arrays(vs));
  ree(rows.amount, Int16Array, (vs) => [bytes(BigInt64Array.from(vs, (x) => x ?? 0n))]);
  // list views: rows laid out in reverse in the child; a row equal to the previous one shares its view
  const view = (vals, wide, childBufs) => {
    const off = new (wide ? BigInt64Array : Int32Array)(n), size = new (wide ? BigInt64Array : Int32Array)(n), child = [];
    for (let i = n - 1; i >= 0; i--) {
      const l = vals[i] ?? [];
      off[i] = wide ? BigInt(child.length) : child.length;
      size[i] = wide ? BigInt(l.length) : l.length;
      child.push(...l);
    }
    for (let i = 1; i < n; i++) if (vals[i] !== null && vals[i] === vals[i - 1]) off[i] = off[i - 1];
    const v = validity(vals);
    nodes.push([n, v.nulls]);
    bufs.push(v.buf, bytes(off), bytes(size));
    const cv = validity(child);
    nodes.push([child.length, cv.nulls]);
    bufs.push(cv.buf, ...childBufs(child));
  };
  view(rows.ids, false, (c) => [bytes(Int32Array.from(c, (x) => x ?? 0))]);
  view(rows.words, true, (c) => utf8Arrays(c));
  return { n, nodes, bufs };
}

// ---- messages ----
const intType = (b, bits, signed) => S.Int.createInt(b, bits, signed);
const empty = (b, T) => { T[`start${T.name}`](b); return T[`end${T.name}`](b); };

function schemaMessage() {
  const b = new flatbuffers.Builder(1024);
  const utf8 = () => { S.Utf8.startUtf8(b); return S.Utf8.endUtf8(b); };
  const code = field(b, 'code', true, S.Type.RunEndEncoded, (S.RunEndEncoded.startRunEndEncoded(b), S.RunEndEncoded.endRunEndEncoded(b)), [
    field(b, 'run_ends', false, S.Type.Int, intType(b, 32, true)), field(b, 'values', true, S.Type.Utf8, utf8())]);
  const amount = field(b, 'amount', true, S.Type.RunEndEncoded, (S.RunEndEncoded.startRunEndEncoded(b), S.RunEndEncoded.endRunEndEncoded(b)), [
    field(b, 'run_ends', false, S.Type.Int, intType(b, 16, true)), field(b, 'values', true, S.Type.Int, intType(b, 64, true))]);
  const ids = field(b, 'ids', true, S.Type.ListView, (ListView.startListView(b), ListView.endListView(b)), [
    field(b, 'item', true, S.Type.Int, intType(b, 32, true))]);
  const words = field(b, 'words', true, S.Type.LargeListView, (LargeListView.startLargeListView(b), LargeListView.endLargeListView(b)), [
    field(b, 'item', true, S.Type.Utf8, utf8())]);
  const fields = S.Schema.createFieldsVector(b, [code, amount, ids, words]);
  S.Schema.startSchema(b);
  S.Schema.addFields(b, fields);
  return frame(b, M.MessageHeader.Schema, S.Schema.endSchema(b), 0);
}

function batchMessage(rows) {
  const { n, nodes, bufs } = encodeBatch(rows);
  return recordBatch(new flatbuffers.Builder(1024), n, nodes, bufs);
}

const batches = [makeRows(150), makeRows(150), makeRows(1)];
const parts = [schemaMessage()];
for (const r of batches) parts.push(...batchMessage(r));
parts.push(END_OF_STREAM);
fs.writeFileSync(encOut, Buffer.concat(parts));
if (badOut) {
  breakRuns = true;
  fs.writeFileSync(badOut, Buffer.concat([schemaMessage(), ...batchMessage(batches[0])]));
  breakRuns = false;
}

const schema = new A.Schema([
  new A.Field('code', new A.Utf8(), true), new A.Field('amount', new A.Int64(), true),
  new A.Field('ids', new A.List(new A.Field('item', new A.Int32(), true)), true),
  new A.Field('words', new A.LargeList(new A.Field('item', new A.Utf8(), true)), true)]);
const w = new A.RecordBatchStreamWriter();
for (const r of batches) w.write(makeBatch(schema, [r.code, r.amount, r.ids, r.words]));
w.finish();
fs.writeFileSync(decOut, w.toUint8Array(true));
console.log(`wrote ${encOut} (run_end_encoded, list views) and ${decOut} (decoded): ${batches.reduce((s, r) => s + r.code.length, 0)} rows`);
