#!/usr/bin/env node
// Lists the entries of a .vsix (a zip file), one per line, from its central directory.
// Usage: node scripts/vsix-ls.mjs FILE.vsix   (no dependency on unzip)
import fs from 'node:fs';

const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: vsix-ls.mjs FILE.vsix');
  process.exit(2);
}
const buf = fs.readFileSync(file);
// End of central directory record: signature 0x06054b50, searched from the end (comment <= 64 KiB).
let eocd = -1;
for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
  if (buf.readUInt32LE(i) === 0x06054b50) {
    eocd = i;
    break;
  }
}
if (eocd < 0) {
  console.error(`${file}: not a zip file`);
  process.exit(1);
}
const count = buf.readUInt16LE(eocd + 10);
let off = buf.readUInt32LE(eocd + 16);
for (let n = 0; n < count; n++) {
  if (buf.readUInt32LE(off) !== 0x02014b50) {
    console.error(`${file}: corrupt central directory`);
    process.exit(1);
  }
  const nameLen = buf.readUInt16LE(off + 28);
  const extraLen = buf.readUInt16LE(off + 30);
  const commentLen = buf.readUInt16LE(off + 32);
  const externalAttrs = buf.readUInt32LE(off + 38);
  const name = buf.toString('utf8', off + 46, off + 46 + nameLen);
  const mode = (externalAttrs >>> 16) & 0o777;
  console.log(process.argv.includes('--mode') ? `${mode.toString(8).padStart(4, '0')} ${name}` : name);
  off += 46 + nameLen + extraLen + commentLen;
}
