/**
 * Pure summaries for the status bar: the current branch's CI state (from the CI panel's
 * top item) and integration health (from `tieline/status`).
 */
import type { StatusResult, TreeItem } from './protocol';

export const CI_PANEL = 'ci';
export const INTEGRATIONS_PANEL = 'integrations';

export interface StatusView {
  text: string;
  tooltip: string;
  /** `error` / `warning` background, or none. */
  severity?: 'error' | 'warning';
}

const CI_STATES: Record<string, { word: string; severity?: 'error' | 'warning' }> = {
  success: { word: 'passing' },
  failure: { word: 'failing', severity: 'error' },
  pending: { word: 'running' },
};

/** The CI panel's first top-level item describes the current branch (`contextValue: ci.<state>`). */
export function ciStatus(items: TreeItem[]): StatusView | undefined {
  const top = items[0];
  if (!top) return undefined;
  const state = /(?:^|\s)ci\.(\w+)/.exec(top.contextValue ?? '')?.[1];
  const icon = top.icon === 'sync' ? 'sync~spin' : (top.icon ?? 'circle-outline');
  if (!state) {
    // "No branch checked out", "not synced yet": show it quietly.
    return { text: `$(${icon})`, tooltip: `Tieline CI: ${top.label}` };
  }
  const known = CI_STATES[state];
  const detail = top.description ? ` ${top.description}` : '';
  return {
    text: `$(${icon}) ${top.label}${detail}`,
    tooltip: `CI for ${top.label}: ${known?.word ?? state}${detail ? ` (${detail.trim()})` : ''}. Click to open the CI panel.`,
    severity: known?.severity,
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
