// Everything the extension decides without asking VS Code: which documents belong to the
// language server, how the server is started from the settings, what the trace request
// carries and how its answer is shown. No `vscode` import here, so that the unit tests can
// run this module in plain Node.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The language the extension contributes for the DSL (`*.mailflow`). */
export const LANGUAGE_ID = 'mailflow';

/** YAML mail-flow files. Only these: the extension must never claim every YAML file. */
export const YAML_PATTERN = '**/*.mailflow.{yaml,yml}';

/** The settings section the server reads through `workspace/configuration`. */
export const SETTINGS_SECTION = 'mailflow';

/** The server's command (workspace/executeCommand). */
export const TRACE_COMMAND = 'mailflow.trace';

/** What the server itself uses when no recipient is given. */
export const DEFAULT_RECIPIENT = 'user@recipient.example';

/** Where the extension keeps the trace documents it shows (a read-only virtual scheme). */
export const TRACE_SCHEME = 'mailflow-trace';

/** A VS Code `DocumentFilter` of the kind used here, declared here so this module stays VS Code-free. */
export interface DocumentFilter {
  readonly language: string;
  readonly scheme: string;
  readonly pattern?: string;
}

/**
 * The documents the language client syncs with the server.
 *
 * The DSL is matched by language only (a new untitled file switched to `mailflow` counts).
 * YAML is matched by language *and* file name, so docker-compose.yaml and friends stay out.
 * Only the `file` and `untitled` schemes: the server would otherwise also check the old side
 * of a git diff (`git:` URIs) and report its findings a second time.
 */
export function documentSelector(): DocumentFilter[] {
  return [
    { scheme: 'file', language: LANGUAGE_ID },
    { scheme: 'untitled', language: LANGUAGE_ID },
    { scheme: 'file', language: 'yaml', pattern: YAML_PATTERN },
  ];
}

/** How the server process is started: `{command} lsp`, talking LSP over stdin/stdout. */
export interface ServerCommand {
  readonly command: string;
  readonly args: string[];
}

/** Where relative settings are resolved, and where the extension itself lies. */
export interface Places {
  /** The first workspace folder's path, when a folder is open. */
  readonly workspaceFolder?: string;
  readonly home?: string;
  /** The extension's own folder, which holds `server/` in a platform-specific package. */
  readonly extensionFolder?: string;
  /** Whose paths these are: Windows paths (`C:\\…`, `\\\\server\\share`) are read as such. */
  readonly platform?: NodeJS.Platform;
}

/** The name the setting has by default, and the program looked up on PATH when nothing else is found. */
export const DEFAULT_PROGRAM = 'mailflow';

/** The path functions for the platform's own kind of paths, whatever the host. */
function pathsOf(platform: NodeJS.Platform | undefined): path.PlatformPath {
  return (platform ?? process.platform) === 'win32' ? path.win32 : path.posix;
}

/**
 * The server's program named by the `mailflow.path` setting, or undefined when the setting
 * names none (unset, empty, or the default `mailflow`): then the bundled binary is used, or
 * else `mailflow` from PATH (see {@link locateServer}).
 *
 * - a bare name (no slash): looked up on PATH;
 * - `~/…`: under the home folder;
 * - `${workspaceFolder}` is replaced by the first workspace folder;
 * - any other relative path (`./target/release/mailflow`) is taken from the first workspace
 *   folder, so a checked-in `.vscode/settings.json` can point at a build of the repository.
 */
export function settingCommand(setting: string | undefined, places: Places = {}): string | undefined {
  let command = (setting ?? '').trim();
  if (command === '' || command === DEFAULT_PROGRAM) {
    return undefined;
  }
  const paths = pathsOf(places.platform);
  if (places.workspaceFolder !== undefined) {
    command = command.split('${workspaceFolder}').join(places.workspaceFolder);
  }
  if (places.home !== undefined && (command === '~' || command.startsWith('~/') || command.startsWith('~\\'))) {
    command = paths.join(places.home, command.slice(1));
  }
  if (!isBareName(command, places.platform) && !paths.isAbsolute(command) && places.workspaceFolder !== undefined) {
    command = paths.resolve(places.workspaceFolder, command);
  }
  return command;
}

/** A name without a folder, which is looked up on PATH (a backslash separates folders only on Windows). */
function isBareName(command: string, platform: NodeJS.Platform | undefined): boolean {
  return !command.includes('/') && !((platform ?? process.platform) === 'win32' && command.includes('\\'));
}

/**
 * Where a platform-specific package carries the server: `server/mailflow` in the
 * extension's folder, `server\\mailflow.exe` on Windows.
 */
export function bundledServer(extensionFolder: string, platform: NodeJS.Platform = process.platform): string {
  return pathsOf(platform).join(extensionFolder, 'server', platform === 'win32' ? `${DEFAULT_PROGRAM}.exe` : DEFAULT_PROGRAM);
}

/**
 * The command line of the server: `{program} lsp`, talking LSP over stdin/stdout.
 *
 * No transport is named: an executable without one is spoken to over stdio, and naming
 * `stdio` would make vscode-languageclient append `--stdio` (which `mailflow lsp` accepts,
 * but has no use for).
 */
export function serverCommand(program: string): ServerCommand {
  return { command: program, args: ['lsp'] };
}

/** The outcome of looking for the server binary before starting it. */
export type Located =
  | { readonly found: string }
  | {
      readonly problem: 'not-on-path' | 'missing' | 'directory' | 'not-executable';
      readonly tried: string;
      /** Why a bundled binary could not be made executable again. */
      readonly reason?: string;
    };

/** What `locate` needs from the process, so that tests can hand in their own. */
export interface Lookup {
  readonly PATH?: string;
  readonly PATHEXT?: string;
  readonly platform?: NodeJS.Platform;
}

/**
 * Finds the binary the way spawning it would (PATH for a bare name), so that a missing or
 * unusable binary is reported in words before vscode-languageclient tries to start it.
 */
export function locate(command: string, lookup: Lookup = process.env): Located {
  const platform = lookup.platform ?? process.platform;
  const windows = platform === 'win32';
  const extensions = windows ? ['', ...(lookup.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter((e) => e !== '')] : [''];
  if (isBareName(command, platform)) {
    const folders = (lookup.PATH ?? '').split(windows ? ';' : ':').filter((f) => f !== '');
    for (const folder of folders) {
      for (const extension of extensions) {
        // The host's own joining: the candidate is looked at on this machine's disk.
        const candidate = path.join(folder, command + extension);
        if (usable(candidate, windows) === undefined) {
          return { found: candidate };
        }
      }
    }
    return { problem: 'not-on-path', tried: command };
  }
  let firstProblem: 'missing' | 'directory' | 'not-executable' = 'missing';
  for (const extension of extensions) {
    const problem = usable(command + extension, windows);
    if (problem === undefined) {
      return { found: command + extension };
    }
    if (extension === '') {
      firstProblem = problem;
    }
  }
  return { problem: firstProblem, tried: command };
}

function usable(file: string, windows: boolean): 'missing' | 'directory' | 'not-executable' | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'missing';
  }
  if (stat.isDirectory()) {
    return 'directory';
  }
  if (!windows) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      return 'not-executable';
    }
  }
  return undefined;
}

/** Which step of the search found the program (or failed): the setting, the package, PATH. */
export type Origin = 'setting' | 'bundled' | 'path';

/** Gives a file its execute bits back (tests hand in their own). */
export type MakeExecutable = (file: string) => void;

const chmodExecutable: MakeExecutable = (file) => fs.chmodSync(file, 0o755);

/**
 * Finds the server's program, in this order:
 *
 * 1. the program the `mailflow.path` setting names, when it names one ({@link settingCommand});
 * 2. the binary bundled in a platform-specific package ({@link bundledServer}), when the
 *    extension's folder holds one. A bundled binary without its execute bits (a package
 *    unpacked by a tool that drops file modes) is made executable again; when that fails,
 *    the failure says which file and why;
 * 3. `mailflow` on PATH.
 */
export function locateServer(
  setting: string | undefined,
  places: Places,
  lookup: Lookup = process.env,
  makeExecutable: MakeExecutable = chmodExecutable,
): Located & { readonly origin: Origin } {
  const on: Lookup = { ...lookup, platform: places.platform ?? lookup.platform };
  const named = settingCommand(setting, places);
  if (named !== undefined) {
    return { ...locate(named, on), origin: 'setting' };
  }
  if (places.extensionFolder !== undefined) {
    const bundled = bundledServer(places.extensionFolder, on.platform);
    // The file itself, not `mailflow.exe.EXE` and friends.
    const exactly: Lookup = { ...on, PATHEXT: '' };
    const located = locate(bundled, exactly);
    if ('found' in located) {
      return { ...located, origin: 'bundled' };
    }
    if (located.problem === 'not-executable') {
      try {
        makeExecutable(bundled);
      } catch (error) {
        return { ...located, reason: describeError(error), origin: 'bundled' };
      }
      return { ...locate(bundled, exactly), origin: 'bundled' };
    }
    if (located.problem !== 'missing') {
      return { ...located, origin: 'bundled' };
    }
  }
  return { ...locate(DEFAULT_PROGRAM, on), origin: 'path' };
}

/** An error's message, for a sentence. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** Why the server could not be started: `locate` found nothing usable, or the start failed. */
export type StartFailure =
  | Exclude<Located, { readonly found: string }>
  | { readonly failed: string; readonly reason: string };

/** The one message shown when the server cannot be started. */
export function startFailureMessage(located: StartFailure): string {
  const fix = 'Install mailflow, or set the "mailflow.path" setting to the full path of the mailflow binary.';
  if ('failed' in located) {
    return (
      `mailflow: "${located.failed}" did not start as the language server (${located.reason}). ` +
      'Check that the "mailflow.path" setting points at the mailflow binary, a version that has the `lsp` command; ' +
      'the "mailflow" output channel shows what it printed.'
    );
  }
  switch (located.problem) {
    case 'not-on-path':
      return `mailflow: the language server "${located.tried}" was not found on PATH. ${fix}`;
    case 'missing':
      return `mailflow: the language server "${located.tried}" does not exist. ${fix}`;
    case 'directory':
      return `mailflow: the language server path "${located.tried}" is a folder, not the binary. ${fix}`;
    case 'not-executable':
      if (located.reason !== undefined) {
        // The bundled binary: its mode was lost and could not be given back.
        return (
          `mailflow: the language server bundled with the extension, "${located.tried}", is not executable ` +
          `and could not be made executable (${located.reason}). Run chmod +x on it, reinstall the extension, ` +
          'or set the "mailflow.path" setting to the full path of a mailflow binary.'
        );
      }
      return `mailflow: the language server "${located.tried}" is not executable (chmod +x it). ${fix}`;
  }
}

// ---- tracing a message -------------------------------------------------------------------

export type Side = 'inside' | 'outside';

/** The quick pick's items. */
export const SENDER_CHOICES: ReadonlyArray<{ readonly label: Side; readonly description: string }> = [
  { label: 'inside', description: 'a sender of the organization (an accepted domain)' },
  { label: 'outside', description: 'a sender from the internet' },
];

/** Why a recipient cannot be traced, or undefined when it can (for the input box). */
export function checkRecipient(value: string): string | undefined {
  const address = value.trim();
  if (address === '') {
    return 'Type the address the message is sent to, e.g. ' + DEFAULT_RECIPIENT;
  }
  if (/\s/.test(address)) {
    return 'An address has no spaces.';
  }
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.indexOf('@') !== at) {
    return 'Write the address as name@domain (the domain decides where Exchange Online routes it).';
  }
  return undefined;
}

/** The arguments of `mailflow.trace`: the document's URI, then the message. */
export function traceArguments(documentUri: string, from: Side, to: string): [string, { from: Side; to: string }] {
  return [documentUri, { from, to: to.trim() }];
}

/** The part of the server's answer the extension shows. */
export interface TraceResult {
  readonly text: string;
  readonly mermaid: string;
}

/** Checks the server's answer; a malformed one is reported rather than shown half-empty. */
export function asTraceResult(value: unknown): TraceResult {
  if (typeof value !== 'object' || value === null) {
    throw new Error(`the server answered ${TRACE_COMMAND} with ${JSON.stringify(value)}, not a trace`);
  }
  const { text, mermaid } = value as Record<string, unknown>;
  if (typeof text !== 'string' || typeof mermaid !== 'string') {
    throw new Error(`the server's answer to ${TRACE_COMMAND} has no "text" and "mermaid"`);
  }
  return { text, mermaid };
}

/** One document to show: its name (which also sets its language, by extension) and text. */
export interface ShownDocument {
  readonly name: string;
  readonly content: string;
}

/** What a trace shows: two documents, and the bare flowchart for the clipboard. */
export interface TraceView {
  readonly text: ShownDocument;
  readonly mermaid: ShownDocument;
  readonly mermaidSource: string;
}

/**
 * The two documents of a trace: the pass-by-pass text, and the Mermaid flowchart inside a
 * Markdown code block (so that a Markdown preview with Mermaid support draws it, and the
 * source can be copied to any other Mermaid renderer).
 */
export function traceDocuments(
  answer: unknown,
  file: string,
  from: Side,
  to: string,
): TraceView {
  const result = asTraceResult(answer);
  const base = path.basename(file.replace(/\\/g, '/')) || file;
  const title = `${base}, from ${from} to ${to}`;
  // The names become paths of virtual documents: no separators in them.
  const name = title.replace(/[\\/]/g, '_');
  const text = `Trace of ${title}\n\n${withFinalNewline(result.text)}`;
  const fence = fenceFor(result.mermaid);
  const mermaid =
    `# Trace of ${base}\n\n` +
    `A message from ${from} to ${to}, as the mailflow language server simulates it.\n\n` +
    `${fence}mermaid\n${withFinalNewline(result.mermaid)}${fence}\n`;
  return {
    text: { name: `Trace of ${name}.txt`, content: text },
    mermaid: { name: `Trace of ${name}.md`, content: mermaid },
    mermaidSource: withFinalNewline(result.mermaid),
  };
}

function withFinalNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}

/** A code fence longer than any run of backticks in the text, so the block cannot end early. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

// ---- analysing a real message's headers ---------------------------------------------------

/** The server's command that reads a message's headers (`mailflow headers`). */
export const HEADERS_COMMAND = 'mailflow.headers';

/**
 * The header text to analyse: the selection when there is one, else the clipboard. Returns
 * undefined when neither holds a `Received:` line, with the reason for the user.
 */
export function headerSource(selection: string, clipboard: string): { text: string; from: 'selection' | 'clipboard' } | { problem: string } {
  const hasReceived = (text: string) => /^received:/im.test(text);
  if (selection.trim() !== '') {
    return hasReceived(selection)
      ? { text: selection, from: 'selection' }
      : { problem: 'the selection holds no "Received:" line: select the whole header block of a message' };
  }
  if (hasReceived(clipboard)) {
    return { text: clipboard, from: 'clipboard' };
  }
  return {
    problem:
      'copy a message\'s headers first (Outlook: File > Properties > Internet headers; Outlook on the web: ' +
      'View > View message details), or select them in an editor',
  };
}

/** The arguments of `mailflow.headers`: the header text, then the mail-flow file's URI, if any. */
export function headersArguments(text: string, documentUri: string | undefined): string[] {
  return documentUri === undefined ? [text] : [text, documentUri];
}

/** The document showing the server's report: its text, titled after the file it was held against. */
export function headersDocument(answer: unknown, file: string | undefined): ShownDocument {
  if (typeof answer !== 'object' || answer === null || typeof (answer as Record<string, unknown>).text !== 'string') {
    throw new Error(`the server answered ${HEADERS_COMMAND} with ${JSON.stringify(answer)}, not a report`);
  }
  const text = (answer as { text: string }).text;
  const base = file === undefined ? undefined : path.basename(file.replace(/\\/g, '/')) || file;
  const title = base === undefined ? 'Message headers' : `Message headers against ${base}`;
  return { name: `${title.replace(/[\\/]/g, '_')}.txt`, content: `${title}\n\n${withFinalNewline(text)}` };
}
