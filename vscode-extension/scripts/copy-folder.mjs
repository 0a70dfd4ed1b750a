// Copies the extension's folder, without what is made from it (installed packages, builds,
// packages), to a folder of its own; the installed packages are linked, not copied. Used by
// package-platform.mjs, which packages in such a copy, and by the test that builds one.

import * as fs from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the folder holds that is made, not written. */
const MADE = new Set(['node_modules', 'out', 'dist', 'server']);

/**
 * Copies the folder to `destination` (which must not exist) and links its node_modules there.
 * @param {string} destination
 */
export function copyFolder(destination) {
  fs.cpSync(root, destination, {
    recursive: true,
    errorOnExist: true,
    filter: (source) => {
      const path = relative(root, source);
      return !MADE.has(path.split(sep)[0]) && !path.endsWith('.vsix');
    },
  });
  fs.symlinkSync(join(root, 'node_modules'), join(destination, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');
}
