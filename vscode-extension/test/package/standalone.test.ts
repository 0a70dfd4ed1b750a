// The extension builds and packages from a copy of its folder alone, with nothing of the
// repository around it: the build reads nothing outside the folder (issue 13).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readZip } from '../helpers/zip';

const root = path.resolve(__dirname, '..', '..', '..');
/** What `npm run build`, `npm test` and packaging make: not part of the folder's sources. */
const made = new Set(['node_modules', 'out', 'dist', 'server']);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-standalone-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(folder: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: folder, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed in ${folder}:\n${result.stdout}\n${result.stderr}`);
}

test('a copy of the folder alone builds and packages', { timeout: 120000 }, async () => {
  const copy = path.join(scratch, 'vscode-extension');
  fs.cpSync(root, copy, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(root, source);
      return !made.has(relative.split(path.sep)[0]) && !relative.endsWith('.vsix');
    },
  });
  // The installed packages, as `npm ci` would lay them (linked: copying 180 MB proves nothing more).
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  assert.deepEqual(fs.readdirSync(scratch), ['vscode-extension'], 'no repository around the copy');

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(copy, npm, ['run', 'build', '--silent']);
  run(copy, npm, ['run', 'package', '--silent', '--', '--out', path.join(copy, 'standalone.vsix')]);

  const entries = new Map((await readZip(path.join(copy, 'standalone.vsix'))).map((entry) => [entry.name, entry]));
  assert.ok(entries.has('extension/dist/extension.js'));
  const schema = entries.get('extension/schema/mailflow.schema.json');
  assert.ok(schema, [...entries.keys()].join('\n'));
  assert.ok(schema.read().equals(fs.readFileSync(path.join(root, 'schema', 'mailflow.schema.json'))));
});
