// The platform-specific package end to end: scripts/package-platform.mjs makes the Linux x64
// .vsix with the binary under test (MAILFLOW_BIN, by default ../target/debug/mailflow), the
// package is unpacked as VS Code installs one (modes kept), and the unpacked extension,
// loaded with the stand-in for the `vscode` module and with no `mailflow.path` setting and
// nothing on PATH, starts its bundled binary and gets the findings of an example.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeVscode, createFakeVscode, installFakeVscode } from '../helpers/fake-vscode';
import { ZipEntry, readZip } from '../helpers/zip';

const extensionRoot = path.resolve(__dirname, '..', '..', '..');
const repositoryRoot = path.resolve(extensionRoot, '..');
const binary = path.resolve(extensionRoot, process.env.MAILFLOW_BIN ?? '../target/debug/mailflow');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

interface ExtensionModule {
  activate(context: { subscriptions: Array<{ dispose(): unknown }>; extensionPath: string }): void;
  deactivate(): Promise<void>;
}

describe('the linux-x64 package with the binary', { skip: linuxX64 ? false : 'packages and runs a Linux x64 binary' }, () => {
  let scratch: string;
  let vsix: string;
  let entries: ZipEntry[];

  before(async () => {
    assert.ok(fs.existsSync(binary), `no mailflow binary at ${binary}: run \`cargo build -p mailflow\`, or set MAILFLOW_BIN`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-bundled-'));
    vsix = path.join(scratch, 'mailflow-linux-x64.vsix');
    const made = spawnSync(
      process.execPath,
      [path.join(extensionRoot, 'scripts', 'package-platform.mjs'), '--target', 'linux-x64', '--binary', binary, '--out', vsix],
      { cwd: extensionRoot, encoding: 'utf8' },
    );
    assert.equal(made.status, 0, `package-platform.mjs failed:\n${made.stdout}\n${made.stderr}`);
    assert.match(made.stdout, /holds extension\/server\/mailflow \(\d+ bytes\) for linux-x64/);
    entries = await readZip(vsix);
  });

  after(() => {
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('holds extension/server/mailflow, executable, and is marked linux-x64', () => {
    const server = entries.find((entry) => entry.name === 'extension/server/mailflow');
    assert.ok(server, entries.map((entry) => entry.name).join('\n'));
    assert.equal(server.mode & 0o170000, 0o100000, 'a regular file');
    assert.equal(server.mode & 0o111, 0o111, `mode ${server.mode.toString(8)}`);
    const manifest = entries.find((entry) => entry.name === 'extension.vsixmanifest')!.read().toString('utf8');
    assert.match(manifest, /TargetPlatform="linux-x64"/);
    // Nothing of the build is left in the folder for an ordinary package to pick up.
    assert.equal(fs.existsSync(path.join(extensionRoot, 'server')), false);
  });

  test('once unpacked, starts its own binary with no setting and nothing on PATH, and reports findings', { timeout: 60000 }, async () => {
    const installed = path.join(scratch, 'installed');
    for (const entry of entries) {
      const target = path.join(installed, entry.name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, entry.read());
      if (entry.mode !== 0) fs.chmodSync(target, entry.mode & 0o777);
    }
    const extensionPath = path.join(installed, 'extension');
    const workspace = path.join(scratch, 'workspace');
    fs.mkdirSync(workspace);
    fs.copyFileSync(path.join(repositoryRoot, 'examples', 'broken-rule-order.mailflow'), path.join(workspace, 'broken-rule-order.mailflow'));

    const fake: FakeVscode = createFakeVscode({
      workspaceFolder: workspace,
      settings: { mailflow: { select: [], ignore: [], docsUrl: '', trace: { server: 'off' } } },
    });
    const uninstall = installFakeVscode(fake);
    const path_ = process.env.PATH;
    process.env.PATH = path.join(scratch, 'empty-path');
    const extension = require(path.join(extensionPath, 'dist', 'extension.js')) as ExtensionModule;
    try {
      extension.activate({ subscriptions: [], extensionPath });
      const document = fake.open(path.join(workspace, 'broken-rule-order.mailflow'));
      const codes = await fake.waitFor('diagnostics from the bundled server', () => {
        const found = fake.diagnostics.get(document.uri.toString());
        return found !== undefined && found.length > 0 ? found.map((d) => (typeof d.code === 'object' ? d.code.value : d.code)) : undefined;
      });
      assert.deepEqual([...codes].sort(), ['MF101', 'MF102', 'MF104', 'MF306']);
      const bundled = path.join(extensionPath, 'server', 'mailflow');
      assert.ok(
        fake.output.some((line) => line.includes(`starting ${bundled} lsp (bundled with the extension)`)),
        fake.output.join('\n'),
      );
      assert.deepEqual(fake.messages.filter((m) => m.kind === 'error'), []);
    } finally {
      await extension.deactivate();
      process.env.PATH = path_;
      uninstall();
    }
  });
});
