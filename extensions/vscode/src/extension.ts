/**
 * The Tieline shell for VS Code. It holds no integration logic: it installs and starts the
 * server, renders the panels, statuses and commands the server describes, and runs the
 * sign-in UI. Everything else (hovers, links, lenses, completion, code actions) arrives as
 * standard LSP through vscode-languageclient.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { vscodeSignInUi } from './auth';
import { Ci } from './ci';
import { Diagrams } from './diagrams';
import { Docs } from './docs';
import { serverCommandsToRegister } from './commands';
import { Panels } from './panels';
import { CONNECTORS, NO_PARAMS, STATUS, type ConnectorsResult, type StatusResult } from './protocol';
import { ServerManager } from './server';
import { affectsLaunch, SECTION } from './settings';
import { needsSignIn, runSignIn, runSignOut } from './signIn';
import { FOCUS_COMMANDS, StatusBar } from './statusBar';

export interface TielineApi {
  readonly server: ServerManager;
  readonly panels: Panels;
  readonly ci: Ci;
  readonly diagrams: Diagrams;
}

async function updateSignInState(client: LanguageClient, panels: Panels) {
  let needed: boolean;
  try {
    needed = needsSignIn((await client.sendRequest<ConnectorsResult>(CONNECTORS, NO_PARAMS))?.connectors ?? []);
  } catch {
    // No tieline/connectors: the panels' welcome text says whether sign-in is needed.
    needed = panels.panels.some((p) => !!p.welcome);
  }
  await vscode.commands.executeCommand('setContext', 'tieline.needsSignIn', needed);
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function requireClient(server: ServerManager): LanguageClient | undefined {
  if (server.client && server.state === 'running') return server.client;
  void vscode.window.showWarningMessage('The Tieline server is not running.', 'Show Logs').then((c) => {
    if (c) server.log.show();
  });
  return undefined;
}

let current: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TielineApi> {
  const log = vscode.window.createOutputChannel('Tieline', { log: true });
  const trace = vscode.window.createOutputChannel('Tieline Trace');
  const server = new ServerManager(context, log, trace);
  current = server;
  const declared: { id: string; name: string }[] = context.extension.packageJSON?.contributes?.views?.tieline ?? [];
  const panels = new Panels(log, new Map(declared.map((v) => [v.id, v.name])));
  server.itemSource = (panelId) => panels.collectItems(panelId);
  const statusBar = new StatusBar(panels);
  const ci = new Ci(log);
  const diagrams = new Diagrams(log);
  const docs = new Docs(log);
  context.subscriptions.push(log, trace, server, panels, statusBar, ci, diagrams, docs);
  void vscode.commands.executeCommand('setContext', 'tieline.state', 'starting');

  context.subscriptions.push(
    server.onDidStart(async (client) => {
      ci.attach(client);
      diagrams.attach(client);
      docs.attach(client);
      await panels.attach(client);
      statusBar.attach(client);
    }),
    panels.onDidLoadPanels(() => {
      if (server.client && server.state === 'running') void updateSignInState(server.client, panels);
    }),
    // Focus started or stopped from the palette shows in the status bar now, not at the next poll.
    server.onDidRunCommand((command) => {
      if (FOCUS_COMMANDS.has(command)) void statusBar.refreshHealth();
    }),
    server.onDidChangeState((state) => {
      if (state !== 'running') {
        panels.detach();
        statusBar.detach();
        ci.detach();
        diagrams.detach();
        docs.detach();
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsLaunch((s) => e.affectsConfiguration(s))) server.scheduleRestart();
      else if (e.affectsConfiguration(SECTION)) server.notifyConfiguration();
    }),
    vscode.commands.registerCommand('tieline.restartServer', () => server.restart()),
    vscode.commands.registerCommand('tieline.showLogs', () => log.show()),
    // `tieline.signIn [connector, host]` (the panels' "Sign in to X" items) preselects the service.
    vscode.commands.registerCommand('tieline.signIn', async (connector?: unknown, host?: unknown) => {
      const client = requireClient(server);
      if (!client) return;
      const ok = await runSignIn(client, vscodeSignInUi(), { connector: str(connector), host: str(host) });
      if (ok) {
        await panels.reload();
        void statusBar.refresh();
      }
    }),
    vscode.commands.registerCommand('tieline.signOut', async (connector?: unknown, host?: unknown, account?: unknown) => {
      const client = requireClient(server);
      if (!client) return;
      try {
        if (await runSignOut(client, vscodeSignInUi(), { connector: str(connector), host: str(host), account: str(account) })) {
          await panels.reload();
          void statusBar.refresh();
        }
      } catch (err) {
        void vscode.window.showErrorMessage(`Sign out: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
    vscode.commands.registerCommand('tieline.runServerCommand', async () => {
      const client = requireClient(server);
      if (!client) return;
      const ids = serverCommandsToRegister(client.initializeResult?.capabilities.executeCommandProvider?.commands);
      const picked = await vscode.window.showQuickPick(ids.map((id) => ({ label: id })), {
        placeHolder: 'Run a Tieline server command',
      });
      if (picked) await vscode.commands.executeCommand(picked.label);
    }),
    vscode.commands.registerCommand('tieline.showStatus', async () => {
      const client = requireClient(server);
      if (!client) return;
      const status = await client.sendRequest<StatusResult>(STATUS, NO_PARAMS);
      log.info(`Integration health: ${JSON.stringify(status, null, 2)}`);
      if (!(await panels.focus('integrations'))) log.show();
    }),
  );

  // Restart when the Python extension's interpreter changes (it may be the one we use).
  const python = vscode.extensions.getExtension('ms-python.python');
  if (python) {
    void Promise.resolve(python.isActive ? python.exports : python.activate())
      .then((api: any) => {
        const event = api?.environments?.onDidChangeActiveEnvironmentPath;
        if (typeof event === 'function') context.subscriptions.push(event(() => server.scheduleRestart()));
      })
      .catch(() => undefined);
  }

  void server.start();
  return { server, panels, ci, diagrams };
}

export function deactivate(): Thenable<void> | undefined {
  return current?.stop();
}
