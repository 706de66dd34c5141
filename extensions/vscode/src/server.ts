/**
 * Starting, stopping and restarting the Tieline server, and the language client around it.
 *
 * Start order: `tieline.server.path` (an existing executable) → the private environment
 * in global storage (created with the discovered interpreter, see python.ts and venv.ts).
 * Restarts are debounced and serialized: a burst of setting changes causes one restart, and
 * a restart never overlaps a start or stop in progress.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type ExecuteCommandSignature,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  DOC_COMMENT_REPLY,
  filterCommandRegistration,
  itemChoices,
  ITEMS_PANEL,
  PALETTE_ARGS,
  parseArg,
  SAVE_SNIPPET,
  snippetOptions,
} from './commands';
import type { TreeItem } from './protocol';
import { findInterpreter, parseVersion, PROBE_SCRIPT, PythonNotFoundError } from './python';
import { answerConfiguration, explicitSection, readLaunchSettings, SECTION } from './settings';
import { ensureServer, type RunResult } from './venv';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export function run(exe: string, args: string[], timeoutMs = 10 * 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(exe, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && !stdout ? err.message : '')) });
    });
  });
}

async function which(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  const { promises: fs, constants } = await import('node:fs');
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        await fs.access(candidate, constants.X_OK);
        return candidate;
      } catch {
        /* next */
      }
    }
  }
  return undefined;
}

async function probe(exe: string) {
  const r = await run(exe, ['-c', PROBE_SCRIPT], 15_000);
  return r.code === 0 ? parseVersion(r.stdout) : undefined;
}

/** The Python extension's active interpreter, if the extension is installed. */
async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) return undefined;
  const api = (ext.isActive ? ext.exports : await ext.activate()) as any;
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const envs = api?.environments;
  if (envs?.getActiveEnvironmentPath) {
    const active = envs.getActiveEnvironmentPath(resource);
    const resolved = await envs.resolveEnvironment?.(active);
    return resolved?.executable?.uri?.fsPath ?? active?.path;
  }
  const details = api?.settings?.getExecutionDetails?.(resource);
  return details?.execCommand?.[0];
}

/** Items a palette command may act on (the My Work panel's), supplied by the panels. */
export type ItemSource = (panelId: string) => Promise<TreeItem[]>;

async function paletteArgs(command: string, items: ItemSource | undefined): Promise<unknown[] | undefined> {
  const source = PALETTE_ARGS[command];
  if (source.kind === 'cursor') {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Put the cursor on a TODO line first.');
      return undefined;
    }
    return [editor.document.uri.toString(), editor.selection.active.line];
  }
  if (source.kind === 'position') {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Put the cursor on a name first.');
      return undefined;
    }
    const { line, character } = editor.selection.active;
    return [editor.document.uri.toString(), { line, character }];
  }
  if (source.kind === 'item' && items) {
    const choices = itemChoices(await items(ITEMS_PANEL).catch(() => []), command);
    if (choices.length) {
      const other = { label: '$(edit) Enter a number or an item id…', args: undefined as unknown[] | undefined };
      const picked = await vscode.window.showQuickPick([...choices, other], { placeHolder: source.prompt, matchOnDescription: true });
      if (!picked) return undefined;
      if (picked.args) return picked.args;
    }
  }
  const what = source.kind === 'item' ? 'a number or an item id' : source.kind === 'text' ? 'some text' : 'an http(s) URL';
  const text = await vscode.window.showInputBox({
    prompt: source.prompt,
    validateInput: (v) => (parseArg(source, v) === undefined ? `Enter ${what}` : undefined),
  });
  return text === undefined ? undefined : [parseArg(source, text)];
}

export class ServerManager implements vscode.Disposable {
  client: LanguageClient | undefined;
  private chain: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly readyEmitter = new vscode.EventEmitter<LanguageClient>();
  /** Fires each time a (re)started client is ready. */
  readonly onDidStart = this.readyEmitter.event;
  private readonly commandEmitter = new vscode.EventEmitter<string>();
  /** Fires when a server command has run (or failed): what shows its effect can refresh now. */
  readonly onDidRunCommand = this.commandEmitter.event;
  state: ServerState = 'stopped';
  /** How the running server was started, for the log and for tests. */
  executable: string | undefined;
  /** Where palette commands find the items they can act on (set by the extension). */
  itemSource: ItemSource | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly traceChannel: vscode.OutputChannel,
  ) {}

  private setState(state: ServerState) {
    this.state = state;
    void vscode.commands.executeCommand('setContext', 'tieline.state', state);
    this.stateEmitter.fire(state);
  }

  /** Run `body` after everything queued before it (starts and stops never overlap). */
  private enqueue(body: () => Promise<void>): Promise<void> {
    const next = this.chain.then(body, body);
    this.chain = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Restart once the settings have stopped changing for `delayMs`. */
  scheduleRestart(delayMs = 500) {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.log.info('Launch settings changed: restarting the server.');
      void this.restart();
    }, delayMs);
  }

  private async resolveExecutable(report: (m: string) => void): Promise<string> {
    const settings = readLaunchSettings(vscode.workspace.getConfiguration(SECTION), os.homedir());
    if (settings.serverPath) {
      this.log.info(`Using tieline.server.path: ${settings.serverPath}`);
      return settings.serverPath;
    }
    const interpreter = await findInterpreter({
      setting: settings.python,
      pythonExtension: pythonExtensionInterpreter,
      which,
      probe,
    });
    this.log.info(`Python ${interpreter.version.join('.')} from ${interpreter.source}: ${interpreter.path}`);
    const bundleDir = this.context.asAbsolutePath('server');
    const storageDir = this.context.globalStorageUri.fsPath;
    const install = await ensureServer({
      storageDir,
      bundleDir,
      python: interpreter.path,
      run,
      report,
    });
    if (install.installed) this.log.info(`Installed the server into ${install.venvDir}`);
    return install.executable;
  }

  private async doStart(): Promise<void> {
    this.setState('starting');
    let executable: string;
    try {
      executable = await this.withInstallProgress((report) => this.resolveExecutable(report));
    } catch (err) {
      this.setState('failed');
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(message);
      const choice = await vscode.window.showErrorMessage(
        err instanceof PythonNotFoundError ? message : `Tieline could not start its server: ${message}`,
        'Show Logs',
        'Open Settings',
      );
      if (choice === 'Show Logs') this.log.show();
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'tieline.python');
      return;
    }
    const settings = readLaunchSettings(vscode.workspace.getConfiguration(SECTION), os.homedir());
    await fs.mkdir(this.context.globalStorageUri.fsPath, { recursive: true });
    const serverOptions: ServerOptions = {
      command: executable,
      args: ['serve', ...settings.extraArgs],
      transport: TransportKind.stdio,
      // The server learns the workspace from LSP, not from its cwd; running it in global
      // storage keeps anything it writes relative to cwd out of the user's checkout.
      options: { env: { ...process.env }, cwd: this.context.globalStorageUri.fsPath },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.log,
      traceOutputChannel: this.traceChannel,
      middleware: {
        // Every server command, however started, tells onDidRunCommand when it has run.
        executeCommand: async (command, args, next) => {
          try {
            return await this.runCommand(command, args, next);
          } finally {
            this.commandEmitter.fire(command);
          }
        },
        workspace: {
          configuration: (params, _token, _next) =>
            answerConfiguration(
              params.items,
              (section) => vscode.workspace.getConfiguration().get(section),
              () => this.serverSettings(),
            ),
        },
      },
    };
    const client = new LanguageClient('tieline', 'Tieline', serverOptions, clientOptions);
    filterCommandRegistration(client.getFeature(ExecuteCommandRequest.method));
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.client === client && this.state === 'running') {
        this.setState('stopped');
      }
    });
    this.client = client;
    this.executable = executable;
    this.log.info(`Starting ${executable} serve`);
    try {
      await client.start();
    } catch (err) {
      this.setState('failed');
      this.log.error(`The server did not start: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.setState('running');
    this.readyEmitter.fire(client);
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (err) {
        this.log.warn(`Stopping the server: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.setState('stopped');
  }

  /**
   * Run `body` with a `report` callback that opens a progress notification the first time it
   * is called: a warm start shows nothing, a first install or upgrade shows its steps.
   */
  private async withInstallProgress<T>(body: (report: (m: string) => void) => Promise<T>): Promise<T> {
    let progress: vscode.Progress<{ message?: string }> | undefined;
    let finish: (() => void) | undefined;
    const done = new Promise<void>((r) => (finish = r));
    const report = (message: string) => {
      this.log.info(message);
      if (progress) {
        progress.report({ message });
        return;
      }
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Tieline' },
        (p) => {
          progress = p;
          p.report({ message });
          return done;
        },
      );
    };
    try {
      return await body(report);
    } finally {
      finish?.();
    }
  }

  /** The settings the user set under `tieline.*` (not VS Code's defaults), for the server. */
  serverSettings(): Record<string, unknown> {
    const keys = Object.keys(
      this.context.extension.packageJSON?.contributes?.configuration?.properties ?? {},
    );
    const config = vscode.workspace.getConfiguration(SECTION);
    return explicitSection(keys, (key) => config.inspect(key));
  }

  /** Forward a change of the server's settings (anything but launch settings). */
  notifyConfiguration() {
    const client = this.client;
    if (!client || this.state !== 'running') return;
    const settings = { [SECTION]: this.serverSettings() };
    void client.sendNotification(DidChangeConfigurationNotification.type, { settings });
  }

  /** Run from the palette, a server command has no arguments: ask for what it needs. */
  private async runCommand(command: string, args: unknown[], next: ExecuteCommandSignature): Promise<unknown> {
    if (command === SAVE_SNIPPET && args.length === 2) {
      // A code action on a selection: ask title and tags in input boxes.
      const title = await vscode.window.showInputBox({
        title: 'Save Selection as Snippet',
        prompt: 'Title',
        ignoreFocusOut: true,
      });
      const tags = title?.trim()
        ? await vscode.window.showInputBox({ title: 'Save Selection as Snippet', prompt: 'Tags (optional, comma-separated)' })
        : undefined;
      const options = snippetOptions(title, tags);
      return options ? next(command, [...args, options]) : undefined;
    }
    if (command === DOC_COMMENT_REPLY && args.length === 2) {
      // A comment's code action: the words in an input box (the server cannot ask for text).
      const text = await vscode.window.showInputBox({ title: 'Reply to Comment', prompt: 'Reply', ignoreFocusOut: true });
      return text?.trim() ? next(command, [...args, text]) : undefined;
    }
    if (args.length === 0 && PALETTE_ARGS[command]) {
      const filled = await paletteArgs(command, this.itemSource);
      if (!filled) return undefined;
      return next(command, filled);
    }
    return next(command, args);
  }

  dispose() {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    void this.stop();
    this.stateEmitter.dispose();
    this.readyEmitter.dispose();
    this.commandEmitter.dispose();
  }
}
