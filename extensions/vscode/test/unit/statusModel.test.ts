import { describe, expect, it } from 'vitest';
import type { DocSyncLink, DocSyncStatus, FocusStatus, NextMeeting, TeamHubStatus, TreeItem } from '../../src/protocol';
import {
  ago,
  ciStatus,
  docsyncStatus,
  focusActions,
  focusStatus,
  healthStatus,
  meetingStatus,
  SHOW_CONFLICTS,
  teamHubStatus,
} from '../../src/statusModel';

const node = (over: Partial<TreeItem> & { contextValue: string }): TreeItem => ({
  id: `ci/${over.service ?? 'github'}/o/r@${over.label ?? 'feature'}`,
  label: 'feature',
  hasChildren: true,
  ...over,
});

describe('ciStatus', () => {
  it('shows the branch, its checks and an error background when failing', () => {
    const v = ciStatus([node({ description: 'GitHub · o/r · ✗ 1 of 2 checks failing', icon: 'error', contextValue: 'ci.failure' })]);
    expect(v).toEqual({
      text: '$(error) feature ✗ 1 of 2 checks failing',
      tooltip: 'CI for feature (GitHub · o/r · ✗ 1 of 2 checks failing): failing\nClick to open the CI panel.',
      severity: 'error',
    });
  });

  it('spins while pending and is calm when passing', () => {
    expect(ciStatus([node({ label: 'main', icon: 'sync', contextValue: 'ci.pending' })])?.text).toBe('$(sync~spin) main');
    const ok = ciStatus([node({ label: 'main', icon: 'pass', description: 'GitHub · o/r · ✓ 3 checks', contextValue: 'ci.success' })]);
    expect(ok?.text).toBe('$(pass) main ✓ 3 checks');
    expect(ok?.severity).toBeUndefined();
  });

  it('says so when a branch has no checks', () => {
    const v = ciStatus([node({ label: 'main', icon: 'circle-outline', description: 'GitHub · octo/app · no checks', contextValue: 'ci.neutral' })]);
    expect(v?.text).toBe('$(circle-outline) main no checks');
    expect(v?.severity).toBeUndefined();
  });

  it('shows the node that needs attention most, from any CI service, and counts the others', () => {
    const v = ciStatus([
      node({ label: 'main', service: 'github', icon: 'pass', description: 'GitHub · o/r · ✓ 3 checks', contextValue: 'ci.success' }),
      node({ label: 'main', service: 'gitlab', icon: 'error', description: 'GitLab · g/p · ✗ 1 of 4 checks failing', contextValue: 'ci.failure' }),
      node({ label: 'docs', service: 'github', icon: 'sync', description: 'GitHub · o/d · ⋯ 1 of 1 check pending', contextValue: 'ci.pending' }),
    ]);
    expect(v?.text).toBe('$(error) main ✗ 1 of 4 checks failing +2');
    expect(v?.severity).toBe('error');
    expect(v?.tooltip.split('\n')).toEqual([
      'CI for main (GitHub · o/r · ✓ 3 checks): passing',
      'CI for main (GitLab · g/p · ✗ 1 of 4 checks failing): failing',
      'CI for docs (GitHub · o/d · ⋯ 1 of 1 check pending): running',
      'Click to open the CI panel.',
    ]);
    const running = ciStatus([
      node({ label: 'main', icon: 'pass', description: 'A · x · ✓ 1 check', contextValue: 'ci.success' }),
      node({ label: 'main', service: 'b', icon: 'sync', description: 'B · y · ⋯ 1 of 2 checks pending', contextValue: 'ci.pending' }),
    ]);
    expect(running?.text).toBe('$(sync~spin) main ⋯ 1 of 2 checks pending +1');
  });

  it('shows only an icon for placeholder items and nothing for an empty panel', () => {
    expect(ciStatus([{ id: 'ci/none', label: 'No branch checked out', icon: 'info' }])).toEqual({ text: '$(info)', tooltip: 'Tieline CI: No branch checked out' });
    expect(ciStatus([{ id: 'ci/pending', label: 'main: not synced yet', icon: 'sync' }])?.text).toBe('$(sync~spin)');
    expect(ciStatus([])).toBeUndefined();
  });
});

describe('healthStatus', () => {
  it('is hidden while all is well', () => {
    expect(healthStatus({ overall: 'healthy', connectors: [{ connector: 'github', state: 'healthy' }] })).toBeUndefined();
    expect(healthStatus(undefined)).toBeUndefined();
  });

  it('warns about degraded and failing integrations, naming them', () => {
    const v = healthStatus({
      overall: 'failing',
      connectors: [
        { connector: 'github', account: 'octocat', host: 'github.com', state: 'failing', lastError: 'token revoked' },
        { connector: 'jira', state: 'healthy' },
      ],
    });
    expect(v?.severity).toBe('error');
    expect(v?.text).toBe('$(error) Tieline');
    expect(v?.tooltip).toContain('github @octocat on github.com: failing — token revoked');
    expect(healthStatus({ overall: 'degraded', connectors: [{ connector: 'linear', state: 'degraded' }] })?.severity).toBe('warning');
  });
});

describe('meetingStatus', () => {
  const status = (nextMeeting: Partial<NextMeeting> | null) => ({
    overall: 'healthy' as const,
    connectors: [],
    nextMeeting: nextMeeting && {
      key: 'caldav:dav.example.test:work:e1',
      title: 'Standup',
      start: '2026-12-02T09:00:00Z',
      end: '2026-12-02T09:15:00Z',
      until: 'in 5 min',
      service: 'caldav',
      ...nextMeeting,
    },
  });

  it('shows the next meeting and joins on click where it has a link', () => {
    const v = meetingStatus(status({ joinUrl: 'https://meet.example.test/abc', provider: 'meet', providerName: 'Google Meet', location: 'Room 4' }));
    expect(v).toEqual({
      text: '$(device-camera-video) Standup in 5 min',
      tooltip: 'Standup, in 5 min on Google Meet\nRoom 4\nClick to join.',
      severity: undefined,
      join: true,
    });
  });

  it('opens the Agenda for a meeting without a link, warns when it is on, hides with none', () => {
    const v = meetingStatus(status({ until: 'now' }));
    expect(v?.text).toBe('$(calendar) Standup now');
    expect(v?.join).toBe(false);
    expect(v?.severity).toBe('warning');
    expect(v?.tooltip.endsWith('Click to open the Agenda.')).toBe(true);
    expect(meetingStatus(status(null))).toBeUndefined();
    expect(meetingStatus(undefined)).toBeUndefined();
  });

  it('cuts a long title and never renders a title as an icon', () => {
    const v = meetingStatus(status({ title: '$(alert) ' + 'x'.repeat(60) }));
    expect(v?.text.startsWith('$(calendar) $\u200b(alert) ')).toBe(true);
    expect(v?.text).toContain('…');
    expect(v!.text.length).toBeLessThan(70);
  });
});

describe('focusStatus', () => {
  const focus = (over: Partial<FocusStatus> = {}): FocusStatus => ({
    until: '2026-12-02T15:30:00Z',
    untilText: 'until 15:30',
    reason: 'manual',
    why: 'started in the editor',
    statusText: 'Focusing',
    accounts: [{ connector: 'slack', account: 'ana', state: 'focusing' }],
    ...over,
  });
  const status = (f: FocusStatus | null | undefined) => ({ overall: 'healthy' as const, connectors: [], focus: f });

  it('shows until when, and why with each account in the tooltip', () => {
    expect(focusStatus(status(focus()))).toEqual({
      text: '$(bell-slash) Focus until 15:30',
      tooltip: 'Focus until 15:30: started in the editor\nYour status says "Focusing".\nslack @ana: notifications held\nClick to stop or extend focus.',
      severity: undefined,
    });
  });

  it('is hidden when not focusing (absent, null, or no status at all)', () => {
    expect(focusStatus(status(undefined))).toBeUndefined();
    expect(focusStatus(status(null))).toBeUndefined();
    expect(focusStatus(undefined)).toBeUndefined();
  });

  it('warns when an account is not holding notifications for an error, and says why', () => {
    const v = focusStatus(
      status(
        focus({
          accounts: [
            { connector: 'slack', account: 'ana', state: 'focusing' },
            { connector: 'microsoft', account: 'ana@acme.test', state: 'starting', lastError: 'Graph is unavailable (503)' },
            { connector: 'discord', account: 'ana#1', state: 'waiting' },
          ],
        }),
      ),
    );
    expect(v?.severity).toBe('warning');
    expect(v?.tooltip.split('\n').slice(2, 5)).toEqual([
      'slack @ana: notifications held',
      'microsoft @ana@acme.test: being told (retried while it fails) — Graph is unavailable (503)',
      'discord @ana#1: not connected; its status is put back once it is',
    ]);
    expect(focusStatus(status(focus({ accounts: [{ connector: 'discord', account: 'a', state: 'waiting' }] })))?.severity).toBeUndefined();
  });

  it("says a calendar block's stop ends that block only, and never renders its title as an icon", () => {
    const v = focusStatus(status(focus({ reason: 'calendar', why: '$(zap) Deep work (calendar)', eventKey: 'caldav:x:e1' })));
    expect(v?.tooltip.startsWith('Focus until 15:30: $\u200b(zap) Deep work (calendar)\n')).toBe(true);
    expect(v?.tooltip.endsWith('Click to stop (this block only) or extend focus.')).toBe(true);
  });
});

describe('focusActions', () => {
  const focus = (over: Partial<FocusStatus> = {}): FocusStatus => ({
    until: '2026-12-02T15:30:00Z',
    untilText: 'until 15:30',
    reason: 'manual',
    why: 'started in the editor',
    statusText: 'Focusing',
    ...over,
  });

  it('offers Stop, and Extend as Start Focus for what is left plus the extra, rounded up', () => {
    const acts = focusActions(focus(), new Date('2026-12-02T15:10:30Z'));
    expect(acts.map((a) => [a.command, a.arguments])).toEqual([
      ['tieline.stopFocus', []],
      ['tieline.startFocus', [45]], // 19.5 minutes left: 20 + 25, so it never ends early
      ['tieline.startFocus', [70]],
    ]);
    expect(acts.map((a) => a.label)).toEqual(['$(bell) Stop Focus', '$(clock) Extend by 25 minutes', '$(clock) Extend by 50 minutes']);
    expect(acts[0].detail).toBeUndefined();
  });

  it('extends from now once the period is over, and never past what Start Focus takes (a day)', () => {
    expect(focusActions(focus(), new Date('2026-12-02T16:00:00Z'))[1].arguments).toEqual([25]);
    const late = focusActions(focus({ until: '2026-12-03T15:00:00Z' }), new Date('2026-12-02T15:30:00Z'));
    expect(late.map((a) => a.arguments)).toEqual([[], [1435]]); // 1410 + 25; 1410 + 50 > 1440
    expect(focusActions(focus({ until: 'soon' }), new Date()).map((a) => a.command)).toEqual(['tieline.stopFocus']);
  });

  it("says that stopping a calendar block ends that block only", () => {
    const [stop] = focusActions(focus({ reason: 'calendar', why: 'Deep work (calendar)' }), new Date('2026-12-02T15:00:00Z'));
    expect(stop.detail).toBe('Ends Deep work (calendar) only; the next focus block starts focus again.');
  });
});

describe('docsyncStatus', () => {
  const now = new Date('2026-12-02T15:30:00Z');
  const link = (over: Partial<DocSyncLink> = {}): DocSyncLink => ({
    folder: 'docs',
    service: 'google',
    remote: '/Documents/docs',
    state: 'idle',
    lastSync: '2026-12-02T15:25:00Z',
    conflicts: 0,
    ...over,
  });
  const status = (d: Partial<DocSyncStatus> | null | undefined, links: DocSyncLink[] = [link()]) => ({
    overall: 'healthy' as const,
    connectors: [],
    docsync:
      d === null || d === undefined
        ? d
        : {
            state: 'idle' as const,
            linked: links.length,
            conflicts: links.reduce((n, l) => n + (l.conflicts ?? 0), 0),
            links,
            ...d,
          },
  });

  it('is hidden while nothing is linked (absent, null, none, or no status at all)', () => {
    expect(docsyncStatus(status(undefined), now)).toBeUndefined();
    expect(docsyncStatus(status(null), now)).toBeUndefined();
    expect(docsyncStatus(status({ linked: 0 }, []), now)).toBeUndefined();
    expect(docsyncStatus(undefined, now)).toBeUndefined();
  });

  it('names the linked folder and when it last synced, quietly when all is well', () => {
    expect(docsyncStatus(status({}), now)).toEqual({
      text: '$(sync) docs',
      tooltip: 'docs ↔ google:/Documents/docs: synced 5 min ago\nClick to show sync conflicts (none now).',
      severity: undefined,
    });
  });

  it('counts the conflicts in the text, with a warning, as the brief item a person acts on', () => {
    const v = docsyncStatus(status({}, [link({ conflicts: 2 })]), now);
    expect(v?.text).toBe('$(sync) docs 2 conflicts');
    expect(v?.severity).toBe('warning');
    expect(v?.tooltip).toBe('docs ↔ google:/Documents/docs: synced 5 min ago, 2 conflicts to resolve\nClick to show the conflicts.');
    expect(docsyncStatus(status({}, [link({ conflicts: 1 })]), now)?.text).toBe('$(sync) docs 1 conflict');
  });

  it('spins while a round runs, and says which links stopped or do not run, and why', () => {
    const links = [
      link({ state: 'syncing' }),
      link({ folder: 'specs', service: 'microsoft', remote: '/specs', state: 'error', lastError: 'sync stopped: $(x) 503', conflicts: 1 }),
      link({ folder: 'notes', service: 'google', remote: '/notes', state: 'offline', lastSync: null, lastError: 'not signed in to google' }),
      link({ folder: 'new', lastSync: null }),
    ];
    const syncing = docsyncStatus(status({ state: 'syncing' }, links), now);
    expect(syncing?.text).toBe('$(sync~spin) 4 folders 1 conflict');
    expect(syncing?.tooltip.split('\n')).toEqual([
      'docs ↔ google:/Documents/docs: syncing now',
      // a service's text never renders as an icon
      'specs ↔ microsoft:/specs: stopped — sync stopped: $\u200b(x) 503, 1 conflict to resolve',
      'notes ↔ google:/notes: not syncing — not signed in to google',
      'new ↔ google:/Documents/docs: not synced yet',
      'Click to show the conflicts.',
    ]);
    const stopped = docsyncStatus(status({ state: 'error' }, links.slice(1, 2)), now);
    expect(stopped?.text).toBe('$(sync-ignored) specs 1 conflict');
    expect(stopped?.severity).toBe('error');
  });

  it('runs Show Conflicts on click', () => {
    expect(SHOW_CONFLICTS).toBe('tieline.docsync.showConflicts');
  });

  it('says how long ago in words a glance takes in', () => {
    expect(ago('2026-12-02T15:29:45Z', now)).toBe('just now');
    expect(ago('2026-12-02T15:00:00Z', now)).toBe('30 min ago');
    expect(ago('2026-12-02T12:30:00Z', now)).toBe('3 h ago');
    expect(ago('2026-11-30T15:30:00Z', now)).toBe('2 days ago');
    expect(ago('2026-12-01T15:30:00Z', now)).toBe('1 day ago');
    expect(ago('2026-12-02T15:31:00Z', now)).toBe('just now'); // a clock a little ahead
    expect(ago(null, now)).toBeUndefined();
    expect(ago('soon', now)).toBeUndefined();
  });
});

describe('teamHubStatus', () => {
  const now = new Date('2026-12-03T18:10:00Z');
  const status = (teamHub: TeamHubStatus | null | undefined) => ({ overall: 'healthy' as const, connectors: [], teamHub });
  const hub = (over: Partial<TeamHubStatus>): TeamHubStatus => ({
    state: 'connected',
    url: 'https://hub.example.com/api/v1/events/stream',
    since: '2026-12-03T18:05:00Z',
    ...over,
  });

  it('is hidden when no team hub is configured (or the link is off)', () => {
    expect(teamHubStatus(undefined, now)).toBeUndefined();
    expect(teamHubStatus(status(undefined), now)).toBeUndefined();
    expect(teamHubStatus(status(null), now)).toBeUndefined();
    // The server sends no block when off; a shell that gets one anyway shows nothing.
    expect(teamHubStatus(status(hub({ state: 'off' as TeamHubStatus['state'] })), now)).toBeUndefined();
  });

  it('is a quiet broadcast icon while live, with the host, the last event and the lag in the tooltip', () => {
    expect(teamHubStatus(status(hub({ lastEventId: '42', lagSeconds: 1.4 })), now)).toEqual({
      text: '$(broadcast)',
      tooltip:
        'Team hub: live — changes from hub.example.com are pushed; services are polled only as a safety net.\n' +
        'Connected 5 min ago.\nLast event: 42, 1 s behind the hub.',
    });
    const fresh = teamHubStatus(status(hub({ lastEventId: '7', lagSeconds: 0.2, since: null })), now);
    expect(fresh?.tooltip).toBe(
      'Team hub: live — changes from hub.example.com are pushed; services are polled only as a safety net.\nLast event: 7, under a second behind the hub.',
    );
    expect(teamHubStatus(status(hub({ lagSeconds: 300, lastEventId: '8' })), now)?.tooltip).toContain('Last event: 8, 5 min behind the hub.');
    expect(teamHubStatus(status(hub({})), now)?.tooltip).toContain('No event yet.');
    expect(teamHubStatus(status(hub({})), now)?.severity).toBeUndefined();
  });

  it('spins while connecting, and says where a reconnect resumes', () => {
    const v = teamHubStatus(status(hub({ state: 'connecting', lastEventId: '41' })), now);
    expect(v).toEqual({ text: '$(loading~spin)', tooltip: 'Team hub: connecting to hub.example.com…\nResuming after event 41.' });
    expect(teamHubStatus(status(hub({ state: 'connecting', url: null })), now)?.tooltip).toBe('Team hub: connecting to the team hub…');
  });

  it('warns when the hub is unreachable, with the error, and that polling goes on', () => {
    const v = teamHubStatus(status(hub({ state: 'fallback', lastError: 'ConnectError: connection refused' })), now);
    expect(v).toEqual({
      text: '$(debug-disconnect) Team hub unreachable — polling',
      tooltip:
        'Team hub hub.example.com unreachable (since 5 min ago): ConnectError: connection refused.\n' +
        'Services are polled as usual; the link reconnects by itself and catches up.',
      severity: 'warning',
    });
  });

  it('warns when the hub refused its token and says which command stores a new one', () => {
    const v = teamHubStatus(status(hub({ state: 'auth_required', lastError: 'the hub refused the token (401)' })), now);
    expect(v?.text).toBe('$(key) Team hub: token needed');
    expect(v?.severity).toBe('warning');
    expect(v?.tooltip).toBe(
      'Team hub hub.example.com needs a new token: the hub refused the token (401).\n' +
        'Run `tieline teamhub token` in a terminal to store one; the server tries it within half a minute.\n' +
        'Until then, services are polled as usual.',
    );
  });

  it('never lets service text render as an icon', () => {
    const v = teamHubStatus(status(hub({ state: 'fallback', url: 'not a url $(zap)', lastError: 'boom $(flame)' })), now);
    expect(v?.tooltip).not.toContain('$(');
    const live = teamHubStatus(status(hub({ lastEventId: '$(x)' })), now);
    expect(live?.tooltip).not.toContain('$(');
  });
});
