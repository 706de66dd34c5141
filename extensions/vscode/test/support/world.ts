/**
 * A small world for the protocol and end-to-end tests, on 127.0.0.1 under one temporary folder:
 *  - the three-services scenario (`python -m tests.scenarios`): contract-checked stand-ins of
 *    GitHub, Jira (site acme.atlassian.net, PROJ-7 is mine) and Linear (ENG-12 is mine);
 *  - a GitHub stand-in (tests/standin/github.py) seeded with the pull requests, issues and
 *    check runs of the checkout's own commit, which the scenario cannot know in advance; the
 *    server uses it for github.com in place of the scenario's;
 *  - a git checkout of that repository with a github.com remote and a comment that mentions `#1`.
 * `signInTo` leaves a service's environment token out, so a test can sign in to it.
 * `gitlab` adds a CI that is not GitHub's: a GitLab stand-in (tests/standin/gitlab_serve.py,
 * contract-checked) with a passed pipeline on the checkout's branch and commit, and the
 * checkout's second remote `gitlab` on gitlab.com (project GITLAB_PROJECT) and its `.gitlab-ci.yml`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const SCHEMA_PATH = path.join(REPO_ROOT, 'server', 'lsp', 'tieline-protocol.schema.json');
export const OWNER_REPO = 'octo-org/demo';
export const BRANCH = 'upload-retries';
export const TOKEN = 'tieline-test-token';
export const LOGIN = 'octocat';
export const SOURCE_FILE = 'src/upload.py';
/** A PlantUML diagram the end-to-end test previews (drawn by Debian's plantuml). */
export const DIAGRAM_FILE = 'docs/upload.puml';
export const GITLAB_PROJECT = 'octo-org/demo-ci';
export const GITLAB_TOKEN = 'tok-a';

/** The Python with the server's dependencies: $TEST_PYTHON, else the repository's .venv. */
export function testPython(): string {
  if (process.env.TEST_PYTHON) return process.env.TEST_PYTHON;
  const venv = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** What `python -m tests.scenarios --out FILE` writes. */
export interface ScenarioInfo {
  env: Record<string, string>;
  urls: Record<string, string>;
  tokens: Record<string, string>;
  jira: { site: string; email: string; key: string };
  linear: { key: string };
  repo: string;
}

export interface World {
  dir: string;
  workspace: string;
  home: string;
  headSha: string;
  standInUrl: string;
  scenario: ScenarioInfo;
  /** Environment for a server process (or an editor that starts one). */
  env: Record<string, string>;
  seed: Record<string, unknown>;
  /** Stop everything; the contract violations the scenario's stand-ins saw (none, we hope). */
  stop(): Promise<{ violations: string[] }>;
}

/** The environment token the scenario gives each service it serves. */
const TOKEN_ENV: Record<string, string> = { linear: 'TIELINE_LINEAR_TOKEN', jira: 'TIELINE_JIRA_TOKEN' };

/** Processes the tests start run this worktree's server and stand-ins, whatever is installed. */
export function pythonEnv(): NodeJS.ProcessEnv {
  const paths = [REPO_ROOT, ...(process.env.PYTHONPATH ?? '').split(path.delimiter).filter((p) => p && p !== REPO_ROOT)];
  return { ...process.env, PYTHONPATH: paths.join(path.delimiter) };
}

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Octo Cat',
      GIT_AUTHOR_EMAIL: 'octocat@example.com',
      GIT_COMMITTER_NAME: 'Octo Cat',
      GIT_COMMITTER_EMAIL: 'octocat@example.com',
    },
  }).trim();
}

export function makeWorkspace(dir: string): { workspace: string; headSha: string } {
  const workspace = path.join(dir, 'demo');
  mkdirSync(path.join(workspace, 'src'), { recursive: true });
  writeFileSync(
    path.join(workspace, SOURCE_FILE),
    [
      '"""Uploads with retries."""',
      '',
      '',
      'def upload(path: str) -> None:',
      '    # Fixes #1: retry the flaky upload before giving up',
      '    for attempt in range(3):',
      '        print("uploading", path, attempt)',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(workspace, 'README.md'), '# demo\n\nSee #2 for the settings.\n');
  mkdirSync(path.join(workspace, 'docs'), { recursive: true });
  writeFileSync(
    path.join(workspace, DIAGRAM_FILE),
    '@startuml\nactor Uploader\nUploader -> Storage: upload(path)\nStorage --> Uploader: retry later\n@enduml\n',
  );
  git(workspace, 'init', '-q', '-b', BRANCH);
  git(workspace, 'remote', 'add', 'origin', `https://github.com/${OWNER_REPO}.git`);
  git(workspace, 'add', '.');
  git(workspace, 'commit', '-q', '-m', 'Retry uploads');
  return { workspace, headSha: git(workspace, 'rev-parse', 'HEAD') };
}

export function seedFor(headSha: string) {
  return {
    login: LOGIN,
    tokens: { [TOKEN]: LOGIN },
    issues: [
      { repo: OWNER_REPO, title: 'Uploads fail on flaky networks', assignees: [LOGIN], author: 'hubot', labels: ['bug'], body: 'Retry three times before giving up.' },
      { repo: OWNER_REPO, title: 'Document the upload settings', author: 'hubot', labels: ['docs'], mentions: [LOGIN], body: '@octocat could you write this up?' },
    ],
    pulls: [
      { repo: OWNER_REPO, title: 'Retry flaky uploads', head: BRANCH, author: LOGIN, head_sha: headSha, reviews: [{ user: 'hubot', state: 'APPROVED' }], mergeable: true },
      { repo: OWNER_REPO, title: 'Speed up the test suite', head: 'faster-tests', author: 'hubot', requested_reviewers: [LOGIN] },
    ],
    check_runs: [
      { repo: OWNER_REPO, sha: headSha, name: 'build', status: 'completed', conclusion: 'success' },
      { repo: OWNER_REPO, sha: headSha, name: 'test', status: 'completed', conclusion: 'success' },
    ],
  };
}

export async function startStandIn(dir: string, seed: unknown): Promise<{ url: string; proc: ChildProcess }> {
  const seedFile = path.join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify(seed, null, 2));
  const proc = spawn(testPython(), ['-m', 'tests.standin.github', '--port', '0', '--seed', seedFile, '--no-validate'], {
    cwd: REPO_ROOT,
    env: pythonEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stand-in did not start:\n${stderr}`)), 60_000);
    let out = '';
    proc.stdout?.on('data', (d) => {
      out += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stand-in exited with ${code}:\n${stderr}`));
    });
  });
  return { url, proc };
}

/** The GitLab stand-in as a process; `violations()` is what it printed when stopped. */
export async function startGitLab(headSha: string): Promise<{ url: string; proc: ChildProcess; violations(): string[] }> {
  const proc = spawn(
    testPython(),
    ['-m', 'tests.standin.gitlab_serve', '--port', '0', '--project', GITLAB_PROJECT, '--branch', BRANCH, '--sha', headSha],
    { cwd: REPO_ROOT, env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => (out += String(d)));
  proc.stderr?.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`GitLab stand-in did not start:\n${err}`)), 60_000);
    const check = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        clearInterval(check);
        resolve(m[1].replace(/\/$/, ''));
      }
    }, 100);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`GitLab stand-in exited with ${code}:\n${err}`));
    });
  });
  const violations = () => out.split('\n').filter((l) => l.startsWith('contract violation:'));
  return { url, proc, violations };
}

/** Stop a process and everything it started (it was spawned detached, as a group leader). */
export async function stopGroup(proc: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
  const pid = proc.pid;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * Start the three-services scenario. It serves until its stdin closes; `stop` closes it and
 * returns the contract violations it printed then.
 */
export async function startScenario(dir: string): Promise<{ info: ScenarioInfo; stop(): Promise<{ violations: string[] }> }> {
  const out = path.join(dir, 'scenario.json');
  const proc = spawn(testPython(), ['-m', 'tests.scenarios', '--out', out], {
    cwd: REPO_ROOT,
    env: pythonEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  proc.stdout?.on('data', (d) => (output += String(d)));
  proc.stderr?.on('data', (d) => (output += String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the scenario did not start:\n${output}`)), 60_000);
    const check = setInterval(() => {
      if (/scenario ready/.test(output)) {
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }
    }, 100);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`the scenario exited with ${code}:\n${output}`));
    });
  });
  const info = JSON.parse(readFileSync(out, 'utf8')) as ScenarioInfo;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.stdin?.end();
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000));
      if ((await Promise.race([exited, timeout])) === 'timeout') await stopGroup(proc);
    }
    const violations = output.split('\n').filter((l) => l.startsWith('contract violation:'));
    return { violations };
  };
  return { info, stop };
}

export async function makeWorld(prefix = 'tieline-world-', options: { signInTo?: string[]; gitlab?: boolean } = {}): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const home = path.join(dir, 'tieline-home');
  mkdirSync(home);
  const made = makeWorkspace(dir);
  const workspace = made.workspace;
  let headSha = made.headSha;
  if (options.gitlab) {
    // GitLab's pipelines are read for folders with its marker file only.
    writeFileSync(path.join(workspace, '.gitlab-ci.yml'), 'lint:\n  stage: check\n  script: [ruff check .]\nunit:\n  stage: test\n  script: [python -m pytest -q]\n');
    git(workspace, 'add', '.gitlab-ci.yml');
    git(workspace, 'commit', '-q', '-m', 'Build on GitLab too');
    headSha = git(workspace, 'rev-parse', 'HEAD');
    git(workspace, 'remote', 'add', 'gitlab', `https://gitlab.com/${GITLAB_PROJECT}.git`);
  }
  const seed = seedFor(headSha);
  const [a, b, c] = await Promise.allSettled([
    startStandIn(dir, seed),
    startScenario(dir),
    options.gitlab ? startGitLab(headSha) : Promise.resolve(undefined),
  ]);
  if (a.status === 'rejected' || b.status === 'rejected' || c.status === 'rejected') {
    // Leave nothing running when part of the world failed to start.
    if (a.status === 'fulfilled') await stopGroup(a.value.proc);
    if (b.status === 'fulfilled') await b.value.stop();
    if (c.status === 'fulfilled') await stopGroup(c.value?.proc);
    throw [a, b, c].map((r) => (r.status === 'rejected' ? r.reason : undefined)).find(Boolean);
  }
  const gitlab = c.value;
  const standIn = a.value;
  const scenario = b.value;
  const env: Record<string, string> = {
    ...scenario.info.env,
    TIELINE_HOME: home,
    TIELINE_GITHUB_TOKEN: TOKEN,
    TIELINE_CONNECTORS__GITHUB__API_URL: standIn.url,
    TIELINE_VAULT_PASSPHRASE: 'tieline-test-passphrase',
    TIELINE_SYNC__POLL_INTERVAL: '5',
    ...(gitlab ? { TIELINE_GITLAB_TOKEN: GITLAB_TOKEN, TIELINE_CONNECTORS__GITLAB__API_URL: `${gitlab.url}/api/v4` } : {}),
  };
  for (const service of options.signInTo ?? []) {
    const key = TOKEN_ENV[service];
    if (!key) throw new Error(`no environment token to leave out for ${service}`);
    delete env[key];
  }
  return {
    dir,
    workspace,
    home,
    headSha,
    standInUrl: standIn.url,
    scenario: scenario.info,
    env,
    seed,
    stop: async () => {
      await stopGroup(standIn.proc);
      await stopGroup(gitlab?.proc);
      const { violations } = await scenario.stop();
      return { violations: [...violations, ...(gitlab?.violations() ?? [])] };
    },
  };
}
