// scripts/package-platform.mjs on what the release gives it: a Windows target names the
// binary mailflow.exe, and a binary of another system, an unknown target or a missing
// argument is refused with a message. (The Linux package with the real binary, installed
// and started: test/e2e/bundled.test.ts.)

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readZip } from '../helpers/zip';

const root = path.resolve(__dirname, '..', '..', '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-package-platform-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function packagePlatform(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'scripts', 'package-platform.mjs'), ...args], { cwd: root, encoding: 'utf8' });
}

// Enough of a Windows executable for the script's check: the "MZ" of its DOS header.
const windowsProgram = path.join(scratch, 'mailflow.exe');
fs.writeFileSync(windowsProgram, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62)]));

test('a win32 package carries the binary as server/mailflow.exe', { timeout: 60000 }, async () => {
  const out = path.join(scratch, 'mailflow-win32-arm64.vsix');
  const made = packagePlatform('--target', 'win32-arm64', '--binary', windowsProgram, '--out', out);
  assert.equal(made.status, 0, made.stdout + made.stderr);
  const entries = await readZip(out);
  const names = entries.map((entry) => entry.name);
  assert.ok(names.includes('extension/server/mailflow.exe'), names.join('\n'));
  assert.ok(!names.includes('extension/server/mailflow'));
  const manifest = entries.find((entry) => entry.name === 'extension.vsixmanifest')!.read().toString('utf8');
  assert.match(manifest, /TargetPlatform="win32-arm64"/);
});

test('refuses a binary of another system, an unknown target and a missing argument', () => {
  const out = path.join(scratch, 'never.vsix');
  const refusals: Array<[string[], RegExp]> = [
    [['--target', 'linux-x64', '--binary', windowsProgram, '--out', out], /is not an executable for Linux \(ELF\), which a linux-x64 package needs/],
    [['--target', 'darwin-arm64', '--binary', windowsProgram, '--out', out], /is not an executable for macOS \(Mach-O\)/],
    [['--target', 'web', '--binary', windowsProgram, '--out', out], /unknown target "web"/],
    [['--target', 'win32-x64', '--binary', path.join(scratch, 'nope.exe'), '--out', out], /cannot read the binary/],
    [['--target', 'win32-x64', '--out', out], /--binary is missing/],
  ];
  for (const [args, message] of refusals) {
    const refused = packagePlatform(...args);
    assert.equal(refused.status, 1, args.join(' '));
    assert.match(refused.stderr, message, args.join(' '));
  }
  assert.equal(fs.existsSync(out), false);
  assert.equal(fs.existsSync(path.join(root, 'server')), false);
});
