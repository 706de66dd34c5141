/**
 * The protocol contract, checked from the shell's side: spawn the real Python server over
 * stdio with vscode-jsonrpc (the library vscode-languageclient is built on), point it at the
 * three-services scenario (GitHub, Jira, Linear) and a git checkout, and validate every
 * `tieline/*` request and reply against the server's published JSON schema with ajv. The tree
 * mapping, the status-bar summary and the sign-in flows the extension uses run on the real
 * replies: the Linear sign-in goes through `runSignIn` with scripted answers, as if typed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { itemChoices } from '../../src/commands';
import * as P from '../../src/protocol';
import { type Requester, runSignIn, runSignOut, serviceChoices, type SignInUi } from '../../src/signIn';
import { ciStatus, healthStatus } from '../../src/statusModel';
import { toNodeModel } from '../../src/treeModel';
import { makeWorld, pythonEnv, REPO_ROOT, SCHEMA_PATH, SOURCE_FILE, stopGroup, testPython, type World } from '../support/world';

const EXT_DIR = path.resolve(__dirname, '..', '..');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(schema, 'tieline');

function check(method: string, part: 'params' | 'result', value: unknown) {
  const ref = schema.methods[method]?.[part]?.$ref as string | undefined;
  expect(ref, `${method} ${part} in the schema`).toBeTruthy();
  const validate = ajv.getSchema(`tieline${ref}`);
  expect(validate, ref).toBeTruthy();
  const ok = validate!(value);
  expect(ok, `${method} ${part}: ${ajv.errorsText(validate!.errors)}\n${JSON.stringify(value, null, 2)}`).toBe(true);
}

let world: World;
let server: ChildProcess;
let conn: MessageConnection;
let stderr = '';
const changed: P.PanelChangedParams[] = [];
const shown: string[] = []; // window/showMessage from the server
let validated = 0;

/**
 * Send a request the way the extension does (see src/protocol.ts `NO_PARAMS`): methods without
 * params get an empty object, which JSON-RPC allows and every server library accepts. Both
 * sides of every `tieline/*` request are checked against the schema.
 */
async function request<R>(method: string, params?: unknown): Promise<R> {
  if (schema.methods[method]?.params === null) expect(params ?? P.NO_PARAMS, `${method} takes no params`).toEqual({});
  else check(method, 'params', params);
  const result = await conn.sendRequest<R>(method, params ?? P.NO_PARAMS);
  check(method, 'result', result);
  validated++;
  return result;
}

/** What the extension's sign-in flows talk to: the schema-checking request above. */
const requester: Requester = { sendRequest: (method, params) => request(method, params) };

/** Answers for the flows, as a person would give them; records what was shown. */
function scriptedUi(answers: { inputs?: string[]; picks?: string[] }) {
  const seen: string[] = [];
  const inputs = [...(answers.inputs ?? [])];
  const picks = [...(answers.picks ?? [])];
  const ui: SignInUi = {
    async pick(items, placeHolder) {
      seen.push(`pick: ${placeHolder} [${items.map((i) => i.label).join(', ')}]`);
      const want = picks.shift();
      return items.find((i) => i.label === want)?.value;
    },
    async input(spec) {
      seen.push(`input${spec.password ? ' (password)' : ''}: ${spec.placeHolder}`);
      return inputs.shift();
    },
    async deviceCode() {
      throw new Error('no device flow expected');
    },
    async openExternal(url) {
      seen.push(`open ${url}`);
    },
    async wait(_title, _interval, _timeout, probe) {
      return probe();
    },
    async confirm(message) {
      seen.push(`confirm: ${message}`);
      return true;
    },
    info: (m) => seen.push(`info: ${m}`),
    error: (m) => seen.push(`error: ${m}`),
    openSettings: (q) => seen.push(`settings: ${q}`),
  };
  return { ui, seen };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nserver stderr:\n${stderr.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Every item of a panel, groups and what they hold. */
async function itemsOf(panelId: string): Promise<P.TreeItem[]> {
  const out: P.TreeItem[] = [];
  for (const g of (await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId })).items) {
    out.push(g);
    if (g.hasChildren) out.push(...(await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId, parentId: g.id })).items);
  }
  return out;
}

const connectors = async () => (await request<P.ConnectorsResult>(P.CONNECTORS)).connectors;

beforeAll(async () => {
  world = await makeWorld('tieline-protocol-', { signInTo: ['linear'] });
  server = spawn(testPython(), ['-m', 'server', 'serve'], {
    cwd: REPO_ROOT,
    env: { ...pythonEnv(), ...world.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  server.stderr?.on('data', (d) => (stderr += String(d)));
  conn = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => ({})));
  conn.onRequest(() => null); // registerCapability, workDoneProgress/create, showMessageRequest...
  conn.onNotification('window/showMessage', (p: { message: string }) => shown.push(p.message));
  conn.onNotification(P.PANEL_CHANGED, (params: P.PanelChangedParams) => {
    check(P.PANEL_CHANGED, 'params', params);
    changed.push(params);
  });
  conn.listen();
  const root = pathToFileURL(world.workspace).href;
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: root,
    workspaceFolders: [{ uri: root, name: 'demo' }],
    capabilities: { workspace: { configuration: true, workspaceFolders: true }, window: { workDoneProgress: true, showDocument: { support: true } } },
    clientInfo: { name: 'tieline-protocol-test' },
  });
  conn.sendNotification('initialized', {});
}, 90_000);

afterAll(async () => {
  try {
    await Promise.race([conn?.sendRequest('shutdown').then(() => conn.sendNotification('exit')), new Promise((r) => setTimeout(r, 3000))]);
  } catch {
    /* already gone */
  }
  conn?.dispose();
  await stopGroup(server);
  const stopped = await world?.stop();
  expect(stopped?.violations ?? [], 'contract violations seen by the stand-ins').toEqual([]);
});

describe('tieline/* against the real server', () => {
  let panels: P.Panel[] = [];

  it('lists the My Work, CI, Agenda, Inbox, Tasks, Snippets, Docs and Integrations panels', async () => {
    panels = (await request<P.PanelsResult>(P.PANELS)).panels;
    expect(panels.map((p) => [p.id, p.title])).toEqual([
      ['work', 'My Work'],
      ['ci', 'CI'],
      ['agenda', 'Agenda'],
      ['inbox', 'Inbox'],
      ['tasks', 'Tasks'],
      ['snippets', 'Snippets'],
      ['docs', 'Docs'],
      ['integrations', 'Integrations'],
    ]);
  });

  it('answers tieline/connectors, and the sign-in menu is built from it', async () => {
    const list = await until('the Jira session', async () => {
      const l = await connectors();
      return l.find((c) => c.id === 'jira')?.accounts?.length ? l : undefined;
    });
    expect(list.map((c) => c.id)).toEqual(expect.arrayContaining(['github', 'gitlab', 'jira', 'linear']));
    const linear = list.find((c) => c.id === 'linear')!;
    expect(linear.accounts).toEqual([]);
    expect(linear.auth?.map((a) => a.method)).toContain('api_key');
    expect(list.find((c) => c.id === 'jira')?.auth?.find((a) => a.method === 'basic')?.usernameLabel).toBe('email');
    const menu = serviceChoices(list);
    expect(menu.find((c) => c.label === 'Linear')?.description).toBe('linear.app');
    expect(menu.find((c) => c.label === 'GitHub')?.detail).toBe('Signed in: octocat');
  });

  it("contributes tieline.connectors.<id>.* for every connector, as settings_docs writes them, and the README lists the ids", async () => {
    const ids = (await connectors()).map((c) => c.id);
    const pkg = JSON.parse(readFileSync(path.join(EXT_DIR, 'package.json'), 'utf8'));
    const props = pkg.contributes.configuration.properties as Record<string, unknown>;
    for (const id of ids) expect(Object.keys(props), id).toContain(`tieline.connectors.${id}.enabled`);
    const contributed = new Set(Object.keys(props).filter((k) => k.startsWith('tieline.connectors.')).map((k) => k.split('.')[2]));
    expect([...contributed].sort()).toEqual([...ids].sort());
    // The generator's check mode: exit 0 when package.json (and the other generated files) are current.
    const keys = execFileSync(testPython(), ['-m', 'server.hub.settings_docs', '--keys'], { cwd: REPO_ROOT, env: pythonEnv(), encoding: 'utf8' }).trim().split('\n');
    const shell = ['tieline.python', 'tieline.server.path', 'tieline.server.extraArgs', 'tieline.trace.server'];
    expect(Object.keys(props).filter((k) => !shell.includes(k))).toEqual(keys.map((k) => `tieline.${k}`));
    execFileSync(testPython(), ['-m', 'server.hub.settings_docs'], { cwd: REPO_ROOT, env: pythonEnv(), stdio: 'pipe' });
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| `tieline.connectors.<id>.*`'));
    expect(row, 'the VS Code settings table row').toBeTruthy();
    const listed = /ids as `tieline\/connectors` lists them: ([^;]+);/.exec(row!)?.[1].match(/`([^`]+)`/g)?.map((s) => s.slice(1, -1));
    expect(listed).toEqual(ids);
  });

  it("serves every panel's items, and the children of every item that has them, in the schema's shape", async () => {
    await until('My Work to fill', async () => {
      const r = await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'work' });
      return r.items.some((i) => i.hasChildren) ? r.items : undefined;
    });
    let seen = 0;
    const walk = async (panelId: string, parentId: string | undefined, depth: number): Promise<void> => {
      const params: P.PanelItemsParams = parentId ? { panelId, parentId } : { panelId };
      const { items } = await request<P.PanelItemsResult>(P.PANEL_ITEMS, params);
      for (const item of items) {
        seen++;
        const model = toNodeModel(panelId, item);
        expect(model.label).toBe(item.label);
        if (item.hasChildren && depth < 3) await walk(panelId, item.id, depth + 1);
      }
    };
    for (const p of panels) await walk(p.id, undefined, 0);
    expect(seen).toBeGreaterThan(panels.length);
  });

  it('merges GitHub pull requests and issues with the Jira issue in My Work, named by service and key', async () => {
    const items = await until('GitHub and Jira items', async () => {
      const all = await itemsOf('work');
      const labels = all.map((i) => i.label);
      return ['Retry flaky uploads', 'Speed up the test suite', 'Uploads fail on flaky networks', 'Checkout times out on slow networks'].every((l) => labels.includes(l)) ? all : undefined;
    });
    const proj = items.find((i) => i.key === world.scenario.jira.key);
    expect(proj?.service).toBe('jira');
    expect(items.find((i) => i.label === 'Speed up the test suite')?.service).toBe('github');
    expect(items.some((i) => i.service === 'linear')).toBe(false); // not signed in yet
    // The palette's Start Work offers these items with the ids their actions carry.
    const start = itemChoices(items, 'tieline.startWork').map((c) => c.args[0]);
    expect(start).toContain(`jira:acme.atlassian.net:${world.scenario.jira.key}`);
    const pr = itemChoices(items, 'tieline.checkoutPullRequest').find((c) => c.label.endsWith('Speed up the test suite'));
    expect(pr?.args[0]).toMatch(/^github:github\.com:octo-org\/demo#\d+$/);
  });

  it('signs in to Linear with an API key through the shell flow, from the Integrations item', async () => {
    const signInItem = (await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'integrations' })).items.find((i) => i.service === 'linear' && i.command?.command === 'tieline.signIn');
    expect(signInItem?.command?.arguments).toEqual(['linear', 'linear.app']);
    const [connector, host] = signInItem!.command!.arguments as string[];

    const wrong = scriptedUi({ inputs: ['lin_api_' + 'x'.repeat(40)] });
    expect(await runSignIn(requester, wrong.ui, { connector, host })).toBe(false);
    expect(wrong.seen[0]).toBe('input (password): API key');
    expect(wrong.seen[1]).toMatch(/^error: Sign in to Linear \(linear\.app\) failed: /);

    const before = changed.length;
    const right = scriptedUi({ inputs: [world.scenario.tokens.linear] });
    expect(await runSignIn(requester, right.ui, { connector, host })).toBe(true);
    expect(right.seen).toEqual(['input (password): API key']);

    const status = await request<P.AuthStatusResult>(P.AUTH_STATUS, { connector: 'linear' });
    expect(status.accounts.filter((a) => a.signedIn).map((a) => a.method)).toEqual(['api_key']);
    const account = await until('the Linear session', async () => (await connectors()).find((c) => c.id === 'linear')?.accounts?.[0]);
    expect(account.host).toBe('linear.app');
    await until('Signed in to Linear', async () => (shown.some((m) => m.startsWith('Signed in to Linear')) ? true : undefined));
    await until('tieline/panel/changed', async () => (changed.length > before ? true : undefined));
    const work = await until('ENG-12 in My Work', async () => {
      const all = await itemsOf('work');
      return all.some((i) => i.key === world.scenario.linear.key) ? all : undefined;
    });
    expect(work.find((i) => i.key === world.scenario.linear.key)?.service).toBe('linear');
    const integrations = (await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'integrations' })).items;
    expect(integrations.some((i) => i.service === 'linear' && i.label.includes(account.account))).toBe(true);
    expect(integrations.some((i) => i.service === 'linear' && i.command?.command === 'tieline.signIn')).toBe(false);
  }, 60_000);

  it("reports the branch's CI state in the CI panel, which the status bar turns into text", async () => {
    const top = await until('CI for the branch', async () => {
      const r = await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'ci' });
      return r.items.find((i) => i.contextValue === 'ci.success' && i.service === 'github');
    });
    const view = ciStatus((await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'ci' })).items);
    expect(view?.text).toContain('upload-retries');
    expect(view?.text).toContain('2 checks');
    expect(top.label).toBe('upload-retries');
  });

  it('answers tieline/status with a health report for each service', async () => {
    const status = await request<P.StatusResult>(P.STATUS);
    expect(['healthy', 'degraded', 'failing', 'disabled']).toContain(status.overall);
    expect(status.connectors.map((c) => c.connector)).toEqual(expect.arrayContaining(['github', 'jira', 'linear']));
    healthStatus(status); // must not throw on a real reply
  });

  it('answers tieline/auth/status with the signed-in accounts', async () => {
    const r = await request<P.AuthStatusResult>(P.AUTH_STATUS, {});
    expect(r.accounts.some((a) => a.signedIn && a.connector === 'github' && a.account === 'octocat')).toBe(true);
    expect(r.accounts.some((a) => a.signedIn && a.connector === 'jira')).toBe(true);
  });

  it('answers a hover on #1 with the issue card', async () => {
    const uri = pathToFileURL(`${world.workspace}/${SOURCE_FILE}`).href;
    const text = readFileSync(`${world.workspace}/${SOURCE_FILE}`, 'utf8');
    conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const line = text.split('\n').findIndex((l) => l.includes('#1'));
    const character = text.split('\n')[line].indexOf('#1') + 1;
    const hover = await until('a hover card', async () => {
      const h = await conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
      return h?.contents?.value?.includes('Uploads fail on flaky networks') ? h : undefined;
    });
    expect(hover.contents.value).toContain('Uploads fail on flaky networks');
  });

  it('signs out of Linear through the shell flow, and the Integrations panel offers the sign-in again', async () => {
    const { ui, seen } = scriptedUi({});
    expect(await runSignOut(requester, ui, { connector: 'linear' })).toBe(true);
    expect(seen[0]).toMatch(/^confirm: Sign out .+ from Linear \(linear\.app\)\?/);
    expect((await request<P.AuthStatusResult>(P.AUTH_STATUS, { connector: 'linear' })).accounts.filter((a) => a.signedIn)).toEqual([]);
    await until('the Sign in to Linear item', async () => {
      const items = (await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'integrations' })).items;
      return items.some((i) => i.service === 'linear' && i.command?.command === 'tieline.signIn') ? true : undefined;
    });
    expect(validated).toBeGreaterThan(20);
  });
});
