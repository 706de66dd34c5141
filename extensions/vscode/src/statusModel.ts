/**
 * Pure summaries for the status bar: the branch's CI state (from the CI panel's top-level
 * nodes, whichever service reports them) and integration health (from `tieline/status`).
 */
import type { StatusResult, TreeItem } from './protocol';

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
