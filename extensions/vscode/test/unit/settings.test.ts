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
  const keys = ['tieline.python', 'tieline.server.path', 'tieline.trace.server', 'tieline.logLevel', 'tieline.connectors.github.apiUrl', 'tieline.connectors.github.hosts', 'tieline.sync.pollInterval', 'tieline.network.caBundle'];
  it('sends only what the user set, nested, most specific scope first, never defaults or shell keys', () => {
    const inspected: Record<string, any> = {
      python: { globalValue: '/usr/bin/python3' },
      logLevel: { globalValue: 'warning', workspaceValue: 'debug' },
      'connectors.github.apiUrl': { defaultValue: 'https://api.github.com' },
      'connectors.github.hosts': { globalValue: ['ghe.example.com'] },
      'sync.pollInterval': { workspaceValue: 30, workspaceFolderValue: 10 },
      'network.caBundle': { globalValue: null },
    };
    expect(explicitSection(keys, (k) => inspected[k])).toEqual({
      logLevel: 'debug',
      connectors: { github: { hosts: ['ghe.example.com'] } },
      sync: { pollInterval: 10 },
    });
  });

  it('is empty when nothing is set, so the server keeps its own layers', () => {
    expect(explicitSection(keys, () => ({}))).toEqual({});
  });
});

describe('explicitSection for several connectors', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const keys = Object.keys(pkg.contributes.configuration.properties);

  it('sends what the user set for each connector under its own id, and nothing else', () => {
    const inspected: Record<string, any> = {
      'connectors.github.hosts': { globalValue: ['ghe.example.com'] },
      'connectors.github.apiUrl': { defaultValue: 'https://api.github.com' },
      'connectors.gitlab.enabled': { globalValue: false },
      'connectors.jira.site': { workspaceValue: 'https://acme.atlassian.net' },
      'connectors.jira.deployment': { globalValue: 'cloud', workspaceFolderValue: 'datacenter' },
      'connectors.jira.account': { workspaceValue: null },
      'connectors.linear.apiUrl': { workspaceFolderValue: 'http://127.0.0.1:9001' },
      'connectors.linear.accounts': { globalValue: [{ host: 'linear.app', account: 'acme/ada@acme.test' }] },
    };
    expect(explicitSection(keys, (k) => inspected[k])).toEqual({
      connectors: {
        github: { hosts: ['ghe.example.com'] },
        gitlab: { enabled: false },
        jira: { site: 'https://acme.atlassian.net', deployment: 'datacenter' },
        linear: { apiUrl: 'http://127.0.0.1:9001', accounts: [{ host: 'linear.app', account: 'acme/ada@acme.test' }] },
      },
    });
  });

  it('asks VS Code about every contributed key of every connector', () => {
    const asked: string[] = [];
    explicitSection(keys, (k) => {
      asked.push(k);
      return {};
    });
    const connectorKeys = asked.filter((k) => k.startsWith('connectors.'));
    const ids = new Set(connectorKeys.map((k) => k.split('.')[1]));
    // Every connector package.json has settings for (the generator adds each new one).
    expect([...ids]).toEqual(expect.arrayContaining(['github', 'gitlab', 'jira', 'linear']));
    for (const id of ids) expect(connectorKeys, id).toContain(`connectors.${id}.enabled`);
    expect(asked.some((k) => k.startsWith('python') || k.startsWith('server.') || k.startsWith('trace.'))).toBe(false);
  });
});

describe('package.json settings', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<string, any>;

  it('contributes the server keys camelCase, with a description and a default, and the launch keys', () => {
    const common = ['enabled', 'apiUrl', 'webUrl', 'clientId', 'account', 'accounts'];
    const serverKeys = [
      'logLevel',
      ...['github', 'gitlab', 'jira', 'linear'].flatMap((id) => common.map((k) => `connectors.${id}.${k}`)),
      'connectors.github.hosts',
      'connectors.gitlab.hosts',
      'connectors.jira.site',
      'connectors.jira.deployment',
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

  it('has no snake_case server key (the generator camel-cases them)', () => {
    for (const key of Object.keys(props)) expect(key, key).not.toMatch(/_/);
  });
});
