/**
 * A small world for the protocol and end-to-end tests: the GitHub stand-in
 * (tests/standin/github.py) seeded with a repository's pull requests, issues and checks, and a
 * git checkout of that repository with a github.com remote and a comment that mentions `#1`.
 * Everything listens on 127.0.0.1 and lives under one temporary folder.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const SCHEMA_PATH = path.join(REPO_ROOT, 'server', 'lsp', 'tieline-protocol.schema.json');
export const OWNER_REPO = 'octo-org/demo';
export const BRANCH = 'upload-retries';
export const TOKEN = 'tieline-test-token';
export const LOGIN = 'octocat';
export const SOURCE_FILE = 'src/upload.py';

/** The Python with the server's dependencies: $TEST_PYTHON, else the repository's .venv. */
export function testPython(): string {
  if (process.env.TEST_PYTHON) return process.env.TEST_PYTHON;
  const venv = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

export interface World {
  dir: string;
  workspace: string;
  home: string;
  headSha: string;
  standInUrl: string;
  /** Environment for a server process (or an editor that starts one). */
  env: Record<string, string>;
  seed: Record<string, unknown>;
  stop(): Promise<void>;
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

export async function makeWorld(prefix = 'tieline-world-'): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const home = path.join(dir, 'tieline-home');
  mkdirSync(home);
  const { workspace, headSha } = makeWorkspace(dir);
  const seed = seedFor(headSha);
  const standIn = await startStandIn(dir, seed);
  const env = {
    TIELINE_HOME: home,
    TIELINE_GITHUB_TOKEN: TOKEN,
    TIELINE_CONNECTORS__GITHUB__API_URL: standIn.url,
    TIELINE_VAULT_PASSPHRASE: 'tieline-test-passphrase',
    TIELINE_SYNC__POLL_INTERVAL: '5',
  };
  return {
    dir,
    workspace,
    home,
    headSha,
    standInUrl: standIn.url,
    env,
    seed,
    stop: () => stopGroup(standIn.proc),
  };
}
