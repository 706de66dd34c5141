/**
 * Status bar items: CI of the current branch (→ CI panel), a health warning (→ Integrations),
 * the next meeting (→ join it, or the Agenda), focus mode while it is on (→ stop or extend) and
 * folder sync while a folder is linked (→ the conflicts) and the team hub link while one is
 * configured (no click: the tooltip says it all). `tieline/status/changed` refreshes
 * the status items at once, besides the poll.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Panels } from './panels';
import {
  NO_PARAMS,
  PANEL_ITEMS,
  STATUS,
  STATUS_CHANGED,
  type FocusStatus,
  type PanelItemsResult,
  type StatusResult,
} from './protocol';
import {
  AGENDA_PANEL,
  CI_PANEL,
  ciStatus,
  docsyncStatus,
  focusActions,
  focusStatus,
  healthStatus,
  INTEGRATIONS_PANEL,
  meetingStatus,
  SHOW_CONFLICTS,
  teamHubStatus,
  type StatusView,
} from './statusModel';

/** The focus item's click (the shell's own: not a server command). */
export const FOCUS_ACTIONS = 'tieline.focusActions';
/** Server commands that change focus: the focus item is refreshed once they have run. */
export const FOCUS_COMMANDS: ReadonlySet<string> = new Set(['tieline.startFocus', 'tieline.stopFocus']);

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
  readonly meeting = vscode.window.createStatusBarItem('tieline.meeting', vscode.StatusBarAlignment.Right, 99);
  readonly focus = vscode.window.createStatusBarItem('tieline.focus', vscode.StatusBarAlignment.Right, 101);
  readonly docsync = vscode.window.createStatusBarItem('tieline.docsync', vscode.StatusBarAlignment.Right, 98);
  readonly teamHub = vscode.window.createStatusBarItem('tieline.teamHub', vscode.StatusBarAlignment.Right, 97);
  /** The focus state last shown, for the item's click. */
  private focusState: FocusStatus | undefined;
  private client: LanguageClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private statusChanged: vscode.Disposable | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(panels: Panels) {
    this.ci.name = 'Tieline CI';
    this.ci.command = { command: 'tieline.openPanel', title: 'Open CI', arguments: [CI_PANEL] };
    this.health.name = 'Tieline Integrations';
    this.health.command = { command: 'tieline.openPanel', title: 'Open Integrations', arguments: [INTEGRATIONS_PANEL] };
    this.meeting.name = 'Tieline next meeting';
    this.focus.name = 'Tieline focus';
    this.focus.command = { command: FOCUS_ACTIONS, title: 'Stop or extend focus' };
    this.docsync.name = 'Tieline folder sync';
    this.docsync.command = { command: SHOW_CONFLICTS, title: 'Show sync conflicts' };
    this.teamHub.name = 'Tieline team hub';
    this.disposables.push(
      vscode.commands.registerCommand(FOCUS_ACTIONS, () => this.focusActions()),
      panels.onDidChangePanel((p) => {
        if (p.panelId === CI_PANEL) void this.refreshCi();
        if (p.panelId === INTEGRATIONS_PANEL || p.panelId === AGENDA_PANEL) void this.refreshHealth();
      }),
    );
  }

  attach(client: LanguageClient) {
    this.client = client;
    void this.refresh();
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.refresh(), 30_000);
    this.statusChanged?.dispose();
    this.statusChanged = client.onNotification(STATUS_CHANGED, () => void this.refreshHealth());
  }

  detach() {
    this.client = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.statusChanged?.dispose();
    this.statusChanged = undefined;
    this.ci.hide();
    this.health.hide();
    this.meeting.hide();
    this.focus.hide();
    this.docsync.hide();
    this.teamHub.hide();
    this.focusState = undefined;
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
      const status = await client.sendRequest<StatusResult>(STATUS, NO_PARAMS);
      apply(this.health, healthStatus(status));
      const meeting = meetingStatus(status);
      // The server's own command joins (it opens the link outside the editor).
      this.meeting.command = meeting?.join
        ? { command: 'tieline.joinNextMeeting', title: 'Join the next meeting' }
        : { command: 'tieline.openPanel', title: 'Open the Agenda', arguments: [AGENDA_PANEL] };
      apply(this.meeting, meeting);
      this.focusState = status?.focus ?? undefined;
      apply(this.focus, focusStatus(status));
      apply(this.docsync, docsyncStatus(status));
      apply(this.teamHub, teamHubStatus(status));
    } catch {
      this.health.hide();
      this.meeting.hide();
      this.focus.hide();
      this.docsync.hide();
      this.teamHub.hide();
    }
  }

  /** The focus item's click: Stop (the pick is the confirmation) or Extend. */
  private async focusActions() {
    const focus = this.focusState;
    if (!focus || !this.client) return;
    const picked = await vscode.window.showQuickPick(focusActions(focus, new Date()), {
      title: `Focus ${focus.untilText}`,
      placeHolder: focus.why,
    });
    // The server command's run refreshes this item (ServerManager.onDidRunCommand).
    if (picked) await vscode.commands.executeCommand(picked.command, ...picked.arguments);
  }

  dispose() {
    this.detach();
    this.ci.dispose();
    this.health.dispose();
    this.meeting.dispose();
    this.focus.dispose();
    this.docsync.dispose();
    this.teamHub.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
