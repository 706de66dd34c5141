/**
 * End to end in real VS Code: code-server 4.100.3 (VS Code 1.100) driven by playwright-core
 * and Debian's Chromium. The freshly built .vsix is installed into a fresh profile, a git
 * checkout with a github.com remote is opened, and the server (started by the extension from
 * its own private environment) talks to the three-services scenario: GitHub and Jira through
 * environment tokens, Linear after the test signs in to it through the UI. Screenshots land
 * in e2e/artifacts/. The checkout has a second remote on gitlab.com whose CI (a GitLab stand-in)
 * shows in the CI panel beside GitHub's, and a GitLab job's log opens as a document.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BRANCH, DIAGRAM_FILE, GITLAB_PROJECT, makeWorld, SOURCE_FILE, stopGroup, type World } from '../test/support/world';

const EXT_DIR = path.resolve(__dirname, '..');
const VSIX = path.join(EXT_DIR, 'dist', 'tieline.vsix');
const CODE_SERVER = path.join(__dirname, 'node_modules', '.bin', 'code-server');
const ARTIFACTS = path.join(__dirname, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();

let world: World;
let codeServer: ChildProcess;
let browser: Browser;
let page: Page;
let userDataDir: string;
let log = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Processes whose command line contains `needle` (from /proc, no ps needed). */
function processesWith(needle: string): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const entry of require('node:fs').readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (args.includes(needle)) out.push({ pid: Number(entry), args });
    } catch {
      /* exited */
    }
  }
  return out;
}

function withoutPythonPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { PYTHONPATH: _, ...rest } = env;
  return rest;
}

async function shot(name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

async function runCommand(title: string) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Open `file` through Quick Open and wait until the editor shows a line with `shown`. */
async function openFile(file: string, shown: string) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(path.basename(file));
  await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).first().waitFor();
  await page.keyboard.press('Enter');
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-line', { hasText: shown }).waitFor({ timeout: 30_000 });
  return editor;
}

beforeAll(async () => {
  expect(existsSync(VSIX), `${VSIX} (run npm run vsix first)`).toBe(true);
  world = await makeWorld('tieline-e2e-', { signInTo: ['linear'], gitlab: true });
  userDataDir = path.join(world.dir, 'code-user');
  const extensionsDir = path.join(world.dir, 'code-extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'git.autoRepositoryDetection': false,
        'tieline.logLevel': 'debug',
      },
      null,
      2,
    ),
  );
  const config = path.join(world.dir, 'code-server.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  execFileSync(CODE_SERVER, [...common, '--install-extension', VSIX], { stdio: 'pipe', timeout: 120_000 });

  const port = await freePort();
  codeServer = spawn(
    CODE_SERVER,
    [
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ...common,
      world.workspace,
    ],
    // No PYTHONPATH: the server must run from the wheel the .vsix installed, not a checkout.
    { env: { ...withoutPythonPath(process.env), ...world.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  codeServer.stdout?.on('data', (d) => (log += String(d)));
  codeServer.stderr?.on('data', (d) => (log += String(d)));
  const deadline = Date.now() + 60_000;
  while (!/HTTP server listening/.test(log)) {
    if (Date.now() > deadline || codeServer.exitCode !== null) throw new Error(`code-server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 2000 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(world.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopGroup(codeServer, 5000);
  // The extension host and the server child may outlive code-server: stop them by PID.
  if (userDataDir) {
    for (const p of processesWith(userDataDir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  const stopped = await world?.stop();
  mkdirSync(ARTIFACTS, { recursive: true });
  if (log) writeFileSync(path.join(ARTIFACTS, 'code-server.log'), log);
  expect(stopped?.violations ?? [], 'contract violations seen by the stand-ins').toEqual([]);
});

const sidebar = () => page.locator('#workbench\\.parts\\.sidebar');
const row = (text: string) => sidebar().locator('.monaco-list-row', { hasText: text }).first();

/**
 * Scroll the `pane` panel's list until a row with `text` is drawn (VS Code draws only the rows
 * in view, and Integrations lists a sign-in row for each of many services).
 */
async function reveal(paneTitle: string, text: string) {
  const pane = sidebar().locator('.pane').filter({ has: page.locator('.pane-header', { hasText: paneTitle }) });
  const list = pane.locator('.monaco-list').first();
  await list.waitFor({ timeout: 30_000 });
  for (let i = 0; i < 40 && (await row(text).count()) === 0; i++) {
    await list.hover();
    await page.mouse.wheel(0, 90);
    await new Promise((r) => setTimeout(r, 100));
  }
  return row(text);
}

/** Expand `group` until `child` shows under it (refreshing while the sync has not filled it). */
async function expand(group: string, child: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = row(group);
    await r.waitFor({ timeout: 30_000 });
    if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
    try {
      await row(child).waitFor({ timeout: 3000 });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no ${child} under ${group}`);
      // Not synced yet: collapse, refresh, try again.
      if ((await r.getAttribute('aria-expanded')) === 'true') await r.click();
      await runCommand('Tieline: Refresh Panels');
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await shot(`failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
  }
});

describe('Tieline in VS Code (code-server 4.100.3)', () => {
  it('activates and starts the server from its own private environment', async () => {
    const venv = path.join(userDataDir, 'User', 'globalStorage', 'tieline.tieline', 'venv');
    const deadline = Date.now() + 180_000;
    let found: { pid: number; args: string }[] = [];
    while (Date.now() < deadline) {
      found = processesWith(venv).filter((p) => /\btieline serve\b/.test(p.args));
      if (found.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(found.length, `a 'tieline serve' process under ${venv}\n${log.slice(-2000)}`).toBeGreaterThan(0);
    expect(found[0].args).toMatch(/venv\/bin\/(python\S* \S*venv\/bin\/)?tieline serve/);
    expect(existsSync(path.join(venv, 'tieline-install.json'))).toBe(true);
    // Nothing the server writes lands in the user's checkout.
    await new Promise((r) => setTimeout(r, 3000));
    expect(execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: world.workspace, encoding: 'utf8' })).toBe('');
  }, 200_000);

  it('shows My Work with pull requests and issues from GitHub and Jira in the Tieline side bar', async () => {
    const header = sidebar().locator('.pane-header', { hasText: 'My Work' });
    await expect
      .poll(
        async () => {
          if (!(await sidebar().locator('.composite.title', { hasText: 'Tieline' }).isVisible())) {
            await page.locator('.activitybar [aria-label^="Tieline"]').first().click();
          }
          return header.isVisible();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(true);
    for (const title of ['CI', 'Integrations']) await expect(sidebar().locator('.pane-header', { hasText: title }).count()).resolves.toBeGreaterThan(0);
    // Signed in with tokens: no welcome view asking to sign in.
    await expect.poll(() => sidebar().getByRole('button', { name: 'Sign In…' }).count(), { timeout: 15_000 }).toBe(0);
    await expand('Needs my review', 'Speed up the test suite');
    await expand('My pull & merge requests', 'Retry flaky uploads');
    await expand('Assigned to me', 'Uploads fail on flaky networks');
    await row('Checkout times out on slow networks').waitFor({ timeout: 30_000 });
    expect(await row('Checkout times out on slow networks').innerText()).toContain(`Jira · ${world.scenario.jira.key}`);
    expect(await row('Uploads fail on flaky networks').innerText()).toContain('GitHub');
    // The server's inline action shows on hover (the menus' `view =~` matches the panel views).
    await row('Retry flaky uploads').hover();
    await row('Retry flaky uploads').locator('.action-label[aria-label="Open in Browser"]').waitFor({ timeout: 10_000 });
    await shot('my-work');
  }, 150_000);

  it('signs in to Linear through the UI: QuickPick, password box, and Integrations shows the account', async () => {
    const input = page.locator('.quick-input-widget .quick-input-box input.input');
    // The Integrations panel's item preselects its service: straight to the key, never echoed.
    await (await reveal('Integrations', 'Sign in to Linear')).click();
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => input.getAttribute('type'), { timeout: 10_000 }).toBe('password');
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden' });

    // The palette command asks which service first, from the server's connectors.
    await runCommand('Tieline: Sign In…');
    const services = page.locator('.quick-input-list .monaco-list-row');
    await services.filter({ hasText: 'Linear' }).first().waitFor({ timeout: 30_000 });
    const labels = await services.allInnerTexts();
    for (const name of ['GitHub', 'Jira', 'Linear']) expect(labels.join('\n')).toContain(name);
    expect(labels.find((l) => l.includes('GitHub'))).toContain('Signed in: octocat');
    await shot('sign-in-services');
    await services.filter({ hasText: 'Linear' }).first().click();
    await expect.poll(() => input.getAttribute('type'), { timeout: 30_000 }).toBe('password');
    await expect(page.locator('.quick-input-widget').innerText()).resolves.toContain('Sign in to Linear');
    await input.fill(world.scenario.tokens.linear);
    await shot('sign-in-key');
    await page.keyboard.press('Enter');

    const account = row('Linear (');
    await account.waitFor({ timeout: 60_000 });
    expect(await account.innerText()).toMatch(/Linear \(.+\)/);
    await expect.poll(() => row('Sign in to Linear').count(), { timeout: 30_000 }).toBe(0);
    // ...and its issue joins My Work, beside GitHub's and Jira's.
    await expand('Assigned to me', 'Flaky login on Safari');
    expect(await row('Flaky login on Safari').innerText()).toContain(`Linear · ${world.scenario.linear.key}`);
    // Widen the side bar (drag its sash) so the screenshot shows each item's service and key.
    const box = await sidebar().boundingBox();
    if (box) {
      await page.mouse.move(box.x + box.width, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width + 160, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    await row('Flaky login on Safari').hover();
    await shot('tree-view');
    // The side bar down to the last Integrations row (media/tree-view.png is this picture).
    await page.keyboard.press('Escape'); // the previous test's hover card
    const pane = sidebar().locator('.pane').filter({ has: page.locator('.pane-header', { hasText: 'Integrations' }) });
    const last = await pane.locator('.monaco-list-row').last().boundingBox();
    const bar = await sidebar().boundingBox();
    if (bar) {
      const height = last ? Math.min(bar.height, last.y + last.height + 16 - bar.y) : bar.height;
      await page.screenshot({ path: path.join(ARTIFACTS, 'tree-view-sidebar.png'), clip: { x: bar.x, y: bar.y, width: bar.width, height } });
    }
  }, 150_000);

  it("shows the branch's CI state in the status bar", async () => {
    const item = page.locator('.statusbar-item[id$="tieline.ci"]');
    await expect.poll(async () => (await item.count()) > 0 && (await item.innerText()), { timeout: 60_000, interval: 500 }).toContain(BRANCH);
    expect(await item.innerText()).toContain('2 checks');
    expect(await item.locator('.codicon-pass').count()).toBe(1);
    await shot('status-bar');
  }, 90_000);

  it('shows the issue card when hovering #1 in a comment', async () => {
    await openFile(SOURCE_FILE, 'Fixes #1');
    const text = readFileSync(path.join(world.workspace, SOURCE_FILE), 'utf8').split('\n');
    const line = text.findIndex((l) => l.includes('#1')) + 1;
    const column = text[line - 1].indexOf('#1') + 2;
    const hover = page.locator('.monaco-hover .rendered-markdown', { hasText: 'Uploads fail on flaky networks' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await runCommand('Go to Line/Column');
      await page.keyboard.type(`${line}:${column}`);
      await page.keyboard.press('Enter');
      await runCommand('Show or Focus Hover');
      try {
        await hover.first().waitFor({ timeout: 4000 });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('no hover card for #1');
        await page.keyboard.press('Escape');
      }
    }
    await shot('hover');
    const box = await page.locator('.monaco-hover').filter({ hasText: 'Uploads fail on flaky networks' }).first().boundingBox();
    if (box) {
      await page.screenshot({
        path: path.join(ARTIFACTS, 'hover-card.png'),
        clip: { x: Math.max(0, box.x - 140), y: Math.max(0, box.y - 50), width: box.width + 180, height: box.height + 70 },
      });
    }
    expect(await hover.first().innerText()).toContain('Uploads fail on flaky networks');
  }, 120_000);

  it("shows GitLab's pipeline in the CI panel and opens a job's log as a read-only document", async () => {
    await page.keyboard.press('Escape'); // the previous test's hover card
    const pane = sidebar().locator('.pane').filter({ has: page.locator('.pane-header', { hasText: /^\s*CI\b/ }) });
    const header = pane.locator('.pane-header');
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const ciRow = (label: string | RegExp) =>
      pane.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) }).first();
    /** Expand `parent` (a locator) until a row labelled `child` shows, refreshing while unsynced. */
    const open = async (parent: () => ReturnType<typeof ciRow>, child: string | RegExp) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const r = parent();
        try {
          await r.waitFor({ timeout: 5000 });
          if ((await r.getAttribute('aria-expanded')) === 'false') await r.click();
          await ciRow(child).waitFor({ timeout: 3000 });
          return;
        } catch {
          if (Date.now() > deadline) throw new Error(`no ${child} in the CI panel:\n${await pane.innerText()}`);
          await page.keyboard.press('Escape');
          await runCommand('Tieline: Refresh Panels').catch(() => page.keyboard.press('Escape'));
          await new Promise((res) => setTimeout(res, 1000));
        }
      }
    };
    // One branch node per CI: GitHub's checks and GitLab's pipelines for this branch.
    const gitlabBranch = () => pane.locator('.monaco-list-row', { hasText: GITLAB_PROJECT }).first();
    await open(gitlabBranch, /^build( #\d+)?$/);
    expect(await gitlabBranch().innerText()).toContain('GitLab');
    expect(await gitlabBranch().innerText()).toContain(BRANCH);
    await open(() => ciRow(/^build( #\d+)?$/), /^test$/);
    await open(() => ciRow(/^test$/), /^unit$/);
    // The Run Pipeline… button on the CI view's title.
    await header.hover();
    await header.locator('.action-label[aria-label="Run Pipeline…"]').waitFor({ timeout: 10_000 });
    // The server's Open Log button, inline on hover.
    await ciRow(/^unit$/).hover();
    await ciRow(/^unit$/).locator('.action-label[aria-label="Open Log"]').waitFor({ timeout: 10_000 });
    // The job's context menu: its log, and no action the job does not allow now (it finished).
    await ciRow(/^unit$/).click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    await menu.waitFor({ timeout: 10_000 });
    const entries = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    expect(entries).toContain('Open Log');
    expect(entries).not.toContain('Cancel');
    await page.keyboard.press('Escape');
    // A click opens the log: a tieline-log: document, ANSI stripped, language Log, read-only.
    const tab = page.locator('.tabs-container .tab', { hasText: 'unit.log' });
    const until = Date.now() + 60_000;
    for (;;) {
      // A click while the panel re-renders (a sync) can land on a row being replaced: again.
      await ciRow(/^unit$/).locator('.label-name').click();
      try {
        await tab.waitFor({ timeout: 10_000 });
        break;
      } catch (err) {
        if (Date.now() > until) throw err;
      }
    }
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-line', { hasText: '8 passed in 0.42s' }).waitFor({ timeout: 60_000 });
    // Monaco renders spaces as no-break spaces.
    const shown = async () => (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
    const text = await shown();
    expect(text).toContain('python -m pytest -q');
    expect(text).not.toMatch(/\[0K|\[32m/);
    const mode = page.locator('.statusbar-item[id$="status.editor.mode"]');
    await expect.poll(() => mode.innerText(), { timeout: 15_000 }).toBe('Log');
    // Typing changes nothing: the document is read-only.
    await editor.click();
    await page.keyboard.type('xyz');
    expect(await shown()).not.toContain('xyz');
    expect(await shown()).toContain('8 passed in 0.42s');
    await shot('ci-log');
  }, 200_000);

  it('previews a PlantUML diagram from its code lens in a webview', async () => {
    await page.keyboard.press('Escape');
    const editor = await openFile(DIAGRAM_FILE, 'Uploader -> Storage');
    // The server's lens above @startuml; the shell owns its command and opens a webview.
    const lens = editor.locator('.codelens-decoration a', { hasText: 'Preview diagram' });
    await lens.first().waitFor({ timeout: 60_000 });
    await lens.first().click();
    const tab = page.locator('.tabs-container .tab', { hasText: 'Diagram: upload.puml' });
    await tab.waitFor({ timeout: 90_000 });
    // The webview's page sits in an inner frame of VS Code's webview host.
    const drawing = page.frameLocator('iframe.webview').frameLocator('#active-frame').locator('.drawing svg');
    await drawing.waitFor({ timeout: 90_000 });
    const text = await drawing.innerHTML();
    expect(text).toContain('Uploader');
    expect(text).toContain('retry later');
    expect(text).not.toMatch(/<script/i);
    const policy = await page
      .frameLocator('iframe.webview')
      .frameLocator('#active-frame')
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    expect(policy).toMatch(/^default-src 'none'/);
    expect(policy).not.toContain('script-src');
    await shot('diagram-preview');
  }, 200_000);
  it('saves the selection as a snippet from its code action and shows it in the Snippets panel', async () => {
    await page.keyboard.press('Escape');
    // Take the focus back from the previous test's webview, which keeps keys to itself.
    await page.locator('.tabs-container .tab').first().click();
    const editor = await openFile(SOURCE_FILE, 'for attempt in range(3)');
    const text = readFileSync(path.join(world.workspace, SOURCE_FILE), 'utf8').split('\n');
    const line = text.findIndex((l) => l.includes('for attempt in range(3)')) + 1;
    // Select the loop (two lines), then open the code actions on the selection.
    await runCommand('Go to Line/Column');
    await page.keyboard.type(`${line}:1`);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Save selection as snippet' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.keyboard.press('Control+.');
      try {
        await action.first().waitFor({ timeout: 4000 });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('no "Save selection as snippet" code action');
        await page.keyboard.press('Escape');
      }
    }
    await page.keyboard.press('Enter'); // the row is focused; a click lands on the menu's pointer block
    // The shell asks title and tags in input boxes (the server would offer suggestions).
    const box = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Title' }).waitFor({ timeout: 30_000 });
    await box.fill('Retry the upload');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Tags' }).waitFor({ timeout: 30_000 });
    await box.fill('retry, e2e');
    await page.keyboard.press('Enter');
    // The Snippets panel starts collapsed: open it and find the new snippet with its tags.
    const pane = sidebar().locator('.pane').filter({ has: page.locator('.pane-header', { hasText: /^\s*Snippets\b/ }) });
    const header = pane.locator('.pane-header');
    await header.waitFor({ timeout: 60_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const saved = pane.locator('.monaco-list-row', { hasText: 'Retry the upload' });
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await saved.first().waitFor({ timeout: 3000 });
        break;
      } catch {
        if (Date.now() > until) throw new Error('the saved snippet is not in the Snippets panel');
        await runCommand('Tieline: Refresh Panels');
      }
    }
    expect(await saved.first().innerText()).toMatch(/#retry/);
    await shot('snippets-panel');
  }, 200_000);
});
