// The zip reader of scripts/zip.mjs, for the tests (compiled to CommonJS, they load the ES
// module at run time).

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ZipEntry {
  readonly name: string;
  /** The Unix mode recorded for the entry, 0 when none was. */
  readonly mode: number;
  read(): Buffer;
}

const script = path.resolve(__dirname, '..', '..', '..', 'scripts', 'zip.mjs');

export async function readZip(file: string): Promise<ZipEntry[]> {
  const zip = (await import(pathToFileURL(script).href)) as { readZip(file: string): ZipEntry[] };
  return zip.readZip(file);
}
