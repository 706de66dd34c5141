import type { TreeItem } from './protocol';

/**
 * Which of the server's `executeCommandProvider` commands become VS Code commands.
 *
 * The server also offers `tieline.signIn` / `tieline.signOut` for editors without a shell;
 * in VS Code the shell owns those ids (its sign-in shows a modal with the device code, copies
 * it and opens the browser), so they are not registered a second time — VS Code refuses a
 * duplicate command id, and vscode-languageclient would fail to register the whole list.
 * The same holds for `tieline.ci.openLog`, which the shell answers with a document of its own.
 */
export const SHELL_COMMANDS: ReadonlySet<string> = new Set([
  'tieline.signIn',
  'tieline.signOut',
  'tieline.restartServer',
  'tieline.showLogs',
  'tieline.runServerCommand',
  'tieline.refreshPanels',
  'tieline.showStatus',
  'tieline.openItemUrl',
  'tieline.copyItemUrl',
  'tieline.itemActions',
  'tieline.openPanel',
  // The focus item's click: a quick pick of Stop Focus / Extend (statusBar.ts).
  'tieline.focusActions',
  // A job node's click: the shell shows the log as a tieline-log: document (ci.ts).
  'tieline.ci.openLog',
  'tieline.ci.runPipeline',
  'tieline.ci.rerun',
  'tieline.ci.rerunFailed',
  'tieline.ci.retry',
  'tieline.ci.play',
  'tieline.ci.cancel',
  // A diagram lens: the shell shows the drawing in a webview (diagrams.ts) rather than the
  // server's plain-editor answer, a message naming the SVG file.
  'tieline.diagrams.preview',
  // A docs result's Open: a local docset page shows in a webview (docs.ts), else the
  // server's command opens it in the browser.
  'tieline.openDocs',
]);

export function serverCommandsToRegister(commands: readonly string[] | undefined): string[] {
  return (commands ?? []).filter((c) => !SHELL_COMMANDS.has(c) && !c.startsWith('tieline.inline.'));
}

interface RegisterData {
  id: string;
  registerOptions: { commands?: string[] };
}

/** Wrap vscode-languageclient's ExecuteCommandFeature so it skips the shell's own ids. */
export function filterCommandRegistration(feature: unknown): void {
  const f = feature as { register?: (data: RegisterData) => void } | undefined;
  if (!f || typeof f.register !== 'function') return;
  const register = f.register.bind(f);
  f.register = (data: RegisterData) =>
    register({
      ...data,
      registerOptions: { ...data.registerOptions, commands: serverCommandsToRegister(data.registerOptions?.commands) },
    });
}

/** What a server command needs when it is run from the palette without arguments. */
export type ArgSource =
  /** An item (issue, pull request) of the My Work panel whose actions run this command. */
  | { kind: 'item'; prompt: string }
  | { kind: 'url'; prompt: string }
  | { kind: 'cursor' } // [document uri, 0-based line] of the active editor
  | { kind: 'position' } // [document uri, {line, character}] of the active editor's cursor
  | { kind: 'text'; prompt: string }; // any non-empty text, e.g. a search query

export const PALETTE_ARGS: Record<string, ArgSource> = {
  'tieline.startWork': { kind: 'item', prompt: 'Issue to start work on: #7 in this repository, or an item id (connector:host:key)' },
  'tieline.checkoutPullRequest': { kind: 'item', prompt: 'Pull request to check out: #7 in this repository, or an item id (connector:host:owner/repo#7)' },
  'tieline.openInBrowser': { kind: 'url', prompt: 'Issue, pull request or commit URL' },
  'tieline.createIssueFromTodo': { kind: 'cursor' },
  'tieline.lookUpDocs': { kind: 'position' },
  'tieline.searchDocs': { kind: 'text', prompt: 'Search the installed documentation (a name, or part of one)' },
  'tieline.searchPages': { kind: 'text', prompt: 'Search pages (Notion, Confluence) by title' },
  'tieline.importPage': { kind: 'text', prompt: 'Page to import: its URL, or its id' },
  'tieline.insertCitation': { kind: 'position' },
  'tieline.semanticSearch': { kind: 'text', prompt: 'Find by meaning: issues, pull requests, snippets, notes' },
};

/** The panel whose items the palette offers for `item` arguments. */
export const ITEMS_PANEL = 'work';

/**
 * Parse what the user typed for an argument; undefined when it is not acceptable. An item is
 * `#N` / `N` (the first folder's repository, as the server reads a bare number) or an item id
 * `connector:host:key`, as the server names items in panels.
 */
export function parseArg(source: ArgSource, text: string): number | string | undefined {
  const t = text.trim();
  if (source.kind === 'item') {
    const m = /^#?(\d+)$/.exec(t);
    if (m) return Number(m[1]);
    return /^[\w.-]+:[^:\s]+:\S+$/.test(t) ? t : undefined;
  }
  if (source.kind === 'url') return /^https?:\/\/\S+$/.test(t) ? t : undefined;
  if (source.kind === 'text') return t ? t : undefined;
  return undefined;
}

export interface ItemChoice {
  label: string;
  description?: string;
  /** The arguments the item's own action sends. */
  args: unknown[];
}

/**
 * Palette choices for `command`: the items whose actions run it, with the arguments the
 * server put in that action (the item id), each item once even when several groups list it.
 */
export function itemChoices(items: readonly TreeItem[], command: string): ItemChoice[] {
  const seen = new Set<string>();
  const out: ItemChoice[] = [];
  for (const item of items) {
    const action = (item.actions ?? []).find((a) => a.command.command === command);
    if (!action?.command.arguments?.length) continue;
    const id = JSON.stringify(action.command.arguments);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ label: item.key ? `${item.key} ${item.label}` : item.label, description: item.description ?? undefined, args: action.command.arguments });
  }
  return out;
}

/** The server command that replies to a document's comment; the shell passes the words. */
export const DOC_COMMENT_REPLY = 'tieline.docComments.reply';

/** The server command that saves the selection as a snippet (its code action's command). */
export const SAVE_SNIPPET = 'tieline.snippets.saveSelection';

/**
 * The third argument of `tieline.snippets.saveSelection` from what the shell asked: the
 * server then skips its own questions (plain editors get a message with title suggestions,
 * since LSP has no text input). No title (the person pressed Escape) saves nothing. Tags are
 * separated by commas or spaces, without a leading `#`, each once.
 */
export function snippetOptions(
  title: string | undefined,
  tags: string | undefined,
): { title: string; tags: string[] } | undefined {
  const t = title?.trim();
  if (!t) return undefined;
  const seen = new Set<string>();
  for (const raw of (tags ?? '').split(/[\s,]+/)) {
    const tag = raw.replace(/^#+/, '').trim();
    if (tag) seen.add(tag);
  }
  return { title: t, tags: [...seen] };
}
