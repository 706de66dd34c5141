import { describe, expect, it } from 'vitest';
import type { AccountStatus, ConnectorInfo, SignInResult } from '../../src/protocol';
import {
  type Choice,
  findTarget,
  type InputSpec,
  inputsFor,
  methodChoices,
  needsSignIn,
  runSignIn,
  runSignOut,
  serviceChoices,
  signInParams,
  type SignInUi,
  signOutChoices,
} from '../../src/signIn';

/** A `tieline/connectors` result like the server's for the three-services scenario. */
const CONNECTORS: ConnectorInfo[] = [
  {
    id: 'github',
    name: 'GitHub',
    description: 'Issues, pull requests and CI checks.',
    capabilities: ['IssueTracker', 'CodeHost', 'CIProvider'],
    attach: 'remote',
    hosts: ['github.com', 'ghe.example.com'],
    enabled: true,
    ready: true,
    auth: [
      { method: 'device', label: 'Sign in with a one-time code' },
      { method: 'pkce', label: 'Sign in with the browser' },
      { method: 'token', label: 'Paste a personal access token', secretLabel: 'Token', help: 'Create a token at the settings page.' },
    ],
    accounts: [{ host: 'github.com', account: 'octocat', state: 'healthy' }],
  },
  {
    id: 'gitlab',
    name: 'GitLab',
    description: 'Merge requests and pipelines.',
    capabilities: ['IssueTracker'],
    attach: 'remote',
    hosts: ['gitlab.com'],
    enabled: false,
    auth: [{ method: 'token', label: 'Paste a personal access token', secretLabel: 'Token' }],
  },
  {
    id: 'jira',
    name: 'Jira',
    description: 'Issues from Jira.',
    capabilities: ['IssueTracker'],
    attach: 'site',
    hosts: ['acme.atlassian.net'],
    ready: true,
    auth: [
      { method: 'basic', label: "Paste an API token (with your account's email)", secretLabel: 'API token', usernameLabel: 'email', help: 'Create an API token.' },
      { method: 'token', label: 'Paste a personal access token', secretLabel: 'Token' },
    ],
    accounts: [],
  },
  {
    id: 'linear',
    name: 'Linear',
    description: 'Issues from Linear.',
    capabilities: ['IssueTracker'],
    attach: 'account',
    hosts: ['linear.app'],
    auth: [{ method: 'api_key', label: 'Paste an API key', secretLabel: 'API key', help: 'Create a personal API key.' }],
    accounts: [],
  },
  { id: 'confluence', name: 'Confluence', capabilities: ['DocumentStore'], attach: 'site', hosts: [], ready: false, auth: [{ method: 'basic', label: 'Paste an API token', secretLabel: 'API token', usernameLabel: 'email' }] },
  { id: 'rss', name: 'Feeds', capabilities: ['DocsSource'], attach: 'account', auth: [] },
];

type Call = { method: string; params: unknown };

/** A server that answers from a script and records every request. */
function fakeServer(answers: {
  signIn?: (params: any) => SignInResult;
  status?: () => AccountStatus[];
  signOut?: (params: any) => unknown;
  connectors?: ConnectorInfo[];
}) {
  const calls: Call[] = [];
  return {
    calls,
    async sendRequest<R>(method: string, params: unknown): Promise<R> {
      calls.push({ method, params });
      switch (method) {
        case 'tieline/connectors':
          return { connectors: answers.connectors ?? CONNECTORS } as R;
        case 'tieline/auth/signIn':
          return (answers.signIn?.(params) ?? { state: 'failed', message: 'unscripted' }) as R;
        case 'tieline/auth/status':
          return { accounts: answers.status?.() ?? [] } as R;
        case 'tieline/auth/signOut':
          return (answers.signOut?.(params) ?? { signedOut: true }) as R;
      }
      throw new Error(`unexpected ${method}`);
    },
  };
}

/** A UI that answers from a script and records what it showed. */
function scriptedUi(script: { pick?: string[]; input?: (string | undefined)[]; deviceCode?: boolean; confirm?: boolean }) {
  const shown: string[] = [];
  const picks = [...(script.pick ?? [])];
  const inputs = [...(script.input ?? [])];
  const inputSpecs: InputSpec[] = [];
  const pickLists: Choice<unknown>[][] = [];
  const ui: SignInUi = {
    async pick<T>(items: Choice<T>[], placeHolder: string) {
      pickLists.push(items as Choice<unknown>[]);
      shown.push(`pick: ${placeHolder}`);
      const want = picks.shift();
      if (want === undefined) return undefined;
      const found = items.find((i) => `${i.label}${i.description ? ` ${i.description}` : ''}` === want || i.label === want);
      if (!found) throw new Error(`no choice ${want} in ${items.map((i) => i.label).join(', ')}`);
      return found.value;
    },
    async input(spec) {
      inputSpecs.push(spec);
      shown.push(`input${spec.password ? ' (password)' : ''}: ${spec.placeHolder}`);
      return inputs.shift();
    },
    async deviceCode(code, service) {
      shown.push(`device code ${code.userCode} for ${service}`);
      return script.deviceCode ?? true;
    },
    async openExternal(url) {
      shown.push(`open ${url}`);
    },
    async wait(title, _interval, _timeout, probe) {
      shown.push(`progress: ${title}`);
      for (let i = 0; i < 5; i++) {
        const v = await probe();
        if (v !== undefined) return v;
      }
      return undefined;
    },
    async confirm(message) {
      shown.push(`confirm: ${message}`);
      return script.confirm ?? true;
    },
    info: (m) => shown.push(`info: ${m}`),
    error: (m) => shown.push(`error: ${m}`),
    openSettings: (q) => shown.push(`settings: ${q}`),
  };
  return { ui, shown, inputSpecs, pickLists };
}

describe('the sign-in menu, from tieline/connectors', () => {
  it('lists every enabled connector with a sign-in, once per host, with who is signed in there', () => {
    const choices = serviceChoices(CONNECTORS);
    expect(choices.map((c) => [c.label, c.description, c.detail])).toEqual([
      ['GitHub', 'github.com', 'Signed in: octocat'],
      ['GitHub', 'ghe.example.com', 'Issues, pull requests and CI checks.'],
      ['Jira', 'acme.atlassian.net', 'Issues from Jira.'],
      ['Linear', 'linear.app', 'Issues from Linear.'],
      ['Confluence', undefined, 'Needs its settings first (tieline.connectors.confluence.*)'],
    ]);
    expect(choices[1].value).toEqual({ connector: CONNECTORS[0], host: 'ghe.example.com' });
  });

  it("offers the connector's own auth options, in its order", () => {
    expect(methodChoices(CONNECTORS[0]).map((c) => [c.label, c.value.method])).toEqual([
      ['Sign in with a one-time code', 'device'],
      ['Sign in with the browser', 'pkce'],
      ['Paste a personal access token', 'token'],
    ]);
  });

  it('finds the target tieline.signIn [id, host] names', () => {
    expect(findTarget(CONNECTORS, 'linear')).toEqual({ connector: CONNECTORS[3], host: 'linear.app' });
    expect(findTarget(CONNECTORS, 'github')?.host).toBeUndefined(); // two hosts: the server picks its default
    expect(findTarget(CONNECTORS, 'github', 'ghe.example.com')?.host).toBe('ghe.example.com');
    expect(findTarget(CONNECTORS, 'github', 'new.example.com')?.host).toBe('new.example.com');
    expect(findTarget(CONNECTORS, 'nope')).toBeUndefined();
  });

  it('asks for a secret without echo, and for basic the user name first', () => {
    const linear = { connector: CONNECTORS[3], host: 'linear.app' };
    expect(inputsFor(CONNECTORS[3].auth![0], linear)).toEqual({
      secret: { title: 'Sign in to Linear (linear.app)', prompt: 'Create a personal API key.', placeHolder: 'API key', password: true },
    });
    const jira = { connector: CONNECTORS[2], host: 'acme.atlassian.net' };
    const basic = inputsFor(CONNECTORS[2].auth![0], jira);
    expect(basic.username).toEqual({ title: 'Sign in to Jira (acme.atlassian.net)', prompt: 'Your email at Jira', placeHolder: 'email', password: false });
    expect(basic.secret?.password).toBe(true);
    expect(basic.secret?.placeHolder).toBe('API token');
    expect(inputsFor(CONNECTORS[0].auth![0], { connector: CONNECTORS[0] })).toEqual({}); // device: nothing to ask
    expect(inputsFor({ method: 'token', label: 'Paste' }, { connector: CONNECTORS[0] }).secret?.prompt).toBe('Paste your GitHub token');
  });

  it('builds SignInParams with only what is known', () => {
    const t = { connector: CONNECTORS[2], host: 'acme.atlassian.net' };
    expect(signInParams(t, CONNECTORS[2].auth![0], { username: 'mia@example.com', token: 's3cret' })).toEqual({
      connector: 'jira',
      host: 'acme.atlassian.net',
      method: 'basic',
      username: 'mia@example.com',
      token: 's3cret',
    });
    expect(signInParams({ connector: CONNECTORS[0] }, CONNECTORS[0].auth![1])).toEqual({ connector: 'github', method: 'pkce' });
  });

  it('needs a sign-in only while no connector has an account', () => {
    expect(needsSignIn(CONNECTORS)).toBe(false);
    expect(needsSignIn(CONNECTORS.map((c) => ({ ...c, accounts: [] })))).toBe(true);
    expect(needsSignIn([])).toBe(true);
  });
});

describe('running a sign-in', () => {
  it('api_key: service pick, one method so no method pick, a password box, then signIn with the key', async () => {
    const server = fakeServer({ signIn: () => ({ state: 'signedIn', account: 'acme/ada@acme.test' }) });
    const { ui, shown } = scriptedUi({ pick: ['Linear linear.app'], input: ['  lin_api_key  '] });
    expect(await runSignIn(server, ui)).toBe(true);
    expect(shown).toEqual(['pick: Sign in to which service?', 'input (password): API key']);
    expect(server.calls.map((c) => c.method)).toEqual(['tieline/connectors', 'tieline/auth/signIn']);
    expect(server.calls[1].params).toEqual({ connector: 'linear', host: 'linear.app', method: 'api_key', token: 'lin_api_key' });
  });

  it('basic: method pick, the user name, then the secret', async () => {
    const server = fakeServer({ signIn: () => ({ state: 'signedIn', account: 'mia@example.com' }) });
    const { ui, shown } = scriptedUi({ pick: ['Jira', "Paste an API token (with your account's email)"], input: ['mia@example.com', 'ATATT-token'] });
    expect(await runSignIn(server, ui)).toBe(true);
    expect(shown).toEqual(['pick: Sign in to which service?', 'pick: How do you want to sign in to Jira?', 'input: email', 'input (password): API token']);
    expect(server.calls[1].params).toEqual({ connector: 'jira', host: 'acme.atlassian.net', method: 'basic', username: 'mia@example.com', token: 'ATATT-token' });
  });

  it('tieline.signIn [id, host] skips the service pick', async () => {
    const server = fakeServer({ signIn: () => ({ state: 'signedIn', account: 'acme/ada@acme.test' }) });
    const { ui, shown } = scriptedUi({ input: ['lin_api_key'] });
    expect(await runSignIn(server, ui, { connector: 'linear', host: 'linear.app' })).toBe(true);
    expect(shown).toEqual(['input (password): API key']);
  });

  it('device: shows the code, then progress until a new account appears', async () => {
    let polls = 0;
    const server = fakeServer({
      signIn: () => ({ state: 'pending', deviceCode: { userCode: 'ABCD-1234', verificationUri: 'https://example.com/device', expiresIn: 900, interval: 5 } }),
      status: () => (polls++ < 2 ? [{ connector: 'github', host: 'github.com', account: 'octocat', signedIn: true }] : [
        { connector: 'github', host: 'github.com', account: 'octocat', signedIn: true },
        { connector: 'github', host: 'github.com', account: 'hubot', signedIn: true },
      ]),
    });
    const { ui, shown } = scriptedUi({ pick: ['GitHub github.com', 'Sign in with a one-time code'] });
    expect(await runSignIn(server, ui)).toBe(true);
    expect(shown).toEqual([
      'pick: Sign in to which service?',
      'pick: How do you want to sign in to GitHub?',
      'device code ABCD-1234 for GitHub',
      'progress: Waiting for GitHub (github.com) sign-in…',
    ]);
    expect(server.calls.find((c) => c.method === 'tieline/auth/signIn')?.params).toEqual({ connector: 'github', host: 'github.com', method: 'device' });
    expect(server.calls.filter((c) => c.method === 'tieline/auth/status')[0].params).toEqual({ connector: 'github', host: 'github.com' });
  });

  it('device: dismissing the code modal stops without waiting', async () => {
    const server = fakeServer({ signIn: () => ({ state: 'pending', deviceCode: { userCode: 'X', verificationUri: 'https://e/d', expiresIn: 60 } }) });
    const { ui, shown } = scriptedUi({ pick: ['GitHub github.com', 'Sign in with a one-time code'], deviceCode: false });
    expect(await runSignIn(server, ui)).toBe(false);
    expect(shown.some((s) => s.startsWith('progress'))).toBe(false);
  });

  it('pkce: opens browserUrl and waits; a re-sign-in of the same account counts once its grant changes', async () => {
    let polls = 0;
    const server = fakeServer({
      signIn: () => ({ state: 'pending', browserUrl: 'https://example.com/authorize?state=xyz' }),
      status: () => [{ connector: 'github', host: 'github.com', account: 'octocat', signedIn: true, expiresAt: polls++ < 2 ? '2026-01-01T00:00:00Z' : '2026-02-01T00:00:00Z' }],
    });
    const { ui, shown } = scriptedUi({ pick: ['GitHub github.com', 'Sign in with the browser'] });
    expect(await runSignIn(server, ui)).toBe(true);
    expect(shown.slice(2)).toEqual(['open https://example.com/authorize?state=xyz', 'progress: Waiting for GitHub (github.com) sign-in…']);
  });

  it('pkce: no new account before the progress ends means no sign-in', async () => {
    const server = fakeServer({ signIn: () => ({ state: 'pending', browserUrl: 'https://e/a' }), status: () => [] });
    const { ui } = scriptedUi({ pick: ['GitHub ghe.example.com', 'Sign in with the browser'] });
    expect(await runSignIn(server, ui)).toBe(false);
  });

  it("shows the server's failure and sends nothing when a box is dismissed", async () => {
    const server = fakeServer({ signIn: () => ({ state: 'failed', message: 'the key was refused' }) });
    const failed = scriptedUi({ pick: ['Linear'], input: ['wrong'] });
    expect(await runSignIn(server, failed.ui)).toBe(false);
    expect(failed.shown.at(-1)).toBe('error: Sign in to Linear (linear.app) failed: the key was refused');

    const quiet = fakeServer({});
    const dismissed = scriptedUi({ pick: ['Jira', "Paste an API token (with your account's email)"], input: ['mia@example.com', undefined] });
    expect(await runSignIn(quiet, dismissed.ui)).toBe(false);
    expect(quiet.calls.map((c) => c.method)).toEqual(['tieline/connectors']);
    const nothing = scriptedUi({});
    expect(await runSignIn(quiet, nothing.ui)).toBe(false); // the service pick dismissed
  });

  it('sends a connector that needs settings to the Settings editor, and names unknown ones', async () => {
    const server = fakeServer({});
    const { ui, shown } = scriptedUi({ pick: ['Confluence'] });
    expect(await runSignIn(server, ui)).toBe(false);
    expect(shown.slice(1)).toEqual(['info: Confluence needs its settings first (tieline.connectors.confluence.*).', 'settings: tieline.connectors.confluence']);
    const unknown = scriptedUi({});
    expect(await runSignIn(server, unknown.ui, { connector: 'nope' })).toBe(false);
    expect(unknown.shown).toEqual(['error: Tieline has no service "nope" to sign in to.']);
    expect(server.calls.filter((c) => c.method === 'tieline/auth/signIn')).toEqual([]);
  });

  it('a method this shell does not know yet is sent as it is, and its result handled by its shape', async () => {
    const future: ConnectorInfo = { id: 'x', name: 'X', capabilities: [], attach: 'account', hosts: ['x.test'], auth: [{ method: 'passkey' as never, label: 'Use a passkey' }] };
    let polls = 0;
    const server = fakeServer({
      connectors: [future],
      signIn: () => ({ state: 'pending', browserUrl: 'https://x.test/p' }),
      status: () => (polls++ === 0 ? [] : [{ connector: 'x', host: 'x.test', account: 'me', signedIn: true }]),
    });
    const { ui, shown } = scriptedUi({ pick: ['X'] });
    expect(await runSignIn(server, ui)).toBe(true);
    expect(shown).toContain('open https://x.test/p');
  });
});

describe('signing out', () => {
  const accounts: AccountStatus[] = [
    { connector: 'github', host: 'github.com', account: 'octocat', signedIn: true },
    { connector: 'linear', host: 'linear.app', account: 'acme/ada@acme.test', signedIn: true },
    { connector: 'jira', host: 'acme.atlassian.net', account: 'old', signedIn: false },
  ];

  it('names each signed-in account by its service', () => {
    expect(signOutChoices(accounts, CONNECTORS).map((c) => [c.label, c.description])).toEqual([
      ['octocat', 'GitHub · github.com'],
      ['acme/ada@acme.test', 'Linear · linear.app'],
    ]);
  });

  it('picks among the accounts, confirms, and signs out the one picked', async () => {
    const server = fakeServer({ status: () => accounts, signOut: () => ({ signedOut: true, revoked: true }) });
    const { ui, shown } = scriptedUi({ pick: ['acme/ada@acme.test'] });
    expect(await runSignOut(server, ui)).toBe(true);
    expect(server.calls.find((c) => c.method === 'tieline/auth/signOut')?.params).toEqual({ connector: 'linear', host: 'linear.app', account: 'acme/ada@acme.test' });
    expect(shown).toEqual([
      'pick: Sign out of which account?',
      'confirm: Sign out acme/ada@acme.test from Linear (linear.app)? Tieline forgets its credentials.',
      'info: Signed out acme/ada@acme.test from Linear (linear.app); the token was revoked at the service.',
    ]);
  });

  it('does nothing when the confirmation is declined or nobody is signed in', async () => {
    const server = fakeServer({ status: () => accounts.slice(0, 1) });
    expect(await runSignOut(server, scriptedUi({ confirm: false }).ui)).toBe(false);
    expect(server.calls.some((c) => c.method === 'tieline/auth/signOut')).toBe(false);
    const empty = scriptedUi({});
    expect(await runSignOut(fakeServer({ status: () => [] }), empty.ui)).toBe(false);
    expect(empty.shown).toEqual(['info: No account is signed in.']);
  });
});
