/**
 * The protocol contract, checked from the shell's side: spawn the real Python server over
 * stdio with vscode-jsonrpc (the library vscode-languageclient is built on), point it at the
 * GitHub stand-in and a git checkout, and validate every `tieline/*` reply against the
 * server's published JSON schema with ajv. The tree mapping the extension uses must accept
 * every item the server sends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as P from '../../src/protocol';
import { ciStatus, healthStatus } from '../../src/statusModel';
import { toNodeModel } from '../../src/treeModel';
import { makeWorld, REPO_ROOT, SCHEMA_PATH, SOURCE_FILE, stopGroup, testPython, type World } from '../support/world';

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

/**
 * Send a request the way the extension does (see src/protocol.ts `NO_PARAMS`): methods without
 * params get an empty object, which JSON-RPC allows and every server library accepts.
 */
async function request<R>(method: string, params?: unknown): Promise<R> {
  if (params !== undefined) check(method, 'params', params);
  else expect(schema.methods[method]?.params, `${method} takes no params`).toBeNull();
  const result = await conn.sendRequest<R>(method, params ?? P.NO_PARAMS);
  check(method, 'result', result);
  return result;
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

beforeAll(async () => {
  world = await makeWorld('tieline-protocol-');
  server = spawn(testPython(), ['-m', 'server', 'serve'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...world.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  server.stderr?.on('data', (d) => (stderr += String(d)));
  conn = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => ({})));
  conn.onRequest(() => null); // registerCapability, workDoneProgress/create, showMessageRequest...
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
  await world?.stop();
});

describe('tieline/* against the real server', () => {
  let panels: P.Panel[] = [];

  it('lists panels that match the schema, including CI and Integrations', async () => {
    panels = (await request<P.PanelsResult>(P.PANELS)).panels;
    const ids = panels.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['pulls', 'issues', 'ci', 'integrations']));
  });

  it("serves every panel's items, and the children of every item that has them, in the schema's shape", async () => {
    // Wait for the first sync: the pull-request panel fills from the stand-in.
    const groups = await until('the pulls panel to fill', async () => {
      const r = await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'pulls' });
      return r.items.some((i) => i.hasChildren) ? r.items : undefined;
    });
    expect(groups.length).toBeGreaterThan(0);
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

  it("shows the stand-in's pull requests and issues", async () => {
    const labels = async (panelId: string) => {
      const out: string[] = [];
      for (const g of (await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId })).items) {
        if (!g.hasChildren) continue;
        for (const i of (await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId, parentId: g.id })).items) out.push(i.label);
      }
      return out;
    };
    const pulls = await until('pull requests', async () => {
      const l = await labels('pulls');
      return l.includes('Retry flaky uploads') && l.includes('Speed up the test suite') ? l : undefined;
    });
    expect(pulls).toContain('Speed up the test suite');
    const issues = await until('issues', async () => {
      const l = await labels('issues');
      return l.includes('Uploads fail on flaky networks') ? l : undefined;
    });
    expect(issues).toContain('Uploads fail on flaky networks');
  });

  it("reports the branch's CI state in the CI panel, which the status bar turns into text", async () => {
    const top = await until('CI for the branch', async () => {
      const r = await request<P.PanelItemsResult>(P.PANEL_ITEMS, { panelId: 'ci' });
      return r.items[0]?.contextValue?.startsWith('ci.') ? r.items[0] : undefined;
    });
    expect(top.contextValue).toBe('ci.success');
    const view = ciStatus([top]);
    expect(view?.text).toContain('upload-retries');
  });

  it('answers tieline/status with a health report', async () => {
    const status = await request<P.StatusResult>(P.STATUS);
    expect(['healthy', 'degraded', 'failing', 'disabled']).toContain(status.overall);
    expect(status.connectors.some((c) => c.connector === 'github')).toBe(true);
    healthStatus(status); // must not throw on a real reply
  });

  it('answers tieline/auth/status with the signed-in account', async () => {
    const r = await request<P.AuthStatusResult>(P.AUTH_STATUS, { connector: 'github' });
    expect(r.accounts.some((a) => a.signedIn && a.account === 'octocat')).toBe(true);
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
});
