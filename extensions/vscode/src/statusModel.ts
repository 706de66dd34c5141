/**
 * Pure summaries for the status bar: the branch's CI state (from the CI panel's top-level
 * nodes, whichever service reports them), integration health, the next meeting, focus mode
 * folder sync and the team hub link (from `tieline/status`).
 */
import type { DocSyncLink, FocusAccount, FocusStatus, StatusResult, TeamHubStatus, TreeItem } from './protocol';

export const CI_PANEL = 'ci';
export const INTEGRATIONS_PANEL = 'integrations';
export const AGENDA_PANEL = 'agenda';

export interface StatusView {
  text: string;
  tooltip: string;
  /** `error` / `warning` background, or none. */
  severity?: 'error' | 'warning';
}

const CI_STATES: Record<string, { word: string; severity?: 'error' | 'warning'; rank: number }> = {
  failure: { word: 'failing', severity: 'error', rank: 5 },
  timed_out: { word: 'timed out', severity: 'error', rank: 5 },
  action_required: { word: 'needs action', severity: 'warning', rank: 4 },
  pending: { word: 'running', rank: 3 },
  cancelled: { word: 'cancelled', rank: 2 },
  success: { word: 'passing', rank: 1 },
};

const stateOf = (item: TreeItem) => /(?:^|\s)ci\.(\w+)/.exec(item.contextValue ?? '')?.[1];
const iconOf = (item: TreeItem) => (item.icon === 'sync' ? 'sync~spin' : (item.icon ?? 'circle-outline'));
/** The server describes a branch node as "service · scope · checks": the checks are the last part. */
const checksOf = (item: TreeItem) => item.description?.split(' · ').pop()?.trim() ?? '';

/**
 * The CI panel has one top-level node per folder branch per CI service (`contextValue:
 * ci.<state>`). The status bar shows the one that needs attention most (failing before
 * running before passing) and counts the others; the tooltip lists them all.
 */
export function ciStatus(items: TreeItem[]): StatusView | undefined {
  const nodes = items.filter((i) => stateOf(i));
  if (nodes.length === 0) {
    const top = items[0];
    if (!top) return undefined;
    // "No branch checked out", "not synced yet": show it quietly.
    return { text: `$(${iconOf(top)})`, tooltip: `Tieline CI: ${top.label}` };
  }
  const rank = (i: TreeItem) => CI_STATES[stateOf(i)!]?.rank ?? 0;
  const worst = nodes.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  const checks = checksOf(worst);
  const more = nodes.length > 1 ? ` +${nodes.length - 1}` : '';
  const lines = nodes.map((n) => {
    const state = stateOf(n)!;
    return `${n.label}${n.description ? ` (${n.description})` : ''}: ${CI_STATES[state]?.word ?? state}`;
  });
  return {
    text: `$(${iconOf(worst)}) ${worst.label}${checks ? ` ${checks}` : ''}${more}`,
    tooltip: `CI for ${lines.join('\nCI for ')}\nClick to open the CI panel.`,
    severity: CI_STATES[stateOf(worst)!]?.severity,
  };
}

/** A warning item only while an integration is failing or degraded; undefined when all is well. */
export function healthStatus(status: StatusResult | undefined): StatusView | undefined {
  if (!status) return undefined;
  const bad = status.connectors.filter((c) => c.state === 'failing' || c.state === 'degraded');
  if (bad.length === 0 && status.overall !== 'failing' && status.overall !== 'degraded') return undefined;
  const failing = bad.some((c) => c.state === 'failing') || status.overall === 'failing';
  const lines = bad.map((c) => {
    const who = [c.connector, c.account && `@${c.account}`, c.host && `on ${c.host}`].filter(Boolean).join(' ');
    return `${who}: ${c.state}${c.lastError ? ` — ${c.lastError}` : ''}`;
  });
  return {
    text: failing ? '$(error) Tieline' : '$(warning) Tieline',
    tooltip: (lines.length ? lines.join('\n') : `Tieline integrations: ${status.overall}`) + '\nClick to open Integrations.',
    severity: failing ? 'error' : 'warning',
  };
}

/** The next meeting's item: what it is and when, and whether a click joins it (a link) or opens the Agenda. */
export interface MeetingView extends StatusView {
  join: boolean;
}

const TITLE_MAX = 40;
/** A service's text in the status bar: `$(name)` would render as an icon there. */
const plain = (text: string) => text.replace(/\$\(/g, '$\u200b(');

export function meetingStatus(status: StatusResult | undefined): MeetingView | undefined {
  const m = status?.nextMeeting;
  if (!m) return undefined;
  const title = plain(m.title.length > TITLE_MAX ? `${m.title.slice(0, TITLE_MAX - 1)}…` : m.title);
  const join = Boolean(m.joinUrl);
  const on = m.providerName ? ` on ${m.providerName}` : '';
  const lines = [`${plain(m.title)}, ${m.until}${on}`];
  if (m.location) lines.push(plain(m.location));
  lines.push(join ? 'Click to join.' : 'Click to open the Agenda.');
  return {
    text: `$(${join ? 'device-camera-video' : 'calendar'}) ${title} ${m.until}`,
    tooltip: lines.join('\n'),
    severity: m.until === 'now' ? 'warning' : undefined,
    join,
  };
}

/** What each chat account's focus state means to the person. */
const FOCUS_ACCOUNT: Record<FocusAccount['state'], string> = {
  focusing: 'notifications held',
  starting: 'being told (retried while it fails)',
  restoring: 'its status being put back (retried while it fails)',
  waiting: 'not connected; its status is put back once it is',
};

/**
 * The focus item while focus is on: until when in the text (a glance says whether
 * notifications are held), and in the tooltip why (a calendar block or the editor), the status
 * the services show, and any account that is not holding notifications yet.
 */
export function focusStatus(status: StatusResult | undefined): StatusView | undefined {
  const f = status?.focus;
  if (!f) return undefined;
  const accounts = f.accounts ?? [];
  const lines = [`Focus ${f.untilText}: ${plain(f.why)}`, `Your status says "${plain(f.statusText)}".`];
  for (const a of accounts) {
    lines.push(`${a.connector} @${a.account}: ${FOCUS_ACCOUNT[a.state] ?? a.state}${a.lastError ? ` — ${a.lastError}` : ''}`);
  }
  // Stopping a calendar block ends that block only; say so before the person clicks.
  lines.push(f.reason === 'calendar' ? 'Click to stop (this block only) or extend focus.' : 'Click to stop or extend focus.');
  return {
    text: `$(bell-slash) Focus ${f.untilText}`,
    tooltip: lines.join('\n'),
    severity: accounts.some((a) => a.lastError) ? 'warning' : undefined,
  };
}

/** One choice the focus item's click offers: a server command and its arguments. */
export interface FocusAction {
  label: string;
  detail?: string;
  command: string;
  arguments: unknown[];
}

/** Minutes "Extend" adds to the focus period. */
export const EXTEND_MINUTES: readonly number[] = [25, 50];
/** `tieline.startFocus` takes 1 to 1440 minutes from now. */
const MAX_MINUTES = 24 * 60;

/**
 * Stop, or extend by each of {@link EXTEND_MINUTES}. The server has no "extend": Start Focus
 * takes minutes from now and lengthens focus already on (never shortens it), so extending is
 * starting for what is left plus the extra, rounded up to the minute so it never ends early.
 */
export function focusActions(focus: FocusStatus, now: Date): FocusAction[] {
  const stop: FocusAction = {
    label: '$(bell) Stop Focus',
    detail: focus.reason === 'calendar' ? `Ends ${plain(focus.why)} only; the next focus block starts focus again.` : undefined,
    command: 'tieline.stopFocus',
    arguments: [],
  };
  const until = Date.parse(focus.until);
  if (Number.isNaN(until)) return [stop];
  const left = Math.max(0, Math.ceil((until - now.getTime()) / 60_000));
  const extend = EXTEND_MINUTES.filter((m) => left + m <= MAX_MINUTES).map((m) => ({
    label: `$(clock) Extend by ${m} minutes`,
    command: 'tieline.startFocus',
    arguments: [left + m],
  }));
  return [stop, ...extend];
}

/** The server command the folder sync item's click runs: a message listing the conflicts. */
export const SHOW_CONFLICTS = 'tieline.docsync.showConflicts';

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "just now", "5 min ago", "3 h ago", "2 days ago": when a link last completed a round. */
export function ago(when: string | null | undefined, now: Date): string | undefined {
  const t = when ? Date.parse(when) : NaN;
  if (Number.isNaN(t)) return undefined;
  const min = Math.floor(Math.max(0, now.getTime() - t) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  return h < 24 ? `${h} h ago` : count(Math.floor(h / 24), 'day') + ' ago';
}

function linkLine(l: DocSyncLink, now: Date): string {
  const where = `${plain(l.folder)} ↔ ${l.service}:${plain(l.remote)}`;
  const conflicts = l.conflicts ? `, ${count(l.conflicts, 'conflict')} to resolve` : '';
  const synced = ago(l.lastSync, now);
  switch (l.state) {
    case 'syncing':
      return `${where}: syncing now${conflicts}`;
    case 'error':
      return `${where}: stopped${l.lastError ? ` — ${plain(l.lastError)}` : ''}${conflicts}`;
    case 'offline':
      return `${where}: not syncing${l.lastError ? ` — ${plain(l.lastError)}` : ''}${conflicts}`;
    default:
      return `${where}: ${synced ? `synced ${synced}` : 'not synced yet'}${conflicts}`;
  }
}

/**
 * The folder sync item while any folder is linked (hidden otherwise): the linked folder (or
 * how many), spinning while a round runs, and the conflicts waiting — what needs the person —
 * in the text; each link's state in the tooltip. Its click shows the conflicts.
 */
export function docsyncStatus(status: StatusResult | undefined, now: Date = new Date()): StatusView | undefined {
  const d = status?.docsync;
  if (!d || d.linked < 1) return undefined;
  const links = d.links ?? [];
  const icon = d.state === 'syncing' ? 'sync~spin' : d.state === 'error' ? 'sync-ignored' : 'sync';
  const what = links.length === 1 ? plain(links[0].folder) : `${d.linked} folders`;
  const conflicts = d.conflicts ?? 0;
  const lines = links.map((l) => linkLine(l, now));
  lines.push(conflicts ? 'Click to show the conflicts.' : 'Click to show sync conflicts (none now).');
  return {
    text: `$(${icon}) ${what}${conflicts ? ` ${count(conflicts, 'conflict')}` : ''}`,
    tooltip: lines.join('\n'),
    severity: d.state === 'error' ? 'error' : conflicts ? 'warning' : undefined,
  };
}

/** The hub's host for a glance ("hub.example.com"); the URL as sent when it does not parse. */
function hubHost(t: TeamHubStatus): string {
  if (!t.url) return 'the team hub';
  try {
    return plain(new URL(t.url).host || t.url);
  } catch {
    return plain(t.url);
  }
}

/** "under a second", "4 s", "3 min": how far behind the hub the last event arrived. */
function lag(seconds: number | null | undefined): string | undefined {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return undefined;
  if (seconds < 1) return 'under a second';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

/** What `tieline teamhub token` (server/cli_teamhub.py) is for, said where the person looks. */
export const TEAMHUB_TOKEN_COMMAND = 'tieline teamhub token';

/**
 * The team hub link while one is configured (hidden when off or absent, as the server sends
 * no block then): a quiet icon while changes are pushed, spinning while it connects, and a
 * warning only when the person loses something — the hub is unreachable (services are polled
 * as usual, so nothing is missed, only slower) or it refused the token (nothing retries
 * until a new one is stored, so the tooltip says how).
 */
export function teamHubStatus(status: StatusResult | undefined, now: Date = new Date()): StatusView | undefined {
  const t = status?.teamHub;
  if (!t) return undefined;
  const host = hubHost(t);
  const since = ago(t.since, now);
  const why = t.lastError ? plain(t.lastError) : undefined;
  switch (t.state) {
    case 'connected': {
      const lines = [`Team hub: live — changes from ${host} are pushed; services are polled only as a safety net.`];
      if (since) lines.push(`Connected ${since}.`);
      if (t.lastEventId) lines.push(`Last event: ${plain(t.lastEventId)}${lag(t.lagSeconds) ? `, ${lag(t.lagSeconds)} behind the hub` : ''}.`);
      else lines.push('No event yet.');
      return { text: '$(broadcast)', tooltip: lines.join('\n') };
    }
    case 'connecting':
      return {
        text: '$(loading~spin)',
        tooltip: `Team hub: connecting to ${host}…${t.lastEventId ? `\nResuming after event ${plain(t.lastEventId)}.` : ''}`,
      };
    case 'fallback': {
      const lines = [`Team hub ${host} unreachable${since ? ` (since ${since})` : ''}${why ? `: ${why}` : ''}.`];
      lines.push('Services are polled as usual; the link reconnects by itself and catches up.');
      return { text: '$(debug-disconnect) Team hub unreachable — polling', tooltip: lines.join('\n'), severity: 'warning' };
    }
    case 'auth_required': {
      const lines = [`Team hub ${host} needs a new token${why ? `: ${why}` : ''}.`];
      lines.push(`Run \`${TEAMHUB_TOKEN_COMMAND}\` in a terminal to store one; the server tries it within half a minute.`);
      lines.push('Until then, services are polled as usual.');
      return { text: '$(key) Team hub: token needed', tooltip: lines.join('\n'), severity: 'warning' };
    }
    default:
      // "off", or a state this shell does not know yet: nothing to say.
      return undefined;
  }
}
