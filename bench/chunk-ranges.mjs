// chunk-ranges.mjs — prints "START LENGTH" for every column chunk of a Parquet file (dictionary
// page included), read with hyparquet from the interop tests' packages; input to codec_floor.
// usage: node bench/chunk-ranges.mjs FILE.parquet
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hyparquet = await import(pathToFileURL(path.join(root, 'tests/interop/node_modules/hyparquet/src/node.js')).href);
const file = await hyparquet.asyncBufferFromFile(process.argv[2]);
const md = await hyparquet.parquetMetadataAsync(file);
for (const rg of md.row_groups)
  for (const c of rg.columns) {
    const m = c.meta_data;
    if (m.codec !== 'UNCOMPRESSED') throw new Error(`${process.argv[2]}: chunk compressed with ${m.codec}; write it uncompressed`);
    console.log(Number(m.dictionary_page_offset ?? m.data_page_offset), Number(m.total_compressed_size));
  }
