import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { affectsLaunch, answerConfiguration, expandPath, explicitSection, readLaunchSettings, serverSection } from '../../src/settings';

const reader = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

describe('readLaunchSettings', () => {
  it('reads and expands the launch settings', () => {
    const s = readLaunchSettings(
      reader({ 'server.path': '  ', python: '~/py/bin/python3', 'server.extraArgs': ['--log-level', 'debug', 3], 'trace.server': 'verbose' }),
      '/home/u',
    );
    expect(s).toEqual({ serverPath: undefined, python: '/home/u/py/bin/python3', extraArgs: ['--log-level', 'debug'], trace: 'verbose' });
  });

  it('defaults when nothing is set', () => {
    expect(readLaunchSettings(reader({}), '/h')).toEqual({ serverPath: undefined, python: undefined, extraArgs: [], trace: 'off' });
  });

  it('expands ${userHome}', () => {
    expect(expandPath('${userHome}/bin/tieline', '/home/u')).toBe('/home/u/bin/tieline');
    expect(expandPath('/opt/~x', '/home/u')).toBe('/opt/~x');
  });
});

describe('affectsLaunch', () => {
  it('restarts for interpreter and launch settings only', () => {
    expect(affectsLaunch((s) => s === 'tieline.python')).toBe(true);
    expect(affectsLaunch((s) => s === 'python.defaultInterpreterPath')).toBe(true);
    expect(affectsLaunch((s) => s === 'tieline.server.path')).toBe(true);
    expect(affectsLaunch((s) => s === 'tieline.sync.pollInterval')).toBe(false);
  });
});

describe('serverSection', () => {
  const section = {
    python: '/usr/bin/python3',
    server: { path: null, extraArgs: [] },
    trace: { server: 'off' },
    logLevel: 'debug',
    connectors: { github: { apiUrl: 'http://127.0.0.1:9000', account: null } },
  };

  it('drops the shell-only keys and keeps the server keys as they are', () => {
    expect(serverSection(section)).toEqual({
      logLevel: 'debug',
      connectors: { github: { apiUrl: 'http://127.0.0.1:9000', account: null } },
    });
    expect(serverSection(undefined)).toEqual({});
  });

  it('answers workspace/configuration for the tieline section and others', () => {
    const read = (s: string) => (s === 'tieline' ? section : s === 'tieline.logLevel' ? 'debug' : s === 'editor' ? { tabSize: 2 } : undefined);
    const tieline = () => ({ logLevel: 'debug' });
    expect(answerConfiguration([{ section: 'tieline' }, { section: 'tieline.python' }, { section: 'tieline.logLevel' }, { section: 'editor' }, {}, { section: 'nope' }], read, tieline)).toEqual([
      { logLevel: 'debug' },
      null,
      'debug',
      { tabSize: 2 },
      null,
      null,
    ]);
  });
});

describe('explicitSection', () => {
  const keys = ['tieline.python', 'tieline.server.path', 'tieline.trace.server', 'tieline.logLevel', 'tieline.connectors.github.apiUrl', 'tieline.connectors.github.enterpriseHosts', 'tieline.sync.pollInterval', 'tieline.network.caBundle'];
  it('sends only what the user set, nested, most specific scope first, never defaults or shell keys', () => {
    const inspected: Record<string, any> = {
      python: { globalValue: '/usr/bin/python3' },
      logLevel: { globalValue: 'warning', workspaceValue: 'debug' },
      'connectors.github.apiUrl': { defaultValue: 'https://api.github.com' },
      'connectors.github.enterpriseHosts': { globalValue: ['ghe.example.com'] },
      'sync.pollInterval': { workspaceValue: 30, workspaceFolderValue: 10 },
      'network.caBundle': { globalValue: null },
    };
    expect(explicitSection(keys, (k) => inspected[k])).toEqual({
      logLevel: 'debug',
      connectors: { github: { enterpriseHosts: ['ghe.example.com'] } },
      sync: { pollInterval: 10 },
    });
  });

  it('is empty when nothing is set, so the server keeps its own layers', () => {
    expect(explicitSection(keys, () => ({}))).toEqual({});
  });
});

describe('package.json settings', () => {
  it('contributes every server configuration key, camelCase, with a description and a default', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const props = pkg.contributes.configuration.properties as Record<string, any>;
    const serverKeys = [
      'logLevel',
      'connectors.github.enabled',
      'connectors.github.apiUrl',
      'connectors.github.webUrl',
      'connectors.github.clientId',
      'connectors.github.enterpriseHosts',
      'connectors.github.account',
      'connectors.github.accounts',
      'autolinks',
      'notifications.reviewRequested',
      'notifications.checkFailed',
      'notifications.issueAssigned',
      'notifications.pullRequestMerged',
      'notifications.issueClosed',
      'sync.pollInterval',
      'sync.jitter',
      'sync.refreshDebounce',
      'network.caBundle',
      'network.timeout',
      'branchTemplate',
    ];
    for (const key of [...serverKeys, 'python', 'server.path', 'trace.server']) {
      const p = props[`tieline.${key}`];
      expect(p, key).toBeDefined();
      expect(p.markdownDescription ?? p.description, key).toBeTruthy();
      expect('default' in p, key).toBe(true);
    }
    expect(props['tieline.logLevel'].enum).toEqual(['debug', 'info', 'warning', 'error']);
  });
});
