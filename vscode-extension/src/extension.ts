// The glue between VS Code and `mailflow lsp`. Decisions that need no VS Code live in
// config.ts; this file only wires them to the editor.

import * as os from 'node:os';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import {
  DEFAULT_RECIPIENT,
  HEADERS_COMMAND,
  SENDER_CHOICES,
  SETTINGS_SECTION,
  ShownDocument,
  Side,
  StartFailure,
  TRACE_COMMAND,
  TRACE_SCHEME,
  TraceView,
  checkRecipient,
  documentSelector,
  headerSource,
  headersArguments,
  headersDocument,
  Origin,
  describeError,
  locateServer,
  serverCommand,
  startFailureMessage,
  traceArguments,
  traceDocuments,
} from './config';

let controller: ServerController | undefined;

/** How the log names the step of the search that found the program. */
const FOUND_BY: Record<Origin, string> = {
  setting: 'the mailflow.path setting',
  bundled: 'bundled with the extension',
  path: 'found on PATH',
};

export function activate(context: vscode.ExtensionContext): void {
  // A log channel: vscode-languageclient 11 writes the protocol trace to it when its log
  // level is Trace, and the server's stderr and the client's own messages at other levels.
  const output = vscode.window.createOutputChannel('mailflow', { log: true });
  const traces = new TraceDocuments();
  controller = new ServerController(output, context.extensionPath);
  const server = controller;
  let lastRecipient = DEFAULT_RECIPIENT;

  context.subscriptions.push(
    output,
    traces,
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, traces),
    vscode.commands.registerCommand('mailflow.showTrace', async () => {
      lastRecipient = (await showTrace(server, traces, lastRecipient)) ?? lastRecipient;
    }),
    vscode.commands.registerCommand('mailflow.analyseHeaders', () => analyseHeaders(server, traces)),
    vscode.commands.registerCommand('mailflow.restartServer', () => server.restart(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // The other settings reach the running server through didChangeConfiguration
      // (synchronize.configurationSection); only the binary needs a new process.
      if (event.affectsConfiguration(`${SETTINGS_SECTION}.path`)) {
        void server.restart(false);
      }
    }),
    // The extension also wakes up for plain YAML files (activation on the yaml language); the
    // server is started only once a mail-flow document is open, not for every YAML file.
    vscode.workspace.onDidOpenTextDocument((document) => server.startFor(document)),
  );
  for (const document of vscode.workspace.textDocuments) {
    server.startFor(document);
  }
}

export async function deactivate(): Promise<void> {
  const stopping = controller;
  controller = undefined;
  await stopping?.stop();
}

/**
 * vscode-languageclient's client, made quiet when the extension speaks for it: its errors
 * still go to the output channel, but pop up no notification
 * - while it starts: a failed start is announced by the extension in one message that names
 *   the binary and the setting, instead of the client's generic one with a stack trace;
 * - once it is being stopped: a client on its way out (after `mailflow.path` changed, say)
 *   can fail to send a last notification, which is of no interest to anyone.
 */
class MailflowClient extends LanguageClient {
  quiet = false;

  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    super.error(message, data, this.quiet ? false : showNotification);
  }
}

/** Starts, restarts and stops the language client; at most one runs at a time. */
class ServerController {
  private client: MailflowClient | undefined;
  private starting: Promise<MailflowClient | undefined> | undefined;
  /** Set after a failed start, so that opening more files does not repeat the error. */
  private failed = false;
  private restarting: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly extensionFolder: string,
  ) {}

  /** True for the documents the server checks (the same selector the client syncs). */
  handles(document: vscode.TextDocument): boolean {
    return vscode.languages.match(documentSelector(), document) > 0;
  }

  startFor(document: vscode.TextDocument): void {
    if (!this.failed && this.client === undefined && this.starting === undefined && this.handles(document)) {
      void this.running();
    }
  }

  /** The running client, starting it when needed; undefined when it cannot start. */
  running(): Promise<MailflowClient | undefined> {
    if (this.client !== undefined && this.client.isRunning()) {
      return Promise.resolve(this.client);
    }
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /**
   * Stops the current server and starts one with the current settings: always when asked
   * by the user, else only when a server was in use or a mail-flow document is open.
   * Restarts run one after the other, so two quick setting changes cannot interleave.
   */
  restart(always: boolean): Promise<void> {
    const next = this.restarting.then(async () => {
      const wasUsed = this.client !== undefined || this.failed;
      await this.starting;
      await this.stop();
      this.failed = false;
      const documentOpen = vscode.workspace.textDocuments.some((document) => this.handles(document));
      if (always || wasUsed || documentOpen) {
        await this.running();
      }
    });
    this.restarting = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      client.quiet = true;
      try {
        await client.dispose(2000);
      } catch (error) {
        this.output.warn(`stopping the language server: ${describeError(error)}`);
      }
    }
  }

  private async start(): Promise<MailflowClient | undefined> {
    if (this.client !== undefined) {
      // Stopped by itself (a crash the client gave up on): replace it.
      await this.stop();
    }
    const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const located = locateServer(settings.get<string>('path'), {
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      home: os.homedir(),
      extensionFolder: this.extensionFolder,
    });
    if (!('found' in located)) {
      this.fail(located);
      return undefined;
    }
    const { command, args } = serverCommand(located.found);
    this.output.info(`starting ${command} ${args.join(' ')} (${FOUND_BY[located.origin]})`);
    const serverOptions: ServerOptions = { command, args };
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector(),
      synchronize: { configurationSection: SETTINGS_SECTION },
      outputChannel: this.output,
      // A server that fails its initialize is not retried in a loop; the extension reports it.
      initializationFailedHandler: () => false,
    };
    // The id `mailflow` makes the client read `mailflow.trace.server`.
    const client = new MailflowClient('mailflow', 'mailflow', serverOptions, clientOptions);
    this.client = client;
    client.quiet = true;
    try {
      await client.start();
      client.quiet = false;
      return client;
    } catch (error) {
      if (this.client === client) {
        this.client = undefined;
      }
      void client.dispose().catch(() => undefined);
      this.fail({ failed: command, reason: describeError(error) });
      return undefined;
    }
  }

  private fail(failure: StartFailure): void {
    this.failed = true;
    const message = startFailureMessage(failure);
    this.output.error(message);
    const openSettings = 'Open Settings';
    void vscode.window.showErrorMessage(message, openSettings).then((chosen) => {
      if (chosen === openSettings) {
        void vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.path`);
      }
    });
  }
}

/**
 * The trace is shown in read-only virtual documents rather than the output channel: it is
 * the answer to one question, so it gets its own tab that can sit beside the file, be
 * searched, compared with the next trace, and closed without a "save changes?" prompt (an
 * untitled document would ask), while the output channel stays the server's log.
 */
class TraceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /** Stores the text and returns its URI; the name's extension sets the language. */
  put(document: ShownDocument): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TRACE_SCHEME, path: '/' + document.name });
    this.contents.set(uri.toString(), document.content);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}

/**
 * `mailflow.showTrace`: asks for the message, runs the server's trace, shows the result.
 * Returns the recipient traced, which the next trace proposes.
 */
async function showTrace(server: ServerController, traces: TraceDocuments, recipient: string): Promise<string | undefined> {
  const document = vscode.window.activeTextEditor?.document;
  if (document === undefined || !server.handles(document)) {
    void vscode.window.showWarningMessage(
      'mailflow: open a mail-flow file (*.mailflow, *.mailflow.yaml or *.mailflow.yml) to trace a message through it.',
    );
    return undefined;
  }
  const title = 'Trace a message through Exchange Online';
  const side = await vscode.window.showQuickPick([...SENDER_CHOICES], { title, placeHolder: 'Where is the sender?' });
  if (side === undefined) {
    return undefined;
  }
  const to = await vscode.window.showInputBox({
    title,
    prompt: 'The recipient address (its domain decides the route)',
    value: recipient,
    validateInput: checkRecipient,
  });
  if (to === undefined) {
    return undefined;
  }
  const client = await server.running();
  if (client === undefined) {
    return undefined; // The reason was shown when the start failed.
  }
  const chosen: { from: Side; to: string } = { from: side.label, to: to.trim() };
  let shown: TraceView;
  try {
    const answer: unknown = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'mailflow: tracing' },
      () =>
        client.sendRequest(ExecuteCommandRequest.type, {
          command: TRACE_COMMAND,
          arguments: traceArguments(client.code2ProtocolConverter.asUri(document.uri), chosen.from, chosen.to),
        }),
    );
    shown = traceDocuments(answer, document.uri.path, chosen.from, chosen.to);
  } catch (error) {
    void vscode.window.showErrorMessage(`mailflow: the trace failed: ${describeError(error)}`);
    return chosen.to;
  }
  const traceEditor = await vscode.window.showTextDocument(traces.put(shown.text), {
    viewColumn: vscode.ViewColumn.Beside,
    preview: false,
  });
  const openMermaid = 'Open Mermaid Flowchart';
  const copyMermaid = 'Copy Mermaid Source';
  void vscode.window
    .showInformationMessage('mailflow: the trace also comes as a Mermaid flowchart.', openMermaid, copyMermaid)
    .then(async (picked) => {
      if (picked === openMermaid) {
        // In the trace's column, next to it, rather than a third column.
        await vscode.window.showTextDocument(traces.put(shown.mermaid), {
          viewColumn: traceEditor.viewColumn ?? vscode.ViewColumn.Beside,
          preview: false,
        });
      } else if (picked === copyMermaid) {
        await vscode.env.clipboard.writeText(shown.mermaidSource);
      }
    })
    .then(undefined, (error: unknown) => {
      void vscode.window.showErrorMessage(`mailflow: could not show the flowchart: ${describeError(error)}`);
    });
  return chosen.to;
}

/**
 * `mailflow.analyseHeaders`: a real message's headers, from the selection or the clipboard,
 * read by the server (`mailflow.headers`), held against the active mail-flow file when
 * there is one, and shown read-only beside it.
 */
async function analyseHeaders(server: ServerController, traces: TraceDocuments): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const selection = editor !== undefined && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  const source = headerSource(selection, await vscode.env.clipboard.readText());
  if ('problem' in source) {
    void vscode.window.showWarningMessage(`mailflow: ${source.problem}.`);
    return;
  }
  const client = await server.running();
  if (client === undefined) {
    return; // The reason was shown when the start failed.
  }
  const document = editor?.document;
  const file = document !== undefined && server.handles(document) ? document : undefined;
  let shown;
  try {
    const answer: unknown = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'mailflow: reading the headers' },
      () =>
        client.sendRequest(ExecuteCommandRequest.type, {
          command: HEADERS_COMMAND,
          arguments: headersArguments(source.text, file && client.code2ProtocolConverter.asUri(file.uri)),
        }),
    );
    shown = headersDocument(answer, file?.uri.path);
  } catch (error) {
    void vscode.window.showErrorMessage(`mailflow: the headers could not be analysed: ${describeError(error)}`);
    return;
  }
  await vscode.window.showTextDocument(traces.put(shown), { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

