/**
 * Which of the server's `executeCommandProvider` commands become VS Code commands.
 *
 * The server also offers `tieline.signIn` / `tieline.signOut` for editors without a shell;
 * in VS Code the shell owns those ids (its sign-in shows a modal with the device code, copies
 * it and opens the browser), so they are not registered a second time — VS Code refuses a
 * duplicate command id, and vscode-languageclient would fail to register the whole list.
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
  | { kind: 'number'; prompt: string }
  | { kind: 'url'; prompt: string }
  | { kind: 'cursor' }; // [document uri, 0-based line] of the active editor

export const PALETTE_ARGS: Record<string, ArgSource> = {
  'tieline.startWork': { kind: 'number', prompt: 'Issue number to start work on' },
  'tieline.checkoutPullRequest': { kind: 'number', prompt: 'Pull request number to check out' },
  'tieline.openInBrowser': { kind: 'url', prompt: 'Issue, pull request or commit URL' },
  'tieline.createIssueFromTodo': { kind: 'cursor' },
};

/** Parse what the user typed for an argument; undefined when it is not acceptable. */
export function parseArg(source: ArgSource, text: string): number | string | undefined {
  const t = text.trim();
  if (source.kind === 'number') {
    const m = /^#?(\d+)$/.exec(t);
    return m ? Number(m[1]) : undefined;
  }
  if (source.kind === 'url') return /^https?:\/\/\S+$/.test(t) ? t : undefined;
  return undefined;
}
