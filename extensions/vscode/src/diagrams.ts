/**
 * Diagram previews in a webview. The server's code lens *Preview diagram* runs
 * `tieline.diagrams.preview [uri, index]`; the shell owns that id (see commands.ts) and,
 * instead of the server's plain-editor answer (a message naming the SVG file), asks the
 * server for the sanitized drawing (`tieline.diagrams.draw`) and shows it in a webview beside
 * the editor, one per diagram, drawn again when its document changes.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { asDrawResult, DRAW_COMMAND, PREVIEW_COMMAND, PREVIEW_VIEW_TYPE, previewHtml, type DrawResult } from './diagramView';

const REDRAW_DELAY = 800; // ms an edit must settle before the preview is drawn again

interface Preview {
  panel: vscode.WebviewPanel;
  uri: string;
  index: number;
  timer?: ReturnType<typeof setTimeout>;
}

export class Diagrams implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly previews = new Map<string, Preview>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.commands.registerCommand(PREVIEW_COMMAND, (uri?: unknown, index?: unknown) => this.preview(uri, index)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e.document.uri.toString())),
    );
  }

  attach(client: LanguageClient) {
    this.client = client;
  }

  detach() {
    this.client = undefined;
  }

  /** The open previews, by `uri#index` (for tests). */
  get open(): ReadonlyMap<string, Preview> {
    return this.previews;
  }

  async preview(uri: unknown, index: unknown): Promise<vscode.WebviewPanel | undefined> {
    const target = typeof uri === 'string' ? uri : vscode.window.activeTextEditor?.document.uri.toString();
    const n = typeof index === 'number' ? index : 0;
    if (!target) return undefined;
    const key = `${target}#${n}`;
    let p = this.previews.get(key);
    if (!p) {
      const panel = vscode.window.createWebviewPanel(
        PREVIEW_VIEW_TYPE,
        'Diagram',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, enableCommandUris: false, localResourceRoots: [] },
      );
      p = { panel, uri: target, index: n };
      this.previews.set(key, p);
      panel.onDidDispose(() => {
        const gone = this.previews.get(key);
        if (gone?.timer) clearTimeout(gone.timer);
        this.previews.delete(key);
      });
    } else {
      p.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    await this.draw(p);
    return p.panel;
  }

  private changed(uri: string) {
    for (const p of this.previews.values()) {
      if (p.uri !== uri) continue;
      if (p.timer) clearTimeout(p.timer);
      p.timer = setTimeout(() => void this.draw(p), REDRAW_DELAY);
    }
  }

  private async draw(p: Preview) {
    const client = this.client;
    const fallback: DrawResult = { path: '', format: 'svg', renderer: 'Tieline', kind: 'mermaid', title: 'Diagram' };
    if (!client) {
      p.panel.webview.html = previewHtml(fallback, 'The Tieline server is not running.');
      return;
    }
    try {
      const answer = await client.sendRequest(ExecuteCommandRequest.type, { command: DRAW_COMMAND, arguments: [p.uri, p.index, 'svg'] });
      const result = asDrawResult(answer);
      if (!result) throw new Error('the server answered with no drawing');
      p.panel.title = `Diagram: ${result.title}`;
      p.panel.webview.html = previewHtml(result);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn(`${DRAW_COMMAND} ${p.uri} #${p.index}: ${message}`);
      p.panel.webview.html = previewHtml({ ...fallback, title: p.panel.title }, message);
    }
  }

  dispose() {
    for (const p of this.previews.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.panel.dispose();
    }
    for (const d of this.disposables) d.dispose();
  }
}
