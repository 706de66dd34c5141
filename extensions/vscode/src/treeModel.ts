/**
 * Pure mapping from the server's panel items to what a VS Code tree shows. No `vscode`
 * import here: the adapter in `panels.ts` turns a {@link TreeNodeModel} into a
 * `vscode.TreeItem`, and the unit tests check this module alone.
 *
 * VS Code menus are static (declared in package.json), so the server's free-form actions
 * reach them through tokens in the item's `contextValue`:
 *  - `inline:<icon>` shows the inline button declared for that codicon (see INLINE_ICONS);
 *    the command finds the item's inline action with that icon;
 *  - `actions` shows "Actions…" in the context menu, a quick pick of the context actions;
 *  - `url` shows "Open in Browser".
 */
import type { Command, ItemAction, Panel, TreeItem } from './protocol';

/** Codicons that have a declared inline command `tieline.inline.<icon>`. */
export const INLINE_ICONS = [
  'link-external',
  'check',
  'git-merge',
  'git-pull-request',
  'git-branch',
  'comment',
  'eye',
  'play',
  'debug-rerun',
  'refresh',
  'copy',
  'edit',
  'close',
  'add',
  'trash',
  'sign-in',
  'output',
  'debug-restart',
  'debug-stop',
  'zap',
] as const;
export type InlineIcon = (typeof INLINE_ICONS)[number];
/** Inline actions with an icon not in the list use this one. */
export const FALLBACK_INLINE_ICON: InlineIcon = 'zap';

export type Collapsible = 'none' | 'collapsed';

export interface TreeNodeModel {
  /** Unique within the view: panel id + item id. */
  id: string;
  label: string;
  description?: string;
  /** Markdown (already sanitized by the server). */
  tooltip?: string;
  /** Codicon id, e.g. `issues`, or `issues~spin`. */
  icon?: string;
  collapsible: Collapsible;
  contextValue: string;
  /** What a click runs. */
  command?: Command;
  /** Server actions shown inline, keyed by the inline icon that renders them. */
  inline: Map<InlineIcon, ItemAction>;
  /** Server actions shown in the context menu's "Actions…". */
  context: ItemAction[];
}

export function inlineIconFor(icon: string | null | undefined): InlineIcon {
  return (INLINE_ICONS as readonly string[]).includes(icon ?? '')
    ? (icon as InlineIcon)
    : FALLBACK_INLINE_ICON;
}

export function toNodeModel(panelId: string, item: TreeItem): TreeNodeModel {
  const inline = new Map<InlineIcon, ItemAction>();
  const context: ItemAction[] = [];
  for (const action of item.actions ?? []) {
    if ((action.placement ?? 'context') === 'inline') {
      const key = inlineIconFor(action.icon);
      if (!inline.has(key)) {
        inline.set(key, action);
        continue;
      }
    }
    context.push(action);
  }
  const tokens = ['tieline'];
  if (item.contextValue) tokens.push(...item.contextValue.split(/\s+/).filter(Boolean));
  for (const icon of inline.keys()) tokens.push(`inline:${icon}`);
  if (context.length) tokens.push('actions');
  if (item.url) tokens.push('url');

  let command = item.command ?? undefined;
  if (!command && item.url && !item.hasChildren) {
    command = { command: 'tieline.openItemUrl', title: 'Open in Browser', arguments: [item.url] };
  }
  return {
    id: `${panelId}/${item.id}`,
    label: item.label,
    description: item.description ?? undefined,
    tooltip: item.tooltip ?? undefined,
    icon: item.icon ?? undefined,
    collapsible: item.hasChildren ? 'collapsed' : 'none',
    contextValue: tokens.join(' '),
    command,
    inline,
    context,
  };
}

/**
 * VS Code's views are declared statically (package.json), so the shell declares one view per
 * panel it knows (`tieline.work`, `tieline.ci`, `tieline.integrations`, titled up front) and a
 * few numbered spare slots (`tieline.panel1`…) for panels a newer server adds. Each known panel
 * takes its own view, the others take spare slots in the server's order; what does not fit is
 * reported so the shell can log it. A view whose panel the server does not list stays hidden.
 */
export const NAMED_PANELS = ['work', 'ci', 'integrations'] as const;

/** Spare slots declared in package.json (`tieline.panel1`…`tieline.panel8`). */
export const SPARE_SLOTS = 8;

export function viewIdFor(panelId: string): string | undefined {
  return (NAMED_PANELS as readonly string[]).includes(panelId) ? `tieline.${panelId}` : undefined;
}

export function spareViewId(index: number): string {
  return `tieline.panel${index + 1}`;
}

export function assignViews(
  panels: Panel[],
  spareCount: number,
): { views: Map<string, Panel | undefined>; overflow: Panel[] } {
  const views = new Map<string, Panel | undefined>();
  for (const id of NAMED_PANELS) views.set(`tieline.${id}`, undefined);
  for (let i = 0; i < spareCount; i++) views.set(spareViewId(i), undefined);
  const overflow: Panel[] = [];
  let spare = 0;
  for (const panel of panels) {
    const named = viewIdFor(panel.id);
    if (named && views.get(named) === undefined) views.set(named, panel);
    else if (spare < spareCount) views.set(spareViewId(spare++), panel);
    else overflow.push(panel);
  }
  return { views, overflow };
}

/** Plain text for TreeView.message from a panel's Markdown welcome (links keep their text). */
export function welcomeText(markdown: string | null | undefined): string | undefined {
  if (!markdown) return undefined;
  return markdown
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`#>]/g, '')
    .replace(/\s+\n/g, '\n')
    .trim();
}
