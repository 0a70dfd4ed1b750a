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
  locate,
  serverCommand,
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

describe('server command', () => {
  test('is `mailflow lsp` from PATH by default', () => {
    for (const setting of [undefined, '', '   ', 'mailflow']) {
      assert.deepEqual(serverCommand(setting), { command: 'mailflow', args: ['lsp'] }, String(setting));
    }
  });

  test('takes an absolute path as it is', () => {
    assert.deepEqual(serverCommand('/opt/mailflow/bin/mailflow', { workspaceFolder: '/work' }), {
      command: '/opt/mailflow/bin/mailflow',
      args: ['lsp'],
    });
  });

  test('looks a bare name up on PATH, wherever the workspace is', () => {
    assert.equal(serverCommand('mailflow-nightly', { workspaceFolder: '/work' }).command, 'mailflow-nightly');
  });

  test('resolves a relative path from the first workspace folder', () => {
    assert.equal(
      serverCommand('./target/release/mailflow', { workspaceFolder: '/work/main' }).command,
      '/work/main/target/release/mailflow',
    );
    assert.equal(
      serverCommand('${workspaceFolder}/target/debug/mailflow', { workspaceFolder: '/work/main' }).command,
      '/work/main/target/debug/mailflow',
    );
  });

  test('expands ~ to the home folder', () => {
    assert.equal(serverCommand('~/.cargo/bin/mailflow', { home: '/home/ana' }).command, '/home/ana/.cargo/bin/mailflow');
  });

  test('leaves a relative path alone when no folder is open', () => {
    assert.equal(serverCommand('./mailflow').command, './mailflow');
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
