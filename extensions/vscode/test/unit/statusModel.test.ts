import { describe, expect, it } from 'vitest';
import { ciStatus, healthStatus } from '../../src/statusModel';

describe('ciStatus', () => {
  it('shows the branch, its checks and an error background when failing', () => {
    const v = ciStatus([{ id: 'ci/feature', label: 'feature', description: '1/2 checks failed', icon: 'error', contextValue: 'ci.failure', hasChildren: true }]);
    expect(v).toEqual({
      text: '$(error) feature 1/2 checks failed',
      tooltip: 'CI for feature: failing (1/2 checks failed). Click to open the CI panel.',
      severity: 'error',
    });
  });

  it('spins while pending and is calm when passing', () => {
    expect(ciStatus([{ id: 'c', label: 'main', icon: 'sync', contextValue: 'ci.pending' }])?.text).toBe('$(sync~spin) main');
    const ok = ciStatus([{ id: 'c', label: 'main', icon: 'pass', description: '3 checks passed', contextValue: 'ci.success' }]);
    expect(ok?.text).toBe('$(pass) main 3 checks passed');
    expect(ok?.severity).toBeUndefined();
  });

  it('shows only an icon for placeholder items and nothing for an empty panel', () => {
    expect(ciStatus([{ id: 'ci/none', label: 'No branch checked out', icon: 'info' }])).toEqual({ text: '$(info)', tooltip: 'Tieline CI: No branch checked out' });
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
    expect(healthStatus({ overall: 'degraded', connectors: [{ connector: 'github', state: 'degraded' }] })?.severity).toBe('warning');
  });
});
