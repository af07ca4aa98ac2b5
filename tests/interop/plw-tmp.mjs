import fs from 'node:fs';
import { polarsModule, polarsCodec } from '/work/main/tests/interop/lib/anchors.mjs';
const [src, codec, out] = process.argv.slice(2);
const pl = await polarsModule();
const df = pl.readIPCStream(fs.readFileSync(src)).rechunk();
df.writeParquet(out, { compression: polarsCodec(codec) });
