// ipc-assemble.mjs — Arrow IPC stream messages built by hand from Arrow's own FlatBuffers classes
// (Schema.fbs / Message.fbs), for streams apache-arrow's JS writer cannot produce (run-end encoded,
// list views, big-endian): a Field, the encapsulated message framing, a RecordBatch from field
// nodes and buffers laid out 8-byte aligned in its body, and the end-of-stream marker.
import * as S from 'apache-arrow/fb/Schema_generated';
import * as M from 'apache-arrow/fb/Message_generated';

export function field(b, name, nullable, typeType, typeOff, children = []) {
  const nm = b.createString(name);
  const kids = S.Field.createChildrenVector(b, children);
  S.Field.startField(b);
  S.Field.addName(b, nm);
  S.Field.addNullable(b, nullable);
  S.Field.addTypeType(b, typeType);
  S.Field.addType(b, typeOff);
  S.Field.addChildren(b, kids);
  return S.Field.endField(b);
}

// 0xFFFFFFFF, the padded metadata length, the Message flatbuffer (finished here), padding
export function frame(b, headerType, header, bodyLength) {
  b.finish(M.Message.createMessage(b, M.MetadataVersion.V5, headerType, header, BigInt(bodyLength), 0));
  const meta = b.asUint8Array(), padded = (meta.length + 7) & ~7, out = new Uint8Array(8 + padded);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xffffffff, true);
  dv.setInt32(4, padded, true);
  out.set(meta, 8);
  return out;
}

// A RecordBatch message and its body: nodes [[length, nulls]...] and buffers (Uint8Arrays) in
// the pre-order the format lists them; variadic: buffer counts of view columns
export function recordBatch(b, length, nodes, bufs, variadic = []) {
  const pos = [];
  let at = 0;
  for (const x of bufs) { pos.push([at, x.length]); at += (x.length + 7) & ~7; }
  M.RecordBatch.startNodesVector(b, nodes.length);
  for (let i = nodes.length - 1; i >= 0; i--) M.FieldNode.createFieldNode(b, BigInt(nodes[i][0]), BigInt(nodes[i][1]));
  const nodeVec = b.endVector();
  M.RecordBatch.startBuffersVector(b, pos.length);
  for (let i = pos.length - 1; i >= 0; i--) M.Buffer.createBuffer(b, BigInt(pos[i][0]), BigInt(pos[i][1]));
  const bufVec = b.endVector();
  const varVec = variadic.length ? M.RecordBatch.createVariadicBufferCountsVector(b, variadic.map(BigInt)) : 0;
  M.RecordBatch.startRecordBatch(b);
  M.RecordBatch.addLength(b, BigInt(length));
  M.RecordBatch.addNodes(b, nodeVec);
  M.RecordBatch.addBuffers(b, bufVec);
  if (varVec) M.RecordBatch.addVariadicBufferCounts(b, varVec);
  const head = frame(b, M.MessageHeader.RecordBatch, M.RecordBatch.endRecordBatch(b), at);
  const body = new Uint8Array(at);
  bufs.forEach((x, i) => body.set(x, pos[i][0]));
  return [head, body];
}

export const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
