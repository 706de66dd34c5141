/** Status bar items: CI of the current branch (→ CI panel) and a health warning (→ Integrations). */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Panels } from './panels';
import { NO_PARAMS, PANEL_ITEMS, STATUS, type PanelItemsResult, type StatusResult } from './protocol';
import { CI_PANEL, ciStatus, healthStatus, INTEGRATIONS_PANEL, type StatusView } from './statusModel';

const BACKGROUND = {
  error: new vscode.ThemeColor('statusBarItem.errorBackground'),
  warning: new vscode.ThemeColor('statusBarItem.warningBackground'),
};

function apply(item: vscode.StatusBarItem, view: StatusView | undefined) {
  if (!view) {
    item.hide();
    return;
  }
  item.text = view.text;
  item.tooltip = view.tooltip;
  item.backgroundColor = view.severity ? BACKGROUND[view.severity] : undefined;
  item.show();
}

export class StatusBar implements vscode.Disposable {
  readonly ci = vscode.window.createStatusBarItem('tieline.ci', vscode.StatusBarAlignment.Left, 50);
  readonly health = vscode.window.createStatusBarItem('tieline.health', vscode.StatusBarAlignment.Right, 100);
  private client: LanguageClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(panels: Panels) {
    this.ci.name = 'Tieline CI';
    this.ci.command = { command: 'tieline.openPanel', title: 'Open CI', arguments: [CI_PANEL] };
    this.health.name = 'Tieline Integrations';
    this.health.command = { command: 'tieline.openPanel', title: 'Open Integrations', arguments: [INTEGRATIONS_PANEL] };
    this.disposables.push(
      panels.onDidChangePanel((p) => {
        if (p.panelId === CI_PANEL) void this.refreshCi();
        if (p.panelId === INTEGRATIONS_PANEL) void this.refreshHealth();
      }),
    );
  }

  attach(client: LanguageClient) {
    this.client = client;
    void this.refresh();
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.refresh(), 30_000);
  }

  detach() {
    this.client = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.ci.hide();
    this.health.hide();
  }

  async refresh() {
    await Promise.all([this.refreshCi(), this.refreshHealth()]);
  }

  async refreshCi() {
    const client = this.client;
    if (!client) return;
    try {
      const r = await client.sendRequest<PanelItemsResult>(PANEL_ITEMS, { panelId: CI_PANEL });
      apply(this.ci, ciStatus(r?.items ?? []));
    } catch {
      this.ci.hide();
    }
  }

  async refreshHealth() {
    const client = this.client;
    if (!client) return;
    try {
      apply(this.health, healthStatus(await client.sendRequest<StatusResult>(STATUS, NO_PARAMS)));
    } catch {
      this.health.hide();
    }
  }

  dispose() {
    this.detach();
    this.ci.dispose();
    this.health.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
