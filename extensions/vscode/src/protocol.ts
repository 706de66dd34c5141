/**
 * The `tieline/*` messages as TypeScript types. The source of truth is the server's
 * `server/lsp/tieline_protocol.py` and its generated `tieline-protocol.schema.json`; the
 * protocol test checks real server replies against that schema, so these types cannot drift
 * silently. Results are objects (`{ panels: [...] }`) so they can grow without breaking.
 */

export const PANELS = 'tieline/panels';
export const PANEL_ITEMS = 'tieline/panel/items';
export const PANEL_CHANGED = 'tieline/panel/changed';
export const STATUS = 'tieline/status';
export const AUTH_SIGN_IN = 'tieline/auth/signIn';
export const AUTH_SIGN_OUT = 'tieline/auth/signOut';
export const AUTH_STATUS = 'tieline/auth/status';
export const CONNECTORS = 'tieline/connectors';

/**
 * What the shell sends for requests without params (`tieline/panels`, `tieline/status`,
 * `tieline/connectors`): an
 * empty object rather than no `params` member, which some JSON-RPC servers reject.
 */
export const NO_PARAMS: Record<string, never> = Object.freeze({}) as Record<string, never>;

export type HealthState = 'healthy' | 'degraded' | 'failing' | 'disabled';

export interface Panel {
  id: string;
  title: string;
  /** A codicon name, e.g. 'issues' or 'git-pull-request'. */
  icon: string;
  contextValue?: string | null;
  /** Markdown shown when the panel has no items (e.g. sign in). */
  welcome?: string | null;
}

export interface PanelsResult {
  panels: Panel[];
}

export interface Command {
  command: string;
  title: string;
  arguments?: unknown[] | null;
}

export interface ItemAction {
  id: string;
  title: string;
  command: Command;
  icon?: string | null;
  placement?: 'inline' | 'context';
}

export interface TreeItem {
  id: string;
  label: string;
  description?: string | null;
  /** Markdown, already sanitized by the server. */
  tooltip?: string | null;
  icon?: string | null;
  url?: string | null;
  command?: Command | null;
  hasChildren?: boolean;
  contextValue?: string | null;
  actions?: ItemAction[];
  /** The id of the connector the item comes from. */
  service?: string | null;
  /** How the item is named: '#7', 'PROJ-7'. */
  key?: string | null;
}

export interface PanelItemsParams {
  panelId: string;
  parentId?: string;
}

export interface PanelItemsResult {
  items: TreeItem[];
}

export interface PanelChangedParams {
  panelId: string;
  itemId?: string | null;
}

export interface ConnectorStatus {
  connector: string;
  host?: string | null;
  account?: string | null;
  state: HealthState;
  lastSuccess?: string | null;
  lastError?: string | null;
  lastErrorAt?: string | null;
  errorRate?: number | null;
  latencyMs?: number | null;
  rateLimitRemaining?: number | null;
  rateLimitLimit?: number | null;
  rateLimitReset?: string | null;
  requests?: number;
  cacheHitRate?: number | null;
}

export interface StatusResult {
  overall: HealthState;
  connectors: ConnectorStatus[];
}

export type AuthMethod = 'pkce' | 'device' | 'token' | 'api_key' | 'basic';

export interface AuthParams {
  connector: string;
  host?: string;
}

/**
 * `method` absent: the connector's first interactive flow. `token` (and for `basic` the
 * `username`) carry a pasted secret, read in an input that never echoes it.
 */
export interface SignInParams extends AuthParams {
  method?: AuthMethod;
  token?: string;
  username?: string;
}

export interface SignOutParams extends AuthParams {
  account?: string;
}

export interface DeviceCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string | null;
  expiresIn: number;
  interval?: number;
}

export interface SignInResult {
  state: 'signedIn' | 'pending' | 'failed' | 'cancelled';
  deviceCode?: DeviceCode | null;
  browserUrl?: string | null;
  account?: string | null;
  message?: string | null;
}

export interface SignOutResult {
  signedOut: boolean;
  /** The token was ended at the service too. */
  revoked?: boolean;
}

export interface AuthStatusParams {
  connector?: string;
  host?: string;
}

export interface AccountStatus {
  connector: string;
  host?: string | null;
  account?: string | null;
  signedIn: boolean;
  method?: AuthMethod | null;
  scopes?: string[];
  expiresAt?: string | null;
}

export interface AuthStatusResult {
  accounts: AccountStatus[];
}

/** A way to sign in that a connector offers, as the shell shows it. */
export interface AuthOption {
  method: AuthMethod;
  label: string;
  /** For pasted secrets: what to ask for ('API key'). */
  secretLabel?: string | null;
  /** For basic: what the user name is ('email'). */
  usernameLabel?: string | null;
  /** Where to get a token, in plain words. */
  help?: string | null;
}

export interface ConnectorAccount {
  host: string;
  account: string;
  state: HealthState;
}

/** One installed connector: the shell learns every service it shows from this list. */
export interface ConnectorInfo {
  id: string;
  name: string;
  description?: string;
  capabilities: string[];
  attach: 'remote' | 'site' | 'account';
  /** Hosts it serves now. */
  hosts?: string[];
  enabled?: boolean;
  /** False when it needs a setting first (a site's URL). */
  ready?: boolean;
  auth?: AuthOption[];
  accounts?: ConnectorAccount[];
}

export interface ConnectorsResult {
  connectors: ConnectorInfo[];
}
