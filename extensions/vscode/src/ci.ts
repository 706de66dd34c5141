/**
 * CI in VS Code, over the server's CI protocol (`tieline/ci/*`, `tieline/log`):
 *  - the CI panel's context-menu actions (Re-run, Re-run Failed Jobs, Retry, Run, Cancel),
 *    each shown only where the node's `contextValue` says `can.<action>` (package.json's
 *    `when` clauses), sent as `tieline/ci/act`;
 *  - "Run Pipeline…" on the CI view's title: the triggers, their inputs, `tieline/ci/trigger`;
 *  - job logs as read-only `tieline-log:` documents (language `log`) read through
 *    `tieline/log` (see `LogReader`), refreshed on `tieline/log/changed`. The shell owns
 *    `tieline.ci.openLog` (a job node's click), so the server's plain-editor fallback (a copy
 *    of the log written to a file) is not used here.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { act, CI_ACTIONS, type CiUi, LOG_SCHEME, LogReader, runPipeline } from './ciModel';
import type { Node } from './panels';
import { LOG_CHANGED, type LogChangedParams } from './protocol';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function vscodeCiUi(): CiUi {
  return {
    async pick(items, placeHolder, title) {
      const picked = await vscode.window.showQuickPick(
        items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value })),
        { placeHolder, title, matchOnDescription: true, ignoreFocusOut: true },
      );
      return picked?.value;
    },
    input(spec) {
      return Promise.resolve(
        vscode.window.showInputBox({
          title: spec.title,
          prompt: spec.prompt,
          value: spec.value,
          password: spec.password,
          ignoreFocusOut: true,
          validateInput: (v) => spec.validate(v),
        }),
      );
    },
  };
}

export class Ci implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private client: LanguageClient | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  /** VS Code's URI string → the server's log URI (VS Code re-encodes what it parses). */
  private readonly serverUris = new Map<string, string>();
  private readonly editorUris = new Map<string, vscode.Uri>();
  readonly logs = new LogReader(() => this.client, { onMore: (uri) => this.fire(uri) });
  private clientDisposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme !== LOG_SCHEME) return;
        const server = this.serverUri(doc.uri);
        this.logs.forget(server);
        this.serverUris.delete(doc.uri.toString());
        this.editorUris.delete(server);
      }),
      vscode.commands.registerCommand('tieline.ci.openLog', (arg?: unknown) => this.openLog(arg)),
      vscode.commands.registerCommand('tieline.ci.runPipeline', () => this.runPipeline()),
      ...CI_ACTIONS.map((a) => vscode.commands.registerCommand(a.command, (node?: Node) => this.act(node, a.action, a.title))),
    );
  }

  attach(client: LanguageClient) {
    this.client = client;
    for (const d of this.clientDisposables) d.dispose();
    this.clientDisposables = [
      client.onNotification(LOG_CHANGED, (p: LogChangedParams) => {
        if (this.logs.changed(p.uri, p.version)) this.fire(p.uri);
      }),
    ];
  }

  detach() {
    this.client = undefined;
    for (const d of this.clientDisposables) d.dispose();
    this.clientDisposables = [];
  }

  private requireClient(): LanguageClient | undefined {
    if (!this.client) void vscode.window.showWarningMessage('The Tieline server is not running.');
    return this.client;
  }

  private serverUri(uri: vscode.Uri): string {
    return this.serverUris.get(uri.toString()) ?? uri.toString();
  }

  private fire(serverUri: string) {
    const uri = this.editorUris.get(serverUri);
    if (uri) this.changeEmitter.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return this.logs.read(this.serverUri(uri)).catch((err) => {
      this.log.warn(`tieline/log ${uri.toString()}: ${message(err)}`);
      return `The log could not be read: ${message(err)}\n`;
    });
  }

  /** `tieline.ci.openLog [logUri]` (a job node's click), or from a job node's menu. */
  async openLog(arg: unknown): Promise<vscode.TextEditor | undefined> {
    const node = arg as Partial<Node> | undefined;
    const server = typeof arg === 'string' ? arg : (node?.item?.logUri ?? undefined);
    if (!server || !server.startsWith(`${LOG_SCHEME}:`)) {
      void vscode.window.showWarningMessage('Only a CI job has a log.');
      return undefined;
    }
    const uri = vscode.Uri.parse(server, true);
    this.serverUris.set(uri.toString(), server);
    this.editorUris.set(server, uri);
    // Opened again: read on (a running job's log) before showing it.
    if (this.logs.changed(server)) this.changeEmitter.fire(uri);
    try {
      let doc = await vscode.workspace.openTextDocument(uri);
      if (doc.languageId !== 'log') doc = await vscode.languages.setTextDocumentLanguage(doc, 'log');
      return await vscode.window.showTextDocument(doc, { preview: true });
    } catch (err) {
      void vscode.window.showErrorMessage(`Open Log: ${message(err)}`);
      return undefined;
    }
  }

  async act(node: Node | undefined, action: (typeof CI_ACTIONS)[number]['action'], title: string) {
    if (!node) return;
    const client = this.requireClient();
    if (!client) return;
    try {
      const result = await vscode.window.withProgress(
        { location: { viewId: 'tieline.ci' }, title },
        () => act(client, node.item, action),
      );
      void vscode.window.showInformationMessage(result.message);
    } catch (err) {
      void vscode.window.showErrorMessage(`${title}: ${message(err)}`);
    }
  }

  async runPipeline() {
    const client = this.requireClient();
    if (!client) return;
    try {
      const folder = vscode.workspace.workspaceFolders?.length === 1 ? undefined : this.activeFolder();
      const outcome = await runPipeline(client, vscodeCiUi(), folder);
      if (outcome.state === 'none') void vscode.window.showInformationMessage('No CI of this workspace has pipelines to start by hand.');
      else if (outcome.state === 'started') void vscode.window.showInformationMessage(outcome.message);
    } catch (err) {
      void vscode.window.showErrorMessage(`Run Pipeline: ${message(err)}`);
    }
  }

  /** The folder of the active editor, when the workspace has several: its CI's triggers. */
  private activeFolder(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    const folder = doc ? vscode.workspace.getWorkspaceFolder(doc.uri) : undefined;
    return folder?.uri.toString();
  }

  dispose() {
    this.detach();
    for (const d of this.disposables) d.dispose();
    this.changeEmitter.dispose();
  }
}
