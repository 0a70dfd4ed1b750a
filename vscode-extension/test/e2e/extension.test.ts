// End to end, without VS Code: the built bundle dist/extension.js is loaded with a fake
// `vscode` module (test/helpers/fake-vscode.ts) and activated against the real mailflow
// binary (MAILFLOW_BIN, by default ../target/debug/mailflow).
//
// Covered: activation and the commands it registers; the server starting only once a
// mail-flow document is open; vscode-languageclient spawning `mailflow lsp`, the initialize
// handshake, document sync, diagnostics for the DSL and for *.mailflow.yaml and none for
// other YAML (pulled: vscode-languageclient 11 asks for them, so the server does not push);
// settings reaching the running server through workspace/configuration; the trace command,
// from the prompts to the two documents, remembering the last recipient; the one error
// message for a missing binary and for a program that is not the server; restarting when
// `mailflow.path` changes; the server process ending on deactivate.
//
// Not covered, because only a real VS Code has them: the manifest's contributions being
// applied (language, grammar, yamlValidation, menus: checked statically in
// package.test.ts), how things look, hover/completion/code actions in an editor (the
// client's providers are registered but never invoked here), and the extension host's own
// process management.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { FakeVscode, createFakeVscode, installFakeVscode } from '../helpers/fake-vscode';

const extensionRoot = path.resolve(__dirname, '..', '..', '..');
const repositoryRoot = path.resolve(extensionRoot, '..');
const binary = path.resolve(extensionRoot, process.env.MAILFLOW_BIN ?? '../target/debug/mailflow');
// For debugging: MAILFLOW_E2E_LOG=FILE writes the output channel, with the protocol trace, to FILE.
const traceFile = process.env.MAILFLOW_E2E_LOG;

interface ExtensionModule {
  activate(context: { subscriptions: Array<{ dispose(): unknown }>; extensionPath: string }): void;
  deactivate(): Promise<void>;
}

let fake: FakeVscode;
let uninstall: () => void;
let extension: ExtensionModule;
let workspace: string;
// The extension's folder as VS Code gives it: this one, which holds no bundled binary.
const context = { subscriptions: [] as Array<{ dispose(): unknown }>, extensionPath: extensionRoot };

const codesOf = (uri: string) =>
  fake.diagnostics.get(uri)?.map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)));

/** The processes this test started that are still a running mailflow (Linux; elsewhere []). */
function mailflowChildren(): number[] {
  if (process.platform !== 'linux') return [];
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z' && comm.startsWith('mailflow')) {
        children.push(Number(entry));
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

before(() => {
  assert.ok(
    fs.existsSync(binary),
    `no mailflow binary at ${binary}: run \`cargo build -p mailflow\` in the repository, or set MAILFLOW_BIN`,
  );
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-vscode-e2e-'));
  for (const name of ['broken-rule-order.mailflow', 'codetwo-mimecast.mailflow.yaml']) {
    fs.copyFileSync(path.join(repositoryRoot, 'examples', name), path.join(workspace, name));
  }
  fs.writeFileSync(path.join(workspace, 'docker-compose.yaml'), 'services:\n  web:\n    image: nginx\n');
  fake = createFakeVscode({
    traceProtocol: traceFile !== undefined,
    workspaceFolder: workspace,
    settings: { mailflow: { path: binary, select: [], ignore: [], docsUrl: '', trace: { server: traceFile !== undefined ? 'verbose' : 'off' } } },
  });
  uninstall = installFakeVscode(fake);
  extension = require(path.join(extensionRoot, 'dist', 'extension.js')) as ExtensionModule;
});

after(async () => {
  await extension?.deactivate();
  if (traceFile !== undefined) fs.writeFileSync(traceFile, fake.output.join('\n') + '\n');
  uninstall?.();
  if (workspace !== undefined) fs.rmSync(workspace, { recursive: true, force: true });
});

test('the bundle exports activate and deactivate, and activating registers the commands', () => {
  assert.equal(typeof extension.activate, 'function');
  assert.equal(typeof extension.deactivate, 'function');
  extension.activate(context);
  assert.ok(fake.commands.has('mailflow.showTrace'));
  assert.ok(fake.commands.has('mailflow.analyseHeaders'));
  assert.ok(fake.commands.has('mailflow.restartServer'));
  assert.ok(fake.contentProviders.has('mailflow-trace'));
});

test('an ordinary YAML file does not start the server', async () => {
  fake.open(path.join(workspace, 'docker-compose.yaml'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(fake.output.filter((line) => line.includes('starting')), []);
  assert.deepEqual(mailflowChildren(), []);
});

test('opening a DSL file starts `mailflow lsp`, and its findings arrive', { timeout: 30000 }, async () => {
  const document = fake.open(path.join(workspace, 'broken-rule-order.mailflow'));
  assert.equal(document.languageId, 'mailflow');
  const codes = await fake.waitFor('diagnostics of the DSL file', () => {
    const found = codesOf(document.uri.toString());
    return found !== undefined && found.length > 0 ? found : undefined;
  });
  assert.deepEqual([...codes].sort(), ['MF101', 'MF102', 'MF104', 'MF306']);
  assert.ok(fake.output.some((line) => line.includes(`starting ${binary} lsp`)), fake.output.join('\n'));
  assert.equal(mailflowChildren().length, process.platform === 'linux' ? 1 : 0);
});

test('a file whose path has spaces, brackets and non-ASCII letters gets its findings under its URI', { timeout: 30000 }, async () => {
  const folder = path.join(workspace, 'My Rul\u00e8s');
  fs.mkdirSync(folder);
  const file = path.join(folder, 'r\u00e8gles [1].mailflow');
  fs.copyFileSync(path.join(workspace, 'broken-rule-order.mailflow'), file);
  const document = fake.open(file);
  assert.match(document.uri.toString(), /\/My%20Rul%C3%A8s\/r%C3%A8gles%20%5B1%5D\.mailflow$/);
  const codes = await fake.waitFor('diagnostics of the file', () => codesOf(document.uri.toString()));
  assert.deepEqual([...codes].sort(), ['MF101', 'MF102', 'MF104', 'MF306']);
  fake.close(document);
});

test('a *.mailflow.yaml file is checked, other YAML is not', { timeout: 30000 }, async () => {
  const yaml = fake.open(path.join(workspace, 'codetwo-mimecast.mailflow.yaml'));
  // The example is correct: the server answers with an empty list.
  const codes = await fake.waitFor('diagnostics of the YAML file', () => codesOf(yaml.uri.toString()));
  assert.deepEqual(codes, []);
  const compose = fake.documents.find((d) => d.uri.path.endsWith('docker-compose.yaml'));
  assert.ok(compose);
  assert.equal(fake.diagnostics.has(compose.uri.toString()), false);
});

test('settings reach the running server without a restart', { timeout: 30000 }, async () => {
  const dsl = fake.documents.find((d) => d.languageId === 'mailflow');
  assert.ok(dsl);
  const before = mailflowChildren();
  fake.changeSettings({ 'mailflow.ignore': ['MF1'], 'mailflow.docsUrl': 'https://docs.example/mailflow/' });
  const diagnostics = await fake.waitFor('diagnostics without MF1xx', () => {
    const list = fake.diagnostics.get(dsl.uri.toString());
    return list !== undefined && list.length === 1 ? list : undefined;
  });
  const code = diagnostics[0].code as { value: string; target: { toString(): string } };
  assert.equal(code.value, 'MF306');
  assert.equal(code.target.toString(), 'https://docs.example/mailflow/MF306');
  assert.deepEqual(mailflowChildren(), before, 'the same server process');
  assert.ok(!fake.output.some((line) => line.includes('stopping')));
});

test('"Trace a message" refuses a document that is not a mail-flow file', async () => {
  fake.open(path.join(workspace, 'docker-compose.yaml'));
  const before = fake.messages.length;
  await fake.executeCommand('mailflow.showTrace');
  const shown = fake.messages.slice(before);
  assert.equal(shown.length, 1);
  assert.equal(shown[0].kind, 'warning');
  assert.match(shown[0].text, /open a mail-flow file/);
});

test('"Trace a message" asks for the message and shows the trace and its flowchart', { timeout: 30000 }, async () => {
  fake.open(path.join(workspace, 'broken-rule-order.mailflow'));
  let offered: string[] = [];
  let validate: ((value: string) => unknown) | undefined;
  fake.answers.quickPick = (items) => {
    offered = items.map((item) => item.label);
    return items.find((item) => item.label === 'inside');
  };
  fake.answers.inputBox = (box) => {
    validate = box.validateInput;
    return box.value;
  };
  fake.answers.information = (_message, items) => items.find((item) => item.startsWith('Open Mermaid'));
  await fake.executeCommand('mailflow.showTrace');
  assert.deepEqual(offered, ['inside', 'outside']);
  assert.ok(validate);
  assert.equal(typeof validate('not an address'), 'string');
  assert.equal(validate('user@recipient.example'), undefined);

  const [text, mermaid] = await fake.waitFor('the two trace documents', () => (fake.shown.length >= 2 ? fake.shown : undefined));
  assert.match(text.uri, /^mailflow-trace:/);
  assert.match(text.uri, /\.txt$/);
  assert.match(text.content, /^Trace of broken-rule-order\.mailflow, from inside to user@recipient\.example/);
  assert.match(text.content, /Pass 1 through Exchange Online/);
  assert.match(mermaid.uri, /\.md$/);
  assert.equal(mermaid.languageId, 'markdown');
  assert.match(mermaid.content, /```mermaid\nflowchart LR\n/);
});

test('"Trace a message" traces from outside, and proposes the last recipient next time', { timeout: 30000 }, async () => {
  // The trace documents took the focus: back to the file.
  fake.open(path.join(workspace, 'broken-rule-order.mailflow'));
  const before = fake.shown.length;
  fake.answers.quickPick = (items) => items.find((item) => item.label === 'outside');
  fake.answers.inputBox = () => 'someone@contoso.com';
  fake.answers.information = () => undefined;
  await fake.executeCommand('mailflow.showTrace');
  const [text] = await fake.waitFor('the trace document', () => (fake.shown.length > before ? fake.shown.slice(before) : undefined));
  assert.match(text.content, /^Trace of broken-rule-order\.mailflow, from outside to someone@contoso\.com\n/);

  // Cancelled at the address: nothing is traced, and the box offered the last address.
  fake.open(path.join(workspace, 'broken-rule-order.mailflow'));
  let proposed: string | undefined;
  fake.answers.inputBox = (box) => {
    proposed = box.value;
    return undefined;
  };
  await fake.executeCommand('mailflow.showTrace');
  assert.equal(proposed, 'someone@contoso.com');
  assert.equal(fake.shown.length, before + 1);
});

test('"Analyse message headers" reads the clipboard, holds it against the file and shows the report beside it', { timeout: 30000 }, async () => {
  // Issue 12: a real message that went to Mimecast before CodeTwo.
  const headers = fs.readFileSync(
    path.join(repositoryRoot, 'server', 'tests', 'headers', 'smart-host-before-signature.txt'),
    'utf8',
  );
  fake.open(path.join(workspace, 'codetwo-mimecast.mailflow.yaml'));
  const before = fake.shown.length;
  fake.clipboard.push(headers);
  await fake.executeCommand('mailflow.analyseHeaders');
  const [report] = await fake.waitFor('the headers report', () =>
    fake.shown.length > before ? fake.shown.slice(before) : undefined,
  );
  assert.match(report.uri, /^mailflow-trace:.*codetwo-mimecast\.mailflow\.yaml\.txt$/);
  assert.match(report.content, /^Message headers against codetwo-mimecast\.mailflow\.yaml\n\nA message from sender@contoso\.com/);
  assert.match(report.content, /predicted by the file/);
  assert.match(report.content, /MF501 error observed-smart-host-before-signature/);
  assert.match(report.content, /MF505 warning/);

  // Nothing that looks like headers on the clipboard: a warning, no report.
  fake.open(path.join(workspace, 'codetwo-mimecast.mailflow.yaml'));
  fake.clipboard.push('not headers');
  const messages = fake.messages.length;
  await fake.executeCommand('mailflow.analyseHeaders');
  assert.equal(fake.shown.length, before + 1);
  assert.match(fake.messages[messages].text, /copy a message's headers first/);
});

test('a missing binary is reported once, naming the path and the setting', { timeout: 30000 }, async () => {
  const missing = path.join(workspace, 'no-such-folder', 'mailflow');
  const before = fake.messages.length;
  fake.answers.error = (_message, items) => items.find((item) => item === 'Open Settings');
  fake.changeSettings({ 'mailflow.path': missing });
  await fake.waitFor('an error message', () => fake.messages.length > before);
  await fake.waitFor('the old server to stop', () => mailflowChildren().length === 0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const errors = fake.messages.slice(before).filter((m) => m.kind === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.ok(errors[0].text.includes(missing), errors[0].text);
  assert.ok(errors[0].text.includes('"mailflow.path"'), errors[0].text);
  assert.doesNotMatch(errors[0].text, /\n\s+at /, 'no stack trace');
  await fake.waitFor('the settings to open at mailflow.path', () =>
    fake.executed.some((e) => e.command === 'workbench.action.openSettings' && e.args[0] === 'mailflow.path'),
  );
});

test('a program that is not the language server is reported once', { timeout: 30000 }, async (t) => {
  // Exits at once, as an old mailflow without `lsp` would.
  const impostor = path.join(workspace, 'not-mailflow');
  fs.writeFileSync(impostor, '#!/bin/sh\necho "error: unrecognized subcommand" >&2\nexit 2\n', { mode: 0o755 });
  const before = fake.messages.length;
  fake.answers.error = () => undefined;
  fake.changeSettings({ 'mailflow.path': impostor });
  await fake.waitFor('an error message', () => fake.messages.length > before);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const errors = fake.messages.slice(before).filter((m) => m.kind === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.ok(errors[0].text.includes(impostor), errors[0].text);
  assert.match(errors[0].text, /did not start as the language server/);
  t.diagnostic(errors[0].text);
  assert.ok(errors[0].text.includes('"mailflow.path"'), errors[0].text);
});

test('pointing mailflow.path back at the binary restarts the server', { timeout: 30000 }, async () => {
  const dsl = fake.documents.find((d) => d.languageId === 'mailflow');
  assert.ok(dsl);
  fake.diagnostics.clear();
  fake.changeSettings({ 'mailflow.path': binary, 'mailflow.ignore': [] });
  const codes = await fake.waitFor('diagnostics from the new server', () => {
    const found = codesOf(dsl.uri.toString());
    return found !== undefined && found.length === 4 ? found : undefined;
  });
  assert.ok(codes.includes('MF101'));
});

test('deactivating stops the server process', { timeout: 30000 }, async (t) => {
  await extension.deactivate();
  // The server ends on `exit`, at most 200 ms later if a handler still waits for an answer
  // from the client; the bound is generous for a loaded machine.
  await fake.waitFor('no mailflow process left', () => mailflowChildren().length === 0, 10000);
  if (fake.missing.size > 0) {
    t.diagnostic(`vscode API not modelled by the fake (inert stand-ins): ${[...fake.missing].sort().join(', ')}`);
  }
});
