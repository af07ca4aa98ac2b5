// make-extra-types.mjs — an IPC stream of the flat types gen.mjs leaves out: float16, null,
// time32[s], time64[ns], decimal256 and dictionaries with int8 / uint16 indices (sets core, wide),
// duration (s, ms, us, ns) and decimal32 / decimal64 (set t12), interval year_month / day_time (set ivl).
import fs from 'node:fs';
import * as A from 'apache-arrow';
import { makeBatch } from './lib/build.mjs';
const n = 300;
const [out, set = 'all'] = process.argv.slice(2);
const pick = (i, v) => (i % 9 === 4 ? null : v);
// half-precision bit patterns: 0, -0, 1.5, -2.25, 65504, -65504, +Inf, -Inf, ~1e-4
const halves = [0x0000, 0x8000, 0x3e00, 0xc080, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x068e];
const cols = [
  ['f16', new A.Float16(), (i) => pick(i, halves[i % 9])],
  ['nothing', new A.Null(), () => null],
  ['t32s', new A.TimeSecond(), (i) => pick(i, (i * 97) % 86400)],
  ['t64ns', new A.TimeNanosecond(), (i) => pick(i, BigInt(i) * 123456789n)],
  ['d256', new A.Decimal(3, 50, 256), (i) => pick(i, (BigInt(i) - 150n) * 10n ** 45n + BigInt(i))],
  ['dict8', new A.Dictionary(new A.Utf8(), new A.Int8()), (i) => pick(i, i % 3)],
  ['dict16u', new A.Dictionary(new A.Utf8(), new A.Uint16()), (i) => pick(i, i % 40)],
  // arrow types issue 12 adds: duration in every unit, intervals, decimal32/64
  ['dur_s', new A.DurationSecond(), (i) => pick(i, BigInt(i * 3661 - 400))],
  ['dur_ms', new A.DurationMillisecond(), (i) => pick(i, BigInt(i) * 1234567n)],
  ['dur_us', new A.DurationMicrosecond(), (i) => pick(i, -BigInt(i) * 999999937n)],
  ['dur_ns', new A.DurationNanosecond(), (i) => pick(i, BigInt(i) * 86400000000123n)],
  ['ivl_ym', new A.IntervalYearMonth(), (i) => pick(i, i * 7 - 300)],
  ['ivl_dt', new A.IntervalDayTime(), (i) => pick(i, [i * 3, (i * 86399) % 86400000])],
  ['dec32', new A.Decimal(2, 9, 32), (i) => pick(i, BigInt(i * 3331333 - 499999999))],
  ['dec64', new A.Decimal(4, 18, 64), (i) => pick(i, BigInt(i) * 3331333333333331n - 499999999999999999n)],
];
const T12 = ['dur_s', 'dur_ms', 'dur_us', 'dur_ns', 'dec32', 'dec64'];
const IVL = ['ivl_ym', 'ivl_dt'];
// "core": types every reader handles; "wide": float16, null, decimal256 (Polars stops at 38 digits),
// time64[ns] (DuckDB's TIME keeps microseconds): only hyparquet reads all of them exactly
const WIDE = ['f16', 'nothing', 'd256', 't64ns'];
const inSet = (name) => (set === 't12' ? T12.includes(name) : set === 'ivl' ? IVL.includes(name)
  : !T12.includes(name) && !IVL.includes(name) && (set === 'wide') === WIDE.includes(name));
if (set !== 'all') cols.splice(0, cols.length, ...cols.filter(([name]) => inSet(name)));
const schema = new A.Schema(cols.map(([name, t]) => new A.Field(name, t, true)));
const dicts = {
  dict8: A.vectorFromArray(['x', 'yy', 'zzz'], new A.Utf8()),
  dict16u: A.vectorFromArray(Array.from({ length: 40 }, (_, k) => `v${k}`), new A.Utf8()),
};
const writer = new A.RecordBatchStreamWriter();
for (let b = 0; b < 3; b++) {
  const columns = cols.map(([, , g]) => Array.from({ length: n / 3 }, (_, k) => g(b * (n / 3) + k)));
  writer.write(makeBatch(schema, columns, dicts));
}
writer.finish();
fs.writeFileSync(out, writer.toUint8Array(true));
console.log(`wrote ${out}: ${n} rows, ${schema.fields.map((f) => `${f.name}:${f.type}`).join(' ')}`);
