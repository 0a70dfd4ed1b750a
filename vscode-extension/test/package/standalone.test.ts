// The extension builds and packages from a copy of its folder alone, with nothing of the
// repository around it: the build reads nothing outside the folder (issue 13).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readZip } from '../helpers/zip';

const root = path.resolve(__dirname, '..', '..', '..');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-standalone-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(folder: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: folder, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed in ${folder}:\n${result.stdout}\n${result.stderr}`);
}

test('a copy of the folder alone builds and packages', { timeout: 120000 }, async () => {
  const copy = path.join(scratch, 'vscode-extension');
  // The sources, and the installed packages linked as `npm ci` would lay them (copying 180 MB proves nothing more).
  const { copyFolder } = (await import(pathToFileURL(path.join(root, 'scripts', 'copy-folder.mjs')).href)) as {
    copyFolder(destination: string): void;
  };
  copyFolder(copy);
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
