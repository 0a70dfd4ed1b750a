// A stand-in for the `vscode` module, enough for the bundled extension and for
// vscode-languageclient's node client to start a real server, sync documents, pull
// diagnostics, run a command and stop. It records what the extension shows (messages,
// documents, quick picks) so the tests can look, and lets the tests answer the prompts.
//
// Anything not modelled here resolves to an inert stand-in (a class, an enum member, a
// function returning a disposable) and its name is recorded in `missing`, so a new use by
// vscode-languageclient does not break the tests silently: the e2e test prints the list when
// it fails.

import * as fs from 'node:fs';
import * as path from 'node:path';
import Module = require('node:module');
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { selectorScore } from './glob';

type Listener<T> = (event: T) => unknown;

export class Disposable {
  static from(...items: Array<{ dispose(): unknown } | undefined>): Disposable {
    return new Disposable(() => items.forEach((item) => item?.dispose()));
  }
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  private listeners: Array<Listener<T>> = [];
  readonly event = (listener: Listener<T>, thisArg?: unknown, disposables?: Disposable[]): Disposable => {
    const bound: Listener<T> = (e) => listener.call(thisArg, e);
    this.listeners.push(bound);
    const disposable = new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== bound);
    });
    disposables?.push(disposable);
    return disposable;
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}

  static parse(value: string): Uri {
    const match = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (match === null) {
      throw new Error(`not a URI: ${value}`);
    }
    const decode = (s: string | undefined) => decodeURIComponent(s ?? '');
    return new Uri(match[1], decode(match[2]), decode(match[3]), decode(match[4]), decode(match[5]));
  }
  static file(fsPath: string): Uri {
    return Uri.parse(pathToFileURL(fsPath).href);
  }
  static from(parts: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(parts.scheme, parts.authority ?? '', parts.path ?? '', parts.query ?? '', parts.fragment ?? '');
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }
  with(change: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }
  get fsPath(): string {
    return this.scheme === 'file' ? fileURLToPath(new URL(this.toString())) : this.path;
  }
  toString(): string {
    // The same encoding VS Code uses for the characters that occur in the tests' paths.
    const encode = (s: string) => encodeURIComponent(s).replace(/%2F/g, '/').replace(/%40/g, '@');
    let out = `${this.scheme}:`;
    if (this.authority !== '' || this.scheme === 'file') {
      out += `//${encode(this.authority)}`;
    }
    out += encode(this.path);
    if (this.query !== '') out += `?${encode(this.query)}`;
    if (this.fragment !== '') out += `#${encode(this.fragment)}`;
    return out;
  }
  toJSON(): unknown {
    return { $mid: 1, scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
  isBefore(other: Position): boolean {
    return this.line < other.line || (this.line === other.line && this.character < other.character);
  }
  isEqual(other: Position): boolean {
    return this.line === other.line && this.character === other.character;
  }
  translate(lineDelta = 0, characterDelta = 0): Position {
    return new Position(this.line + lineDelta, this.character + characterDelta);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    if (typeof a === 'number') {
      this.start = new Position(a, b as number);
      this.end = new Position(c as number, d as number);
    } else {
      this.start = a;
      this.end = b as Position;
    }
  }
  get isEmpty(): boolean {
    return this.start.isEqual(this.end);
  }
}

export class Selection extends Range {}

export class Location {
  constructor(readonly uri: Uri, readonly range: Range | Position) {}
}

export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}

export enum DiagnosticTag {
  Unnecessary = 1,
  Deprecated = 2,
}

export class Diagnostic {
  code?: string | number | { value: string | number; target: Uri };
  source?: string;
  tags?: DiagnosticTag[];
  relatedInformation?: DiagnosticRelatedInformation[];
  constructor(readonly range: Range, readonly message: string, readonly severity: DiagnosticSeverity = DiagnosticSeverity.Error) {}
}

export class DiagnosticRelatedInformation {
  constructor(readonly location: Location, readonly message: string) {}
}

export class CodeActionKind {
  static readonly Empty = new CodeActionKind('');
  static readonly QuickFix = new CodeActionKind('quickfix');
  static readonly Refactor = new CodeActionKind('refactor');
  static readonly RefactorExtract = new CodeActionKind('refactor.extract');
  static readonly RefactorInline = new CodeActionKind('refactor.inline');
  static readonly RefactorMove = new CodeActionKind('refactor.move');
  static readonly RefactorRewrite = new CodeActionKind('refactor.rewrite');
  static readonly Source = new CodeActionKind('source');
  static readonly SourceOrganizeImports = new CodeActionKind('source.organizeImports');
  static readonly SourceFixAll = new CodeActionKind('source.fixAll');
  static readonly Notebook = new CodeActionKind('notebook');
  constructor(readonly value: string) {}
  append(part: string): CodeActionKind {
    return new CodeActionKind(this.value === '' ? part : `${this.value}.${part}`);
  }
  contains(other: CodeActionKind): boolean {
    return this.value === '' || other.value === this.value || other.value.startsWith(this.value + '.');
  }
  intersects(other: CodeActionKind): boolean {
    return this.contains(other) || other.contains(this);
  }
}

export class CodeAction {
  constructor(readonly title: string, readonly kind?: CodeActionKind) {}
}

export class MarkdownString {
  constructor(public value = '', public supportThemeIcons = false) {}
  appendMarkdown(value: string): this {
    this.value += value;
    return this;
  }
  appendText(value: string): this {
    this.value += value;
    return this;
  }
  appendCodeblock(code: string, language = ''): this {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}

export class SemanticTokensLegend {
  constructor(readonly tokenTypes: string[], readonly tokenModifiers: string[] = []) {}
}

export class SemanticTokens {
  constructor(readonly data: Uint32Array, readonly resultId?: string) {}
}

export class CancellationError extends Error {}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    if (!this.token.isCancellationRequested) {
      this.token.isCancellationRequested = true;
      this.emitter.fire();
    }
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

// Tabs: vscode-languageclient pulls diagnostics only for documents shown in a tab.
export class TabInputText {
  constructor(readonly uri: Uri) {}
}
export class TabInputTextDiff {
  constructor(readonly original: Uri, readonly modified: Uri) {}
}
export class TabInputCustom {
  constructor(readonly uri: Uri, readonly viewType: string) {}
}
export class TabInputNotebook {
  constructor(readonly uri: Uri, readonly notebookType: string) {}
}

export enum LogLevel {
  Off = 0,
  Trace = 1,
  Debug = 2,
  Info = 3,
  Warning = 4,
  Error = 5,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
  Two = 2,
}

export enum EndOfLine {
  LF = 1,
  CRLF = 2,
}

export enum TextDocumentSaveReason {
  Manual = 1,
  AfterDelay = 2,
  FocusOut = 3,
}

export enum FileType {
  Unknown = 0,
  File = 1,
  Directory = 2,
  SymbolicLink = 64,
}

/** An open document: the parts vscode-languageclient reads. */
export class FakeTextDocument {
  version = 1;
  isClosed = false;
  readonly isDirty = false;
  readonly eol = EndOfLine.LF;
  constructor(readonly uri: Uri, public languageId: string, private text: string) {}
  get fileName(): string {
    return this.uri.fsPath;
  }
  get isUntitled(): boolean {
    return this.uri.scheme === 'untitled';
  }
  get lineCount(): number {
    return this.text.split('\n').length;
  }
  getText(range?: Range): string {
    if (range === undefined) return this.text;
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }
  offsetAt(position: Position): number {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < position.line && i < lines.length; i++) offset += lines[i].length + 1;
    return offset + position.character;
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, offset).split('\n');
    return new Position(before.length - 1, before[before.length - 1].length);
  }
  save(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

export interface Shown {
  uri: string;
  languageId: string;
  content: string;
}

/** What a test scripts: answers to the prompts. */
export interface Answers {
  quickPick?: (items: Array<{ label: string }>) => { label: string } | undefined;
  inputBox?: (options: { value?: string; validateInput?: (value: string) => unknown }) => string | undefined;
  information?: (message: string, items: string[]) => string | undefined;
  error?: (message: string, items: string[]) => string | undefined;
}

function languageOf(fsPath: string): string {
  if (fsPath.endsWith('.mailflow')) return 'mailflow';
  if (/\.ya?ml$/.test(fsPath)) return 'yaml';
  if (fsPath.endsWith('.md')) return 'markdown';
  return 'plaintext';
}

export function createFakeVscode(options: {
  workspaceFolder: string;
  settings: Record<string, unknown>;
  traceProtocol?: boolean;
}) {
  const missing = new Set<string>();
  const settings: Record<string, unknown> = structuredClone(options.settings);
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const executed: Array<{ command: string; args: unknown[] }> = [];
  const contentProviders = new Map<string, { provideTextDocumentContent(uri: Uri): string }>();
  const documents: FakeTextDocument[] = [];
  const diagnostics = new Map<string, Diagnostic[]>();
  const diagnosticsChanged = new EventEmitter<string>();
  const messages: Array<{ kind: 'error' | 'warning' | 'information'; text: string }> = [];
  const shown: Shown[] = [];
  const clipboard: string[] = [];
  const output: string[] = [];
  const answers: Answers = {};

  const onDidOpenTextDocument = new EventEmitter<FakeTextDocument>();
  const onDidCloseTextDocument = new EventEmitter<FakeTextDocument>();
  const onDidChangeConfiguration = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
  const onDidChangeActiveTextEditor = new EventEmitter<unknown>();
  const onDidChangeVisibleTextEditors = new EventEmitter<unknown>();
  const onDidChangeTabs = new EventEmitter<{ opened: unknown[]; closed: unknown[]; changed: unknown[] }>();

  const tabs: Array<{ input: TabInputText; label: string; isActive: boolean }> = [];
  const editors: Array<{ document: FakeTextDocument }> = [];
  let activeTextEditor: { document: FakeTextDocument } | undefined;

  const noEvent = () => new Disposable();

  /** Reads a dotted key from the settings, below an optional section. */
  function lookup(section: string | undefined, key: string): unknown {
    const full = [section, key].filter((s) => s !== undefined && s !== '').join('.');
    let value: unknown = settings;
    for (const part of full.split('.')) {
      if (typeof value !== 'object' || value === null || !(part in value)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  }

  function openDocument(uri: Uri, languageId?: string, content?: string): FakeTextDocument {
    const existing = documents.find((d) => d.uri.toString() === uri.toString());
    if (existing !== undefined) return existing;
    let text = content;
    if (text === undefined) {
      const provider = contentProviders.get(uri.scheme);
      text = provider !== undefined ? provider.provideTextDocumentContent(uri) : fs.readFileSync(uri.fsPath, 'utf8');
    }
    const document = new FakeTextDocument(uri, languageId ?? languageOf(uri.path), text);
    documents.push(document);
    onDidOpenTextDocument.fire(document);
    return document;
  }

  function showDocument(document: FakeTextDocument) {
    const editor = { document, selection: new Selection(0, 0, 0, 0), viewColumn: ViewColumn.One };
    editors.push(editor);
    activeTextEditor = editor;
    const tab = { input: new TabInputText(document.uri), label: path.basename(document.uri.path), isActive: true };
    tabs.push(tab);
    onDidChangeTabs.fire({ opened: [tab], closed: [], changed: [] });
    onDidChangeVisibleTextEditors.fire(editors);
    onDidChangeActiveTextEditor.fire(editor);
    if (document.uri.scheme !== 'file') {
      shown.push({ uri: document.uri.toString(), languageId: document.languageId, content: document.getText() });
    }
    return editor;
  }

  function closeDocument(document: FakeTextDocument): void {
    const index = documents.indexOf(document);
    if (index >= 0) documents.splice(index, 1);
    for (let i = tabs.length - 1; i >= 0; i--) {
      if (tabs[i].input.uri.toString() === document.uri.toString()) {
        const [tab] = tabs.splice(i, 1);
        onDidChangeTabs.fire({ opened: [], closed: [tab], changed: [] });
      }
    }
    for (let i = editors.length - 1; i >= 0; i--) {
      if (editors[i].document === document) editors.splice(i, 1);
    }
    if (activeTextEditor?.document === document) {
      activeTextEditor = editors[editors.length - 1];
      onDidChangeActiveTextEditor.fire(activeTextEditor);
    }
    onDidChangeVisibleTextEditors.fire(editors);
    document.isClosed = true;
    onDidCloseTextDocument.fire(document);
  }

  function message(kind: 'error' | 'warning' | 'information') {
    return (text: string, ...rest: unknown[]): Promise<unknown> => {
      messages.push({ kind, text });
      const items = rest.filter((r): r is string => typeof r === 'string');
      const answer = kind === 'error' ? answers.error : kind === 'information' ? answers.information : undefined;
      return Promise.resolve(answer?.(text, items));
    };
  }

  function logChannel(name: string) {
    const write = (level: string) => (value: string) => output.push(`[${name}] ${level} ${value}`);
    const levelChanged = new EventEmitter<LogLevel>();
    return {
      name,
      // Trace turns on vscode-languageclient's protocol trace.
      logLevel: options.traceProtocol === true ? LogLevel.Trace : LogLevel.Info,
      onDidChangeLogLevel: levelChanged.event,
      trace: write('trace'),
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: (value: string | Error) => write('error')(String(value)),
      append: write(''),
      appendLine: write(''),
      replace: write(''),
      clear: () => undefined,
      show: () => undefined,
      hide: () => undefined,
      dispose: () => levelChanged.dispose(),
    };
  }

  /** Namespaces fall back to inert members for anything not modelled. */
  function namespace<T extends object>(name: string, members: T): T {
    return new Proxy(members, {
      get(target, key, receiver) {
        if (typeof key === 'symbol' || key in target) return Reflect.get(target, key, receiver);
        missing.add(`${name}.${key}`);
        return key.startsWith('on') ? noEvent : () => new Disposable();
      },
    });
  }

  const workspace = namespace('workspace', {
    get workspaceFolders() {
      return [{ uri: Uri.file(options.workspaceFolder), name: path.basename(options.workspaceFolder), index: 0 }];
    },
    getWorkspaceFolder: (uri: Uri) =>
      uri.scheme === 'file' && uri.fsPath.startsWith(options.workspaceFolder)
        ? { uri: Uri.file(options.workspaceFolder), name: path.basename(options.workspaceFolder), index: 0 }
        : undefined,
    get textDocuments() {
      return [...documents];
    },
    notebookDocuments: [] as unknown[],
    getConfiguration(section?: string) {
      return {
        get: <T>(key: string, fallback?: T) => (lookup(section, key) as T | undefined) ?? fallback,
        has: (key: string) => lookup(section, key) !== undefined,
        inspect: (key: string) => ({ key, globalValue: lookup(section, key) }),
        update: () => Promise.resolve(),
      };
    },
    onDidChangeConfiguration: onDidChangeConfiguration.event,
    onDidOpenTextDocument: onDidOpenTextDocument.event,
    onDidCloseTextDocument: onDidCloseTextDocument.event,
    onDidChangeTextDocument: noEvent,
    onDidSaveTextDocument: noEvent,
    onWillSaveTextDocument: noEvent,
    onDidChangeWorkspaceFolders: noEvent,
    onDidOpenNotebookDocument: noEvent,
    onDidCloseNotebookDocument: noEvent,
    onDidChangeNotebookDocument: noEvent,
    onDidSaveNotebookDocument: noEvent,
    onDidCreateFiles: noEvent,
    onDidRenameFiles: noEvent,
    onDidDeleteFiles: noEvent,
    onWillCreateFiles: noEvent,
    onWillRenameFiles: noEvent,
    onWillDeleteFiles: noEvent,
    createFileSystemWatcher: () => ({
      onDidCreate: noEvent,
      onDidChange: noEvent,
      onDidDelete: noEvent,
      dispose: () => undefined,
    }),
    registerTextDocumentContentProvider(scheme: string, provider: { provideTextDocumentContent(uri: Uri): string }) {
      contentProviders.set(scheme, provider);
      return new Disposable(() => contentProviders.delete(scheme));
    },
    openTextDocument(target: Uri | string | { content?: string; language?: string }) {
      if (target instanceof Uri) return Promise.resolve(openDocument(target));
      if (typeof target === 'string') return Promise.resolve(openDocument(Uri.file(target)));
      const uri = Uri.from({ scheme: 'untitled', path: `Untitled-${documents.length + 1}` });
      return Promise.resolve(openDocument(uri, target.language ?? 'plaintext', target.content ?? ''));
    },
    applyEdit: () => Promise.resolve(true),
  });

  const window = namespace('window', {
    get activeTextEditor() {
      return activeTextEditor;
    },
    get visibleTextEditors() {
      return [...editors];
    },
    onDidChangeActiveTextEditor: onDidChangeActiveTextEditor.event,
    onDidChangeVisibleTextEditors: onDidChangeVisibleTextEditors.event,
    tabGroups: {
      get all() {
        return [{ tabs: [...tabs], isActive: true, viewColumn: ViewColumn.One }];
      },
      onDidChangeTabs: onDidChangeTabs.event,
      onDidChangeTabGroups: noEvent,
    },
    createOutputChannel: (name: string) => logChannel(name),
    showErrorMessage: message('error'),
    showWarningMessage: message('warning'),
    showInformationMessage: message('information'),
    showQuickPick(items: Array<{ label: string }>) {
      return Promise.resolve(answers.quickPick?.(items));
    },
    showInputBox(box: { value?: string; validateInput?: (value: string) => unknown }) {
      return Promise.resolve(answers.inputBox?.(box));
    },
    withProgress<R>(_options: unknown, task: (progress: { report(value: unknown): void }, token: unknown) => Promise<R>) {
      return task({ report: () => undefined }, new CancellationTokenSource().token);
    },
    async showTextDocument(target: Uri | FakeTextDocument) {
      const document = target instanceof Uri ? openDocument(target) : target;
      return showDocument(document);
    },
  });

  const languages = namespace('languages', {
    match: (selector: Parameters<typeof selectorScore>[0], document: FakeTextDocument) => selectorScore(selector, document),
    createDiagnosticCollection(name = 'diagnostics') {
      const own = new Set<string>();
      const set = (uri: Uri, list: Diagnostic[] | undefined) => {
        const key = uri.toString();
        own.add(key);
        diagnostics.set(key, [...(list ?? [])]);
        diagnosticsChanged.fire(key);
      };
      return {
        name,
        set(first: Uri | Array<[Uri, Diagnostic[] | undefined]>, list?: Diagnostic[]) {
          if (Array.isArray(first)) first.forEach(([uri, items]) => set(uri, items));
          else set(first, list);
        },
        delete(uri: Uri) {
          diagnostics.delete(uri.toString());
          own.delete(uri.toString());
          diagnosticsChanged.fire(uri.toString());
        },
        clear() {
          for (const key of own) diagnostics.delete(key);
          own.clear();
        },
        get: (uri: Uri) => diagnostics.get(uri.toString()),
        has: (uri: Uri) => diagnostics.has(uri.toString()),
        forEach: () => undefined,
        dispose() {
          this.clear();
        },
      };
    },
  });

  const commandsNamespace = namespace('commands', {
    registerCommand(id: string, run: (...args: unknown[]) => unknown) {
      if (commands.has(id)) throw new Error(`command '${id}' already exists`);
      commands.set(id, run);
      return new Disposable(() => commands.delete(id));
    },
    async executeCommand(id: string, ...args: unknown[]) {
      executed.push({ command: id, args });
      const run = commands.get(id);
      return run === undefined ? undefined : run(...args);
    },
    getCommands: () => Promise.resolve([...commands.keys()]),
  });

  const env = namespace('env', {
    appName: 'Fake VS Code',
    appRoot: options.workspaceFolder,
    language: 'en',
    machineId: 'fake',
    sessionId: 'fake',
    uriScheme: 'vscode',
    clipboard: {
      writeText: (text: string) => {
        clipboard.push(text);
        return Promise.resolve();
      },
      readText: () => Promise.resolve(clipboard[clipboard.length - 1] ?? ''),
    },
    openExternal: () => Promise.resolve(true),
  });

  const members: Record<string, unknown> = {
    version: '1.91.0',
    Disposable,
    EventEmitter,
    Uri,
    Position,
    Range,
    Selection,
    Location,
    Diagnostic,
    DiagnosticSeverity,
    DiagnosticTag,
    DiagnosticRelatedInformation,
    CodeAction,
    CodeActionKind,
    MarkdownString,
    SemanticTokens,
    SemanticTokensLegend,
    CancellationError,
    CancellationTokenSource,
    TabInputText,
    TabInputTextDiff,
    TabInputCustom,
    TabInputNotebook,
    LogLevel,
    ProgressLocation,
    ViewColumn,
    EndOfLine,
    TextDocumentSaveReason,
    FileType,
    workspace,
    window,
    languages,
    commands: commandsNamespace,
    env,
  };

  /** Classes and enums nobody modelled: inert, and remembered. */
  const standIns = new Map<string, unknown>();
  const vscode = new Proxy(members, {
    get(target, key) {
      if (typeof key === 'symbol' || key in target) return Reflect.get(target, key);
      // Marked as an ES module, so that `import * as vscode` hands out this proxy itself
      // rather than a copy of the members it happens to list.
      if (key === '__esModule') return true;
      if (key === 'default' || key === 'then') return undefined;
      missing.add(key);
      if (!standIns.has(key)) {
        // A class that can be extended and constructed, whose static members are numbers
        // (enough for enum look-ups such as SymbolKind.File).
        const standIn = class {
          constructor(...args: unknown[]) {
            Object.assign(this, { args });
          }
        };
        standIns.set(key, new Proxy(standIn, {
          get(cls, member, receiver) {
            if (typeof member === 'symbol' || member in cls) return Reflect.get(cls, member, receiver);
            return 0;
          },
        }));
      }
      return standIns.get(key);
    },
  });

  return {
    vscode,
    missing,
    settings,
    commands,
    executed,
    documents,
    diagnostics,
    messages,
    shown,
    clipboard,
    output,
    answers,
    contentProviders,
    /** Opens a file as VS Code does when the user opens it in an editor. */
    open(fsPath: string, languageId?: string) {
      const document = openDocument(Uri.file(fsPath), languageId);
      showDocument(document);
      return document;
    },
    close: closeDocument,
    /** Runs a command as the command palette would. */
    executeCommand: (id: string, ...args: unknown[]) => commandsNamespace.executeCommand(id, ...args),
    /** Changes settings and tells listeners, as VS Code does after the user edits them. */
    changeSettings(changes: Record<string, unknown>) {
      for (const [key, value] of Object.entries(changes)) {
        const parts = key.split('.');
        let node = settings as Record<string, unknown>;
        for (const part of parts.slice(0, -1)) {
          node[part] = typeof node[part] === 'object' && node[part] !== null ? node[part] : {};
          node = node[part] as Record<string, unknown>;
        }
        node[parts[parts.length - 1]] = value;
      }
      const keys = Object.keys(changes);
      onDidChangeConfiguration.fire({
        affectsConfiguration: (section: string) =>
          keys.some((key) => key === section || key.startsWith(section + '.') || section.startsWith(key + '.')),
      });
    },
    /** Resolves once `predicate` holds, checking after every diagnostics change and every 50 ms. */
    waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 20000): Promise<T> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const value = predicate();
          if (value !== undefined && value !== false) {
            cleanup();
            resolve(value);
          }
        };
        const timer = setInterval(check, 50);
        const timeout = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const listening = diagnosticsChanged.event(check);
        const cleanup = () => {
          clearInterval(timer);
          clearTimeout(timeout);
          listening.dispose();
        };
        check();
      });
    },
  };
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;

/**
 * Makes `require('vscode')` return the fake, for every module loaded from now on (the
 * bundle asks for it by that name, as VS Code's loader expects). Returns the undo.
 */
export function installFakeVscode(fake: FakeVscode): () => void {
  const moduleInternals = Module as unknown as {
    _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
  };
  const id = path.join(__dirname, '__fake_vscode__.js');
  const original = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]) {
    return request === 'vscode' ? id : original.call(this, request, parent, ...rest);
  };
  require.cache[id] = { id, filename: id, loaded: true, exports: fake.vscode } as unknown as NodeJS.Module;
  return () => {
    moduleInternals._resolveFilename = original;
    delete require.cache[id];
  };
}
