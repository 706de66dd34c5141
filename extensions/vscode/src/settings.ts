/**
 * Settings: which `tieline.*` keys belong to the shell (how to start the server) and which
 * the server reads through `workspace/configuration` (everything else, camelCase, exactly
 * the keys of `server/hub/config.py`). Pure: the `vscode` API is behind {@link ConfigReader}.
 */

export const SECTION = 'tieline';

/** Keys the shell consumes itself; never sent to the server. */
export const SHELL_KEYS = ['python', 'server', 'trace'] as const;

/** A change to one of these restarts the server. */
export const LAUNCH_SETTINGS = [
  'tieline.python',
  'tieline.server.path',
  'tieline.server.extraArgs',
  'python.defaultInterpreterPath',
] as const;

export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

export interface LaunchSettings {
  /** An existing `tieline` executable to run instead of the private environment. */
  serverPath?: string;
  /** The interpreter to create the private environment with. */
  python?: string;
  extraArgs: string[];
  trace: 'off' | 'messages' | 'verbose';
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `${userHome}` and `~` expansion, the way VS Code users write paths. */
export function expandPath(value: string, home: string): string {
  return value.replace(/^~(?=$|[\\/])/, home).replace(/\$\{userHome\}/g, home);
}

export function readLaunchSettings(cfg: ConfigReader, home: string): LaunchSettings {
  const serverPath = nonEmpty(cfg.get('server.path'));
  const python = nonEmpty(cfg.get('python'));
  const extra = cfg.get<unknown>('server.extraArgs');
  const trace = cfg.get<string>('trace.server');
  return {
    serverPath: serverPath && expandPath(serverPath, home),
    python: python && expandPath(python, home),
    extraArgs: Array.isArray(extra) ? extra.filter((a): a is string => typeof a === 'string') : [],
    trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
  };
}

export function affectsLaunch(affects: (section: string) => boolean): boolean {
  return LAUNCH_SETTINGS.some((key) => affects(key));
}

/**
 * The `tieline` section as the server should see it: shell-only keys removed (the server
 * forbids unknown keys and would report them), `null`s kept (the server drops them, which
 * means "use the layer below").
 */
export function serverSection(section: unknown): Record<string, unknown> {
  if (!section || typeof section !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
    if ((SHELL_KEYS as readonly string[]).includes(key)) continue;
    if (typeof value === 'function') continue;
    out[key] = value;
  }
  return out;
}

export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The `tieline` section with only the values the user actually set (folder > workspace >
 * user), nested by their dotted keys. VS Code's defaults are left out on purpose: editor
 * settings are the server's highest configuration layer, so sending a default would hide
 * the same key from the workspace's `.tieline.toml`, the user file and `TIELINE_*`.
 */
export function explicitSection(
  keys: readonly string[],
  inspect: (key: string) => Inspected | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const full of keys) {
    if (!full.startsWith(`${SECTION}.`)) continue;
    const key = full.slice(SECTION.length + 1);
    if ((SHELL_KEYS as readonly string[]).includes(key.split('.')[0])) continue;
    const i = inspect(key);
    const value = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (value === undefined || value === null) continue;
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/**
 * Answer a `workspace/configuration` request: items asking for `tieline` (or a key inside
 * it) get the server's view; anything else is passed to `fallback`.
 */
export function answerConfiguration(
  items: { section?: string }[],
  read: (section: string) => unknown,
  tieline: () => Record<string, unknown>,
): unknown[] {
  return items.map(({ section }) => {
    if (section === SECTION) return tieline();
    if (section && section.startsWith(`${SECTION}.`)) {
      const first = section.slice(SECTION.length + 1).split('.')[0];
      if ((SHELL_KEYS as readonly string[]).includes(first)) return null;
    }
    return section ? (read(section) ?? null) : null;
  });
}
