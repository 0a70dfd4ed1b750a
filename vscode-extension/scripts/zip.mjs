// Reads the entries of a zip file (a .vsix is one) with nothing but node:zlib: the central
// directory for the names and Unix modes, and each entry's data, stored or deflated. Used by
// package-platform.mjs to check the package it made, and by the tests (test/helpers/zip.ts).

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * @typedef {object} ZipEntry
 * @property {string} name
 * @property {number} mode The Unix mode the zip recorded (type and permission bits), 0 when it recorded none.
 * @property {() => Buffer} read
 */

/**
 * @param {string} file
 * @returns {ZipEntry[]}
 */
export function readZip(file) {
  const zip = fs.readFileSync(file);
  // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB, at the end.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry in ${file}`);
    // "Version made by": its high byte 3 means Unix, whose mode is the external attributes' high half.
    const madeOnUnix = zip.readUInt8(at + 5) === 3;
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const externalAttributes = zip.readUInt32LE(at + 38);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    entries.push({
      name,
      mode: madeOnUnix ? externalAttributes >>> 16 : 0,
      read() {
        if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
        const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(start, start + compressedSize);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return zlib.inflateRawSync(data);
        throw new Error(`${name}: compression method ${method} is not supported`);
      },
    });
  }
  return entries;
}
