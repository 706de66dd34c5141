/**
 * Server-described tree views. VS Code needs views declared in package.json, so the
 * activity-bar container "Tieline" declares a view per known panel (`tieline.work` "My Work",
 * `tieline.ci` "CI", `tieline.integrations` "Integrations") and spare slots
 * (`tieline.panel1`…) for panels a newer server adds; see `assignViews`. A view with a panel
 * gets the panel's title and becomes visible (context key `<view id>.shown`). Items come from
 * `tieline/panel/items`; the server's `tieline/panel/changed` refreshes a panel or one item's
 * children.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  PANEL_CHANGED,
  PANEL_ITEMS,
  NO_PARAMS,
  PANELS,
  type ItemAction,
  type Panel,
  type PanelChangedParams,
  type PanelItemsResult,
  type PanelsResult,
  type TreeItem,
} from './protocol';
import { assignViews, INLINE_ICONS, type InlineIcon, SPARE_SLOTS, toNodeModel, type TreeNodeModel, welcomeText } from './treeModel';


export interface Node {
  panelId: string;
  item: TreeItem;
  model: TreeNodeModel;
}

export function toVsTreeItem(model: TreeNodeModel): vscode.TreeItem {
  const t = new vscode.TreeItem(
    model.label,
    model.collapsible === 'collapsed'
      ? vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None,
  );
  t.id = model.id;
  t.description = model.description;
  if (model.tooltip) {
    const md = new vscode.MarkdownString(model.tooltip, true);
    md.supportHtml = false;
    md.isTrusted = false;
    t.tooltip = md;
  }
  if (model.icon) {
    const [id, modifier] = model.icon.split('~');
    t.iconPath = new vscode.ThemeIcon(modifier ? `${id}~${modifier}` : id);
  }
  t.contextValue = model.contextValue;
  if (model.command) {
    t.command = {
      command: model.command.command,
      title: model.command.title,
      arguments: model.command.arguments ?? undefined,
    };
  }
  return t;
}

class SlotProvider implements vscode.TreeDataProvider<Node> {
  panel: Panel | undefined;
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly nodes = new Map<string, Node>();
  view: vscode.TreeView<Node> | undefined;

  constructor(
    private readonly owner: Panels,
    readonly viewId: string,
    readonly defaultTitle: string,
  ) {}

  refresh(itemId?: string | null) {
    const node = itemId ? this.nodes.get(itemId) : undefined;
    this.emitter.fire(node);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return toVsTreeItem(node.model);
  }

  async getChildren(parent?: Node): Promise<Node[]> {
    const panel = this.panel;
    const client = this.owner.client;
    if (!panel || !client) return [];
    let result: PanelItemsResult;
    try {
      result = await client.sendRequest<PanelItemsResult>(PANEL_ITEMS, {
        panelId: panel.id,
        ...(parent ? { parentId: parent.item.id } : {}),
      });
    } catch (err) {
      this.owner.log.warn(`${PANEL_ITEMS} ${panel.id}: ${err instanceof Error ? err.message : String(err)}`);
      if (!parent && this.view) this.view.message = `Could not load ${panel.title}. See Tieline: Show Logs.`;
      return [];
    }
    const nodes = (result?.items ?? []).map((item) => {
      const node: Node = { panelId: panel.id, item, model: toNodeModel(panel.id, item) };
      this.nodes.set(item.id, node);
      return node;
    });
    if (!parent && this.view) {
      this.view.message = nodes.length === 0 ? welcomeText(panel.welcome) : undefined;
    }
    return nodes;
  }
}

export class Panels implements vscode.Disposable {
  client: LanguageClient | undefined;
  readonly slots: SlotProvider[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changedEmitter = new vscode.EventEmitter<PanelChangedParams>();
  /** Fires after a panel's items changed (the status bar listens for the CI panel). */
  readonly onDidChangePanel = this.changedEmitter.event;
  panels: Panel[] = [];
  private readonly listEmitter = new vscode.EventEmitter<Panel[]>();
  /** Fires after the panel list was read (sign-in state follows it). */
  readonly onDidLoadPanels = this.listEmitter.event;

  constructor(readonly log: vscode.LogOutputChannel, titles: ReadonlyMap<string, string>) {
    const { views } = assignViews([], SPARE_SLOTS);
    for (const viewId of views.keys()) {
      const provider = new SlotProvider(this, viewId, titles.get(viewId) ?? viewId);
      const view = vscode.window.createTreeView(viewId, {
        treeDataProvider: provider,
        showCollapseAll: true,
      });
      provider.view = view;
      this.slots.push(provider);
      this.disposables.push(view);
    }
    for (const icon of INLINE_ICONS) {
      this.disposables.push(
        vscode.commands.registerCommand(`tieline.inline.${icon}`, (node?: Node) => this.runInline(node, icon)),
      );
    }
    this.disposables.push(
      vscode.commands.registerCommand('tieline.itemActions', (node?: Node) => this.pickAction(node)),
      vscode.commands.registerCommand('tieline.openItemUrl', (arg?: Node | string) => {
        const url = typeof arg === 'string' ? arg : arg?.item.url;
        if (url) void vscode.env.openExternal(vscode.Uri.parse(url));
      }),
      vscode.commands.registerCommand('tieline.copyItemUrl', (node?: Node) => {
        if (node?.item.url) void vscode.env.clipboard.writeText(node.item.url);
      }),
      vscode.commands.registerCommand('tieline.refreshPanels', () => this.reload()),
      vscode.commands.registerCommand('tieline.openPanel', (panelId: string) => this.focus(panelId)),
    );
  }

  /** Attach to a (re)started client: listen for changes, load the panel list. */
  async attach(client: LanguageClient): Promise<void> {
    this.client = client;
    this.disposables.push(
      client.onNotification(PANEL_CHANGED, (params: PanelChangedParams) => {
        const slot = this.slots.find((s) => s.panel?.id === params.panelId);
        slot?.refresh(params.itemId);
        this.changedEmitter.fire(params);
        this.scheduleListRefresh();
      }),
    );
    await this.reload();
  }

  private listTimer: NodeJS.Timeout | undefined;

  /** Panel titles and welcome texts change with sign-in: re-read the list after changes settle. */
  private scheduleListRefresh() {
    if (this.listTimer) clearTimeout(this.listTimer);
    this.listTimer = setTimeout(() => {
      this.listTimer = undefined;
      void this.reload(false);
    }, 300);
  }

  detach() {
    this.client = undefined;
    for (const slot of this.slots) slot.refresh();
  }

  /**
   * Read the panel list and (re)assign slots. `refreshItems` false: only titles, visibility
   * and welcome texts are updated, and a slot's items are refetched only if its panel changed.
   */
  async reload(refreshItems = true): Promise<void> {
    const client = this.client;
    if (!client) return;
    let panels: Panel[] = [];
    try {
      panels = (await client.sendRequest<PanelsResult>(PANELS, NO_PARAMS))?.panels ?? [];
    } catch (err) {
      this.log.warn(`${PANELS}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.panels = panels;
    const { views, overflow } = assignViews(panels, SPARE_SLOTS);
    for (const p of overflow) this.log.warn(`No room for panel ${p.id} (${p.title}): all ${SPARE_SLOTS} spare views are taken.`);
    for (const provider of this.slots) {
      const panel = views.get(provider.viewId);
      const samePanel = provider.panel?.id === panel?.id;
      provider.panel = panel;
      if (provider.view) provider.view.title = panel?.title ?? provider.defaultTitle;
      void vscode.commands.executeCommand('setContext', `${provider.viewId}.shown`, !!panel);
      if (refreshItems || !samePanel) {
        provider.nodes.clear();
        provider.refresh();
      }
    }
    this.listEmitter.fire(panels);
  }

  /** Reveal the panel with this id (e.g. from a status-bar click). */
  async focus(panelId: string): Promise<boolean> {
    const slot = this.slots.find((s) => s.panel?.id === panelId);
    if (!slot) return false;
    await vscode.commands.executeCommand(`${slot.viewId}.focus`);
    return true;
  }

  /** A panel's items two levels deep (groups and what they hold), fresh from the server. */
  async collectItems(panelId: string): Promise<TreeItem[]> {
    const client = this.client;
    if (!client) return [];
    const top = (await client.sendRequest<PanelItemsResult>(PANEL_ITEMS, { panelId }))?.items ?? [];
    const children = await Promise.all(
      top
        .filter((i) => i.hasChildren)
        .map(async (g) => (await client.sendRequest<PanelItemsResult>(PANEL_ITEMS, { panelId, parentId: g.id }))?.items ?? []),
    );
    return [...top, ...children.flat()];
  }

  panelBy(predicate: (p: Panel) => boolean): Panel | undefined {
    return this.panels.find(predicate);
  }

  private async runAction(action: ItemAction) {
    const args = action.command.arguments ?? [];
    try {
      await vscode.commands.executeCommand(action.command.command, ...args);
    } catch (err) {
      void vscode.window.showErrorMessage(`${action.title}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async runInline(node: Node | undefined, icon: InlineIcon) {
    const action = node?.model.inline.get(icon);
    if (action) await this.runAction(action);
  }

  private async pickAction(node: Node | undefined) {
    if (!node) return;
    const picked = await vscode.window.showQuickPick(
      node.model.context.map((a) => ({ label: a.icon ? `$(${a.icon}) ${a.title}` : a.title, action: a })),
      { placeHolder: node.item.label },
    );
    if (picked) await this.runAction(picked.action);
  }

  dispose() {
    if (this.listTimer) clearTimeout(this.listTimer);
    for (const d of this.disposables) d.dispose();
    this.changedEmitter.dispose();
    this.listEmitter.dispose();
  }
}
