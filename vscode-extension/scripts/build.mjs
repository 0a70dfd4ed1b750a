// Builds what the extension ships: the bundle dist/extension.js (esbuild). Everything it
// needs is inside this folder (the JSON schema that `yamlValidation` points at is kept in
// schema/, a copy of the repository's that test/package checks), so the extension builds
// and packages from a copy of this folder alone. `--watch` rebuilds on change (unminified,
// with a source map; run `npm run build` again before packaging).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const options = {
  entryPoints: [join(root, 'src', 'extension.ts')],
  outfile: join(root, 'dist', 'extension.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // VS Code 1.91 runs extensions on Node 20.
  target: 'node20',
  // Provided by VS Code at run time.
  external: ['vscode'],
  // Minified for the package (it loads faster and halves the .vsix); names are kept so that
  // a stack trace in the output channel still says which class and function failed.
  minify: true,
  keepNames: true,
  sourcemap: false,
  logLevel: 'warning',
};

if (process.argv.includes('--watch')) {
  // While developing: readable output with a source map, rebuilt on every change.
  const context = await esbuild.context({ ...options, minify: false, sourcemap: 'linked', logLevel: 'info' });
  await context.watch();
} else {
  await esbuild.build(options);
  console.log(`built ${options.outfile}`);
}
