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
export const STATUS_CHANGED = 'tieline/status/changed';
export const AUTH_SIGN_IN = 'tieline/auth/signIn';
export const AUTH_SIGN_OUT = 'tieline/auth/signOut';
export const AUTH_STATUS = 'tieline/auth/status';
export const CONNECTORS = 'tieline/connectors';
export const CI_ACT = 'tieline/ci/act';
export const CI_TRIGGERS = 'tieline/ci/triggers';
export const CI_TRIGGER = 'tieline/ci/trigger';
export const LOG = 'tieline/log';
export const LOG_CHANGED = 'tieline/log/changed';

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
  /** A CI pipeline's or job's id, for `tieline/ci/act`. */
  ciItem?: string | null;
  /** A CI job's log, a `tieline-log:` URI for `tieline/log`. */
  logUri?: string | null;
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

/** The meeting the person goes to next, from every connected calendar (protocol 1.3). */
export interface NextMeeting {
  /** The event's id; `tieline.joinMeeting` takes it. */
  key: string;
  title: string;
  start: string;
  end: string;
  /** How long until it starts: "in 5 min", "now", "at 14:00". */
  until: string;
  service: string;
  joinUrl?: string | null;
  provider?: 'zoom' | 'meet' | 'teams' | 'webex' | 'other' | null;
  providerName?: string | null;
  location?: string | null;
}

/** One chat account in focus mode, and where it stands (protocol 1.4). */
export interface FocusAccount {
  connector: string;
  account: string;
  state: 'focusing' | 'starting' | 'restoring' | 'waiting';
  lastError?: string | null;
  retryAt?: string | null;
}

/** Focus mode while it is on: notifications held and a status set in every chat service that can. */
export interface FocusStatus {
  until: string;
  /** "until 15:30". */
  untilText: string;
  reason: 'calendar' | 'manual';
  /** "Deep work (calendar)", "started in the editor". */
  why: string;
  eventKey?: string | null;
  statusText: string;
  accounts?: FocusAccount[];
}

/** One workspace folder linked to a drive folder, and where its sync stands (protocol 1.5). */
export interface DocSyncLink {
  /** Workspace-relative ("docs"). */
  folder: string;
  /** The drive's connector id ("microsoft", "google"). */
  service: string;
  remote: string;
  /** `error`: the last round stopped (lastError); `offline`: not running, not signed in (lastError). */
  state: 'idle' | 'syncing' | 'error' | 'offline';
  lastSync?: string | null;
  conflicts?: number;
  lastError?: string | null;
}

/** Folder sync while any folder is linked: absent when none is. */
export interface DocSyncStatus {
  state: 'idle' | 'syncing' | 'error';
  linked: number;
  conflicts?: number;
  lastSync?: string | null;
  lastError?: string | null;
  links?: DocSyncLink[];
}

/** The link to the team hub while one is configured: absent when none is. */
export interface TeamHubStatus {
  /** `connected`: changes are pushed, polls are a safety net; `fallback`: polling as usual. */
  state: 'connecting' | 'connected' | 'fallback' | 'auth_required';
  url?: string | null;
  lastEventId?: string | null;
  lagSeconds?: number | null;
  lastEventAt?: string | null;
  since?: string | null;
  lastError?: string | null;
}

export interface StatusResult {
  overall: HealthState;
  connectors: ConnectorStatus[];
  nextMeeting?: NextMeeting | null;
  focus?: FocusStatus | null;
  docsync?: DocSyncStatus | null;
  teamHub?: TeamHubStatus | null;
}

/** Server → client: part of the status ("docsync", "focus", "team_hub") changed by itself; ask again (protocol 1.5). */
export interface StatusChangedParams {
  part: string;
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

// --- CI ---------------------------------------------------------------------------------

export type CIActionName = 'rerun' | 'rerun_failed' | 'cancel' | 'retry' | 'play';
export type RunStatusName = 'queued' | 'running' | 'waiting' | 'completed';

export interface CIStep {
  name: string;
  number?: number | null;
  status: RunStatusName;
  conclusion: string;
}

export interface CIJob {
  id: string;
  name: string;
  status: RunStatusName;
  conclusion: string;
  stage?: string | null;
  url?: string | null;
  allowFailure?: boolean;
  actions?: CIActionName[];
  logUri: string;
  steps?: CIStep[];
}

export interface CIPipeline {
  id: string;
  service: string;
  serviceName: string;
  name: string;
  status: RunStatusName;
  conclusion: string;
  number?: number | null;
  attempt?: number;
  branch?: string | null;
  sha?: string | null;
  event?: string | null;
  url?: string | null;
  createdAt?: string | null;
  finishedAt?: string | null;
  actions?: CIActionName[];
  jobs?: CIJob[];
}

export interface CIActParams {
  /** A pipeline or job id (a CI panel item's `ciItem`, or its id). */
  item: string;
  action: CIActionName;
}

export interface CIActResult {
  pipeline?: CIPipeline | null;
  message: string;
}

export interface CITriggersParams {
  /** A workspace folder URI; absent: all. */
  folder?: string;
}

export type CITriggerInputType = 'string' | 'boolean' | 'choice' | 'number' | 'environment' | 'password';

export interface CITriggerInput {
  name: string;
  description?: string;
  type?: CITriggerInputType;
  required?: boolean;
  default?: string | null;
  options?: string[];
}

export interface CITrigger {
  id: string;
  name: string;
  description?: string;
  service: string;
  serviceName: string;
  scope: string;
  /** Its folder's branch: the default. */
  branch?: string | null;
  url?: string | null;
  inputs?: CITriggerInput[];
}

export interface CITriggersResult {
  triggers: CITrigger[];
}

export interface CITriggerParams {
  trigger: string;
  branch?: string;
  inputs?: Record<string, string>;
}

export interface CITriggerResult {
  pipeline?: CIPipeline | null;
  message: string;
}

export interface LogParams {
  uri: string;
  offset?: number;
  limit?: number;
}

/**
 * A page of a job's log (at most a page, cut at a line end). While `complete` is false more
 * follows; a changed `version` means the text was laid out anew: read again from 0.
 */
export interface LogResult {
  text: string;
  nextOffset: number;
  complete: boolean;
  total?: number | null;
  version?: number;
  failingStep?: string | null;
  error?: string | null;
}

/** Server → client: a log read with `tieline/log` grew, or was laid out anew (`version`). */
export interface LogChangedParams {
  uri: string;
  version: number;
}
