/**
 * Local docset pages in a preview. A docs result's *Open* runs `tieline.openDocs [url]`; the
 * shell owns that id (see commands.ts): it asks the server for the page sanitized for a
 * preview (`tieline.docs.page`) and shows it in a webview beside the editor; a page that is
 * on the web, or that the server will not preview, goes to the server's own command, which
 * opens it in the browser.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { asDocsPage, DOCS_PAGE_COMMAND, DOCS_VIEW_TYPE, docsHtml, OPEN_DOCS_COMMAND } from './docsView';

export class Docs implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(vscode.commands.registerCommand(OPEN_DOCS_COMMAND, (url?: unknown) => this.open(url)));
  }

  attach(client: LanguageClient) {
    this.client = client;
  }

  detach() {
    this.client = undefined;
  }

  async open(url: unknown): Promise<unknown> {
    const client = this.client;
    if (!client || typeof url !== 'string') return undefined;
    if (url.startsWith('file:')) {
      try {
        const page = asDocsPage(await client.sendRequest(ExecuteCommandRequest.type, { command: DOCS_PAGE_COMMAND, arguments: [url] }));
        if (page) {
          this.show(page.title, docsHtml(page));
          return { opened: true, preview: true, url };
        }
      } catch (err) {
        this.log.info(`${DOCS_PAGE_COMMAND} ${url}: ${err instanceof Error ? err.message : String(err)}; opening it instead`);
      }
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command: OPEN_DOCS_COMMAND, arguments: [url] });
  }

  private show(title: string, html: string) {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        DOCS_VIEW_TYPE,
        'Docs',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, enableCommandUris: false, localResourceRoots: [] },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.panel.title = `Docs: ${title}`;
    this.panel.webview.html = html;
  }

  dispose() {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
