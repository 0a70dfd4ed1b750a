// Unit tests of src/config.ts, the part of the extension that needs no VS Code.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DEFAULT_RECIPIENT,
  SENDER_CHOICES,
  TRACE_COMMAND,
  asTraceResult,
  checkRecipient,
  documentSelector,
  headerSource,
  headersArguments,
  headersDocument,
  bundledServer,
  locate,
  locateServer,
  serverCommand,
  settingCommand,
  startFailureMessage,
  traceArguments,
  traceDocuments,
} from '../../src/config';
import { selectorScore } from '../helpers/glob';

const fileDocument = (fsPath: string, languageId: string, scheme = 'file') => ({
  languageId,
  uri: { scheme, path: fsPath },
});

describe('document selector', () => {
  const selected = (document: ReturnType<typeof fileDocument>) => selectorScore(documentSelector(), document) > 0;

  test('takes DSL files, saved or untitled', () => {
    assert.ok(selected(fileDocument('/work/tenant/contoso.mailflow', 'mailflow')));
    assert.ok(selected(fileDocument('Untitled-1', 'mailflow', 'untitled')));
  });

  test('takes YAML files named *.mailflow.yaml and *.mailflow.yml, in any folder', () => {
    assert.ok(selected(fileDocument('/work/tenant/contoso.mailflow.yaml', 'yaml')));
    assert.ok(selected(fileDocument('/contoso.mailflow.yml', 'yaml')));
    assert.ok(selected(fileDocument('/a/b/c/d/codetwo-mimecast.mailflow.yaml', 'yaml')));
  });

  test('leaves every other YAML file alone', () => {
    for (const name of [
      '/work/app/docker-compose.yaml',
      '/work/app/.github/workflows/ci.yml',
      '/work/app/mailflow.yaml',
      '/work/app/contoso.mailflow.yaml.bak',
      '/work/app/contoso.mailflow-yaml',
    ]) {
      assert.equal(selected(fileDocument(name, 'yaml')), false, name);
    }
  });

  test('goes by language as well as by name', () => {
    // A *.mailflow.yaml file the user switched to plain text is not sent as YAML.
    assert.equal(selected(fileDocument('/work/contoso.mailflow.yaml', 'plaintext')), false);
  });

  test('leaves the old side of a git diff alone', () => {
    assert.equal(selected(fileDocument('/work/contoso.mailflow', 'mailflow', 'git')), false);
    assert.equal(selected(fileDocument('/work/contoso.mailflow.yaml', 'yaml', 'git')), false);
  });
});

describe('the mailflow.path setting', () => {
  test('names no program when unset, empty or the default `mailflow`', () => {
    for (const setting of [undefined, '', '   ', 'mailflow', ' mailflow ']) {
      assert.equal(settingCommand(setting, { workspaceFolder: '/work' }), undefined, String(setting));
    }
  });

  test('takes an absolute path as it is', () => {
    assert.equal(settingCommand('/opt/mailflow/bin/mailflow', { workspaceFolder: '/work' }), '/opt/mailflow/bin/mailflow');
  });

  test('looks a bare name up on PATH, wherever the workspace is', () => {
    assert.equal(settingCommand('mailflow-nightly', { workspaceFolder: '/work' }), 'mailflow-nightly');
  });

  test('resolves a relative path from the first workspace folder', () => {
    assert.equal(
      settingCommand('./target/release/mailflow', { workspaceFolder: '/work/main' }),
      '/work/main/target/release/mailflow',
    );
    assert.equal(
      settingCommand('${workspaceFolder}/target/debug/mailflow', { workspaceFolder: '/work/main' }),
      '/work/main/target/debug/mailflow',
    );
  });

  test('expands ~ to the home folder', () => {
    assert.equal(settingCommand('~/.cargo/bin/mailflow', { home: '/home/ana' }), '/home/ana/.cargo/bin/mailflow');
  });

  test('leaves a relative path alone when no folder is open', () => {
    assert.equal(settingCommand('./mailflow'), './mailflow');
  });

  test('reads Windows paths the Windows way, on any host', () => {
    // Each row: the setting, the workspace folder (as VS Code's fsPath gives it), the program.
    const rows: Array<[string, string, string]> = [
      ['C:\\Users\\ana\\.cargo\\bin\\mailflow.exe', 'c:\\work', 'C:\\Users\\ana\\.cargo\\bin\\mailflow.exe'],
      ['c:/tools/mailflow.exe', 'c:\\work', 'c:/tools/mailflow.exe'],
      ['\\\\server\\share\\bin\\mailflow.exe', 'c:\\work', '\\\\server\\share\\bin\\mailflow.exe'],
      ['.\\target\\release\\mailflow.exe', 'c:\\Users\\ana\\My Rules', 'c:\\Users\\ana\\My Rules\\target\\release\\mailflow.exe'],
      ['./target/release/mailflow.exe', 'c:\\work', 'c:\\work\\target\\release\\mailflow.exe'],
      ['target\\debug\\mailflow', '\\\\server\\share\\tenant', '\\\\server\\share\\tenant\\target\\debug\\mailflow'],
      ['${workspaceFolder}\\target\\mailflow.exe', 'c:\\work', 'c:\\work\\target\\mailflow.exe'],
      ['~\\.cargo\\bin\\mailflow.exe', 'c:\\work', 'C:\\Users\\ana\\.cargo\\bin\\mailflow.exe'],
      ['mailflow-nightly', 'c:\\work', 'mailflow-nightly'],
    ];
    for (const [setting, workspaceFolder, expected] of rows) {
      const places = { workspaceFolder, home: 'C:\\Users\\ana', platform: 'win32' as const };
      assert.equal(settingCommand(setting, places), expected, setting);
    }
  });

  test('is started with the argument `lsp` and no transport', () => {
    assert.deepEqual(serverCommand('/opt/mailflow'), { command: '/opt/mailflow', args: ['lsp'] });
  });
});

describe('the bundled binary', () => {
  test('lies in server/ of the extension folder, with .exe on Windows', () => {
    assert.equal(
      bundledServer('/home/ana/.vscode/extensions/mailflow.mailflow-0.1.0-linux-x64', 'linux'),
      '/home/ana/.vscode/extensions/mailflow.mailflow-0.1.0-linux-x64/server/mailflow',
    );
    assert.equal(
      bundledServer('C:\\Users\\ana\\.vscode\\extensions\\mailflow.mailflow-0.1.0-win32-x64', 'win32'),
      'C:\\Users\\ana\\.vscode\\extensions\\mailflow.mailflow-0.1.0-win32-x64\\server\\mailflow.exe',
    );
    assert.equal(bundledServer('c:/Users/ana/ext', 'win32'), 'c:\\Users\\ana\\ext\\server\\mailflow.exe');
    assert.equal(bundledServer('\\\\server\\share\\ext', 'win32'), '\\\\server\\share\\ext\\server\\mailflow.exe');
  });
});

describe('finding the server: setting, then bundled binary, then PATH', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-find-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  /** An extension folder, with a bundled binary of this mode or none; and a PATH folder with mailflow. */
  function layout(name: string, bundledMode?: number) {
    const extensionFolder = path.join(root, name, 'extension');
    const onPath = path.join(root, name, 'bin');
    fs.mkdirSync(path.join(extensionFolder, 'server'), { recursive: true });
    fs.mkdirSync(onPath, { recursive: true });
    fs.writeFileSync(path.join(onPath, 'mailflow'), '#!/bin/sh\n', { mode: 0o755 });
    const bundled = path.join(extensionFolder, 'server', 'mailflow');
    if (bundledMode !== undefined) {
      fs.writeFileSync(bundled, '#!/bin/sh\n');
      fs.chmodSync(bundled, bundledMode);
    }
    return { places: { extensionFolder, platform: 'linux' as const }, lookup: { PATH: onPath }, bundled, onPath };
  }

  test('1. the setting, when it names a program, even with a bundled binary present', () => {
    const { places, lookup } = layout('setting', 0o755);
    const mine = path.join(root, 'setting', 'bin', 'mailflow');
    assert.deepEqual(locateServer(mine, places, lookup), { found: mine, origin: 'setting' });
    // A setting naming a missing program is that program's problem: no fallback to another.
    const missing = path.join(root, 'nope', 'mailflow');
    assert.deepEqual(locateServer(missing, places, lookup), { problem: 'missing', tried: missing, origin: 'setting' });
  });

  test('2. the bundled binary, when the setting names none', () => {
    const { places, lookup, bundled } = layout('bundled', 0o755);
    for (const setting of [undefined, '', 'mailflow']) {
      assert.deepEqual(locateServer(setting, places, lookup), { found: bundled, origin: 'bundled' }, String(setting));
    }
  });

  test('2. a bundled binary that lost its execute bits is made executable again', () => {
    const { places, lookup, bundled } = layout('mode-lost', 0o644);
    assert.deepEqual(locateServer(undefined, places, lookup), { found: bundled, origin: 'bundled' });
    assert.equal(fs.statSync(bundled).mode & 0o111, 0o111);
  });

  test('2. ... and when that fails, the failure names the file and the reason', () => {
    const { places, lookup, bundled } = layout('mode-stuck', 0o644);
    const refuse = () => {
      throw new Error(`EPERM: operation not permitted, chmod '${bundled}'`);
    };
    const located = locateServer(undefined, places, lookup, refuse);
    assert.deepEqual(located, {
      problem: 'not-executable',
      tried: bundled,
      reason: `EPERM: operation not permitted, chmod '${bundled}'`,
      origin: 'bundled',
    });
    const message = startFailureMessage(located as Exclude<typeof located, { found: string }>);
    assert.match(message, /bundled with the extension/);
    assert.ok(message.includes(`"${bundled}"`), message);
    assert.match(message, /could not be made executable \(EPERM/);
    assert.ok(message.includes('"mailflow.path"'), message);
  });

  test('2. a folder where the binary should be is reported, not skipped', () => {
    const { places, lookup, bundled } = layout('folder');
    fs.mkdirSync(bundled);
    assert.deepEqual(locateServer(undefined, places, lookup), { problem: 'directory', tried: bundled, origin: 'bundled' });
  });

  test('3. mailflow on PATH, when the package has no binary', () => {
    const { places, lookup, onPath } = layout('universal');
    assert.deepEqual(locateServer(undefined, places, lookup), { found: path.join(onPath, 'mailflow'), origin: 'path' });
    assert.deepEqual(locateServer(undefined, {}, lookup), { found: path.join(onPath, 'mailflow'), origin: 'path' });
    assert.deepEqual(locateServer(undefined, places, { PATH: '/nonexistent' }), {
      problem: 'not-on-path',
      tried: 'mailflow',
      origin: 'path',
    });
  });
});

describe('locating the binary', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-locate-'));
  const program = path.join(folder, 'mailflow');
  const notExecutable = path.join(folder, 'mailflow-readme');
  fs.writeFileSync(program, '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(notExecutable, 'text\n', { mode: 0o644 });
  const posix = { PATH: `/nonexistent:${folder}`, platform: 'linux' as const };
  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  test('finds a bare name on PATH', () => {
    assert.deepEqual(locate('mailflow', posix), { found: program });
  });

  test('says when a bare name is not on PATH', () => {
    assert.deepEqual(locate('mailflow', { PATH: '/nonexistent', platform: 'linux' }), {
      problem: 'not-on-path',
      tried: 'mailflow',
    });
  });

  test('checks a path for existence, for being a file and for being executable', () => {
    assert.deepEqual(locate(program, posix), { found: program });
    assert.deepEqual(locate(path.join(folder, 'nope'), posix), { problem: 'missing', tried: path.join(folder, 'nope') });
    assert.deepEqual(locate(folder, posix), { problem: 'directory', tried: folder });
    // Even for root: a file without any execute bit cannot be run.
    assert.deepEqual(locate(notExecutable, posix), { problem: 'not-executable', tried: notExecutable });
  });

  test('tries the Windows extensions of PATHEXT', () => {
    fs.writeFileSync(path.join(folder, 'tool.EXE'), '');
    assert.deepEqual(locate('tool', { PATH: folder, PATHEXT: '.COM;.EXE', platform: 'win32' }), {
      found: path.join(folder, 'tool.EXE'),
    });
  });
});

describe('start failure message', () => {
  test('names the path tried and the setting, in one line, for every reason', () => {
    const failures = [
      { problem: 'not-on-path', tried: 'mailflow' },
      { problem: 'missing', tried: '/opt/mailflow' },
      { problem: 'directory', tried: '/opt' },
      { problem: 'not-executable', tried: '/opt/mailflow' },
      { failed: '/opt/mailflow', reason: 'spawn EACCES' },
    ] as const;
    for (const failure of failures) {
      const message = startFailureMessage(failure);
      const tried = 'tried' in failure ? failure.tried : failure.failed;
      assert.ok(message.includes(`"${tried}"`), message);
      assert.ok(message.includes('"mailflow.path"'), message);
      assert.ok(!message.includes('\n'), message);
    }
  });

  test('says PATH when the name was looked up there', () => {
    assert.match(startFailureMessage({ problem: 'not-on-path', tried: 'mailflow' }), /not found on PATH/);
  });
});

describe('trace request', () => {
  test('is the document URI, then where the message comes from and where it goes', () => {
    const args = traceArguments('file:///work/contoso.mailflow', 'outside', ' ceo@contoso.com ');
    assert.deepEqual(args, ['file:///work/contoso.mailflow', { from: 'outside', to: 'ceo@contoso.com' }]);
    // What goes on the wire.
    assert.equal(
      JSON.stringify({ command: TRACE_COMMAND, arguments: args }),
      '{"command":"mailflow.trace","arguments":["file:///work/contoso.mailflow",{"from":"outside","to":"ceo@contoso.com"}]}',
    );
  });

  test('offers the two sender sides the server knows', () => {
    assert.deepEqual(
      SENDER_CHOICES.map((choice) => choice.label),
      ['inside', 'outside'],
    );
  });

  test('accepts the default recipient and rejects what is no address', () => {
    assert.equal(checkRecipient(DEFAULT_RECIPIENT), undefined);
    assert.equal(checkRecipient('  someone@fabrikam.com '), undefined);
    for (const bad of ['', '   ', 'fabrikam.com', '@fabrikam.com', 'someone@', 'a@b@c', 'some one@fabrikam.com']) {
      assert.equal(typeof checkRecipient(bad), 'string', bad);
    }
  });
});

describe('trace result', () => {
  // The shape `mailflow.trace` answers with (see `mailflow trace --format json`).
  const answer = {
    message: { from: 'inside', to: 'user@recipient.example' },
    paths: [],
    text: 'A message from inside to user@recipient.example\nPass 1 through Exchange Online:\nEnds: delivered through the recipient\'s MX',
    mermaid: 'flowchart LR\n  sender(["Sender (inside)"])\n  sender --> w0p1',
  };

  test('becomes a text document and a Markdown document with a mermaid block', () => {
    const shown = traceDocuments(answer, '/work/tenant/contoso.mailflow', 'inside', 'user@recipient.example');
    assert.equal(shown.text.name, 'Trace of contoso.mailflow, from inside to user@recipient.example.txt');
    assert.equal(
      shown.text.content,
      'Trace of contoso.mailflow, from inside to user@recipient.example\n\n' + answer.text + '\n',
    );
    assert.equal(shown.mermaid.name, 'Trace of contoso.mailflow, from inside to user@recipient.example.md');
    assert.ok(shown.mermaid.content.startsWith('# Trace of contoso.mailflow\n'));
    assert.ok(shown.mermaid.content.includes('\n```mermaid\n' + answer.mermaid + '\n```\n'), shown.mermaid.content);
    assert.equal(shown.mermaidSource, answer.mermaid + '\n');
  });

  test('keeps path separators out of the document names', () => {
    const shown = traceDocuments(answer, 'C:\\tenant\\contoso.mailflow.yaml', 'outside', 'a/b@c.d');
    assert.equal(shown.text.name, 'Trace of contoso.mailflow.yaml, from outside to a_b@c.d.txt');
    assert.ok(!shown.mermaid.name.includes('/'));
  });

  test('names Windows documents by their file name, whatever the URI spelling', () => {
    // `uri.path` as VS Code decodes it from the URIs it sends for Windows files.
    const rows: Array<[string, string, string]> = [
      ['file:///c%3A/Users/ana/My%20Rules/r%C3%A8gles.mailflow', '/c:/Users/ana/My Rules/règles.mailflow', 'règles.mailflow'],
      ['file:///C:/tenant/contoso.mailflow.yaml', '/C:/tenant/contoso.mailflow.yaml', 'contoso.mailflow.yaml'],
      ['file://server/share/x.mailflow', '/share/x.mailflow', 'x.mailflow'],
    ];
    for (const [uri, uriPath, name] of rows) {
      const shown = traceDocuments(answer, uriPath, 'inside', 'u@d.example');
      assert.equal(shown.text.name, `Trace of ${name}, from inside to u@d.example.txt`, uri);
      assert.equal(headersDocument({ text: 'x' }, uriPath).name, `Message headers against ${name}.txt`, uri);
      // The URI goes to the server as the client spelled it.
      assert.equal(traceArguments(uri, 'inside', 'u@d.example')[0], uri);
      assert.equal(headersArguments('Received: x', uri)[1], uri);
    }
  });

  test('uses a longer fence when the flowchart holds backticks', () => {
    const shown = traceDocuments({ ...answer, mermaid: 'flowchart LR\n  a["```"]' }, 'x.mailflow', 'inside', 'u@d');
    assert.ok(shown.mermaid.content.includes('\n````mermaid\n'), shown.mermaid.content);
    assert.ok(shown.mermaid.content.endsWith('\n````\n'), shown.mermaid.content);
  });

  test('refuses an answer that is not a trace', () => {
    assert.throws(() => asTraceResult(null), /not a trace/);
    assert.throws(() => asTraceResult('text'), /not a trace/);
    assert.throws(() => asTraceResult({ text: 'only text' }), /no "text" and "mermaid"/);
    assert.deepEqual(asTraceResult(answer), { text: answer.text, mermaid: answer.mermaid });
  });
});

describe('message headers', () => {
  const block = 'Received: from a.example by b.example; Tue, 1 Jul 2025 10:00:00 +0000\nTo: x@fabrikam.com\n';
  test('the selection wins over the clipboard, and either must hold a Received: line', () => {
    assert.deepEqual(headerSource(block, 'ignored'), { text: block, from: 'selection' });
    assert.deepEqual(headerSource('', block), { text: block, from: 'clipboard' });
    assert.deepEqual(headerSource('  \n', 'received: x'), { text: 'received: x', from: 'clipboard' });
    assert.match((headerSource('Subject: hi', block) as { problem: string }).problem, /selection holds no/);
    assert.match((headerSource('', 'hello') as { problem: string }).problem, /copy a message's headers first/);
  });
  test('the arguments name the file only when there is one', () => {
    assert.deepEqual(headersArguments(block, undefined), [block]);
    assert.deepEqual(headersArguments(block, 'file:///t/a.mailflow'), [block, 'file:///t/a.mailflow']);
  });
  test('the report document is titled after the file', () => {
    const shown = headersDocument({ text: 'A message\n', mermaid: '' }, '/t/contoso.mailflow.yaml');
    assert.equal(shown.name, 'Message headers against contoso.mailflow.yaml.txt');
    assert.equal(shown.content, 'Message headers against contoso.mailflow.yaml\n\nA message\n');
    assert.equal(headersDocument({ text: 'x' }, undefined).name, 'Message headers.txt');
    assert.throws(() => headersDocument(null, undefined), /not a report/);
  });
});
