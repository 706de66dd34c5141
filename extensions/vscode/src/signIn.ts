/**
 * Signing in and out, as a menu built from `tieline/connectors`: the shell names no service
 * itself. The server owns the flows; the shell picks the service (and host), picks one of the
 * connector's `auth` options, asks for what that option needs (a user name, a secret that is
 * never echoed), sends `tieline/auth/signIn`, and shows what comes back: a device code to
 * copy, a browser page to open, progress until the account appears.
 *
 * No `vscode` import: everything on screen goes through {@link SignInUi}, which `auth.ts`
 * implements with VS Code's QuickPick, input boxes, modals and progress, and which the unit
 * and protocol tests implement with scripted answers.
 */
import {
  AUTH_SIGN_IN,
  AUTH_SIGN_OUT,
  AUTH_STATUS,
  CONNECTORS,
  NO_PARAMS,
  type AccountStatus,
  type AuthOption,
  type AuthStatusResult,
  type ConnectorInfo,
  type ConnectorsResult,
  type DeviceCode,
  type SignInParams,
  type SignInResult,
  type SignOutParams,
  type SignOutResult,
} from './protocol';

/** The part of a language client the flows use. */
export interface Requester {
  sendRequest<R>(method: string, params: unknown): Promise<R>;
}

export interface Choice<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface InputSpec {
  title: string;
  prompt: string;
  placeHolder?: string;
  /** Secrets: never echoed, and the box stays open when focus moves (to copy the key). */
  password: boolean;
  value?: string;
}

export interface SignInUi {
  pick<T>(items: Choice<T>[], placeHolder: string, title: string): Promise<T | undefined>;
  input(spec: InputSpec): Promise<string | undefined>;
  /** Show the device code; true once the user chose to copy it and open the browser (done). */
  deviceCode(code: DeviceCode, service: string): Promise<boolean>;
  openExternal(url: string): Promise<void>;
  /**
   * Under a cancellable progress titled `title`, call `probe` every `intervalMs` until it
   * returns a value (returned), `timeoutMs` passes or the user cancels (undefined).
   */
  wait<T>(title: string, intervalMs: number, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined>;
  confirm(message: string, action: string): Promise<boolean>;
  info(message: string): void;
  error(message: string): void;
  /** Open the Settings editor filtered by `query`. */
  openSettings(query: string): void;
}

/** A service to sign in to: a connector, on one of its hosts when it has any. */
export interface Target {
  connector: ConnectorInfo;
  host?: string;
}

const SECRET_METHODS: ReadonlySet<string> = new Set(['token', 'api_key', 'basic']);
/** How long a browser or device flow may take when the server gives no expiry. */
export const BROWSER_WAIT_MS = 600_000;

const where = (t: Target) => `${t.connector.name}${t.host ? ` (${t.host})` : ''}`;

function accountsOn(c: ConnectorInfo, host: string | undefined): string[] {
  return (c.accounts ?? []).filter((a) => host === undefined || a.host === host).map((a) => a.account);
}

/** Every enabled connector that offers a sign-in, once per host it serves. */
export function serviceChoices(connectors: readonly ConnectorInfo[]): Choice<Target>[] {
  const out: Choice<Target>[] = [];
  for (const connector of connectors) {
    if (connector.enabled === false || (connector.auth ?? []).length === 0) continue;
    const hosts = connector.hosts?.length ? connector.hosts : [undefined];
    for (const host of hosts) {
      const signedIn = accountsOn(connector, host);
      let detail: string | undefined;
      if (connector.ready === false) detail = `Needs its settings first (tieline.connectors.${connector.id}.*)`;
      else if (signedIn.length) detail = `Signed in: ${signedIn.join(', ')}`;
      else detail = connector.description || undefined;
      out.push({ label: connector.name, description: host, detail, value: { connector, host } });
    }
  }
  return out;
}

/**
 * The target `tieline.signIn [id, host]` names; undefined for a connector the server does not
 * have. A host the connector does not list yet (an Enterprise host) is kept as given.
 */
export function findTarget(connectors: readonly ConnectorInfo[], id: string, host?: string): Target | undefined {
  const connector = connectors.find((c) => c.id === id);
  if (!connector) return undefined;
  return { connector, host: host ?? (connector.hosts?.length === 1 ? connector.hosts[0] : undefined) };
}

export function methodChoices(connector: ConnectorInfo): Choice<AuthOption>[] {
  return (connector.auth ?? []).map((option) => ({ label: option.label, value: option }));
}

/** What to ask before `tieline/auth/signIn`, in order: the user name, then the secret. */
export function inputsFor(option: AuthOption, target: Target): { username?: InputSpec; secret?: InputSpec } {
  const title = `Sign in to ${where(target)}`;
  const out: { username?: InputSpec; secret?: InputSpec } = {};
  if (option.method === 'basic' || option.usernameLabel) {
    const label = option.usernameLabel || 'user name';
    out.username = { title, prompt: `Your ${label} at ${target.connector.name}`, placeHolder: label, password: false };
  }
  if (SECRET_METHODS.has(option.method) || option.secretLabel) {
    const label = option.secretLabel || 'token';
    out.secret = {
      title,
      prompt: option.help || `Paste your ${target.connector.name} ${label}`,
      placeHolder: label,
      password: true,
    };
  }
  return out;
}

export function signInParams(target: Target, option: AuthOption, answers: { username?: string; token?: string } = {}): SignInParams {
  return {
    connector: target.connector.id,
    ...(target.host ? { host: target.host } : {}),
    method: option.method,
    ...(answers.username !== undefined ? { username: answers.username } : {}),
    ...(answers.token !== undefined ? { token: answers.token } : {}),
  };
}

const fingerprint = (a: AccountStatus) => JSON.stringify([a.host ?? '', a.account ?? '', a.expiresAt ?? '', a.scopes ?? []]);

async function accountsOf(req: Requester, target: Target): Promise<AccountStatus[]> {
  const r = await req.sendRequest<AuthStatusResult>(AUTH_STATUS, {
    connector: target.connector.id,
    ...(target.host ? { host: target.host } : {}),
  });
  return (r?.accounts ?? []).filter((a) => a.signedIn && (!target.host || !a.host || a.host === target.host));
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Run one auth option for `target`. True when an account is signed in at the end. A failure
 * is shown, not thrown.
 */
export async function runMethod(req: Requester, ui: SignInUi, target: Target, option: AuthOption): Promise<boolean> {
  const name = where(target);
  const inputs = inputsFor(option, target);
  const answers: { username?: string; token?: string } = {};
  if (inputs.username) {
    const username = (await ui.input(inputs.username))?.trim();
    if (!username) return false;
    answers.username = username;
  }
  if (inputs.secret) {
    const token = (await ui.input(inputs.secret))?.trim();
    if (!token) return false;
    answers.token = token;
  }
  let before = new Set<string>();
  if (!inputs.secret) {
    try {
      before = new Set((await accountsOf(req, target)).map(fingerprint));
    } catch {
      /* status is optional for sign-in */
    }
  }
  let result: SignInResult;
  try {
    result = await req.sendRequest<SignInResult>(AUTH_SIGN_IN, signInParams(target, option, answers));
  } catch (err) {
    ui.error(`Sign in to ${name}: ${messageOf(err)}`);
    return false;
  }
  // A signed-in account is announced by the server ("Signed in to X as Y").
  if (result.state === 'signedIn') return true;
  if (result.state === 'cancelled') return false;
  if (result.state === 'failed') {
    ui.error(`Sign in to ${name} failed${result.message ? `: ${result.message}` : '.'}`);
    return false;
  }
  let timeoutMs = BROWSER_WAIT_MS;
  let intervalMs = 1000;
  if (result.deviceCode) {
    if (!(await ui.deviceCode(result.deviceCode, target.connector.name))) return false;
    timeoutMs = result.deviceCode.expiresIn * 1000;
    intervalMs = Math.max(1, result.deviceCode.interval ?? 5) * 1000;
  } else if (result.browserUrl) {
    await ui.openExternal(result.browserUrl);
  }
  const account = await ui.wait(`Waiting for ${name} sign-in…`, intervalMs, timeoutMs, async () => {
    try {
      return (await accountsOf(req, target)).find((a) => !before.has(fingerprint(a)));
    } catch {
      return undefined; // the server may be busy finishing the exchange; ask again
    }
  });
  return account !== undefined;
}

/**
 * *Tieline: Sign In…*: pick a service (unless `tieline.signIn [id, host]` named one), then one
 * of its sign-in options (unless it has only one), then run it.
 */
export async function runSignIn(req: Requester, ui: SignInUi, args: { connector?: string; host?: string } = {}): Promise<boolean> {
  let connectors: ConnectorInfo[];
  try {
    connectors = (await req.sendRequest<ConnectorsResult>(CONNECTORS, NO_PARAMS))?.connectors ?? [];
  } catch (err) {
    ui.error(`Sign in: ${messageOf(err)}`);
    return false;
  }
  let target: Target | undefined;
  if (args.connector) {
    target = findTarget(connectors, args.connector, args.host);
    if (!target) {
      ui.error(`Tieline has no service "${args.connector}" to sign in to.`);
      return false;
    }
  } else {
    const choices = serviceChoices(connectors);
    if (choices.length === 0) {
      ui.info('No installed service offers a sign-in.');
      return false;
    }
    target = await ui.pick(choices, 'Sign in to which service?', 'Tieline: Sign In');
    if (!target) return false;
  }
  const { connector } = target;
  if (connector.ready === false) {
    ui.info(`${connector.name} needs its settings first (tieline.connectors.${connector.id}.*).`);
    ui.openSettings(`tieline.connectors.${connector.id}`);
    return false;
  }
  const options = connector.auth ?? [];
  if (options.length === 0) {
    ui.info(`${connector.name} offers no sign-in.`);
    return false;
  }
  const option =
    options.length === 1
      ? options[0]
      : await ui.pick(methodChoices(connector), `How do you want to sign in to ${connector.name}?`, `Sign in to ${where(target)}`);
  if (!option) return false;
  return runMethod(req, ui, target, option);
}

/** The accounts to offer for sign-out, named by their service. */
export function signOutChoices(accounts: readonly AccountStatus[], connectors: readonly ConnectorInfo[]): Choice<AccountStatus>[] {
  const names = new Map(connectors.map((c) => [c.id, c.name]));
  return accounts
    .filter((a) => a.signedIn)
    .map((a) => ({
      label: a.account ?? '(unknown account)',
      description: [names.get(a.connector) ?? a.connector, a.host].filter(Boolean).join(' · '),
      value: a,
    }));
}

/** *Tieline: Sign Out*: pick among the signed-in accounts (or the one the arguments name), confirm, sign out. */
export async function runSignOut(
  req: Requester,
  ui: SignInUi,
  args: { connector?: string; host?: string; account?: string } = {},
): Promise<boolean> {
  const status = await req.sendRequest<AuthStatusResult>(AUTH_STATUS, args.connector ? { connector: args.connector } : {});
  let connectors: ConnectorInfo[] = [];
  try {
    connectors = (await req.sendRequest<ConnectorsResult>(CONNECTORS, NO_PARAMS))?.connectors ?? [];
  } catch {
    /* names fall back to connector ids */
  }
  const accounts = (status?.accounts ?? []).filter(
    (a) => a.signedIn && (!args.host || a.host === args.host) && (!args.account || a.account === args.account),
  );
  if (accounts.length === 0) {
    ui.info('No account is signed in.');
    return false;
  }
  const choices = signOutChoices(accounts, connectors);
  const account = choices.length === 1 ? choices[0].value : await ui.pick(choices, 'Sign out of which account?', 'Tieline: Sign Out');
  if (!account) return false;
  const service = connectors.find((c) => c.id === account.connector)?.name ?? account.connector;
  const who = `${account.account ?? 'the account'} from ${service}${account.host ? ` (${account.host})` : ''}`;
  if (!(await ui.confirm(`Sign out ${who}? Tieline forgets its credentials.`, 'Sign Out'))) return false;
  const params: SignOutParams = {
    connector: account.connector,
    ...(account.host ? { host: account.host } : {}),
    ...(account.account ? { account: account.account } : {}),
  };
  const r = await req.sendRequest<SignOutResult>(AUTH_SIGN_OUT, params);
  if (r?.signedOut) ui.info(`Signed out ${who}${r.revoked ? '; the token was revoked at the service' : ''}.`);
  return !!r?.signedOut;
}

/** Whether nobody is signed in anywhere (the welcome view offers *Sign In…* then). */
export function needsSignIn(connectors: readonly ConnectorInfo[]): boolean {
  return connectors.every((c) => (c.accounts ?? []).length === 0);
}
