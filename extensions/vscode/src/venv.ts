/**
 * The server's private virtual environment, in the extension's global storage.
 *
 * The .vsix carries the server as wheels (`server/wheels/`, described by
 * `server/manifest.json`). On first run, and whenever the bundled wheel or the chosen
 * interpreter changes, the environment is created afresh and the wheel installed into it:
 * offline from the bundled wheels first, then with the package index as a fallback (for a
 * platform the bundled binary wheels do not cover). A marker file records what is
 * installed, so a normal start costs one small file read. A lock directory keeps two
 * windows from installing at once. No `vscode` import: the UI passes a progress callback.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface BundleManifest {
  /** The server's version, e.g. "0.1.0". */
  version: string;
  /** File name of the server's wheel inside the wheels folder. */
  wheel: string;
  /** SHA-256 of that wheel: a rebuilt wheel with the same version still reinstalls. */
  sha256: string;
}

export interface Marker {
  sha256: string;
  version: string;
  python: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (exe: string, args: string[]) => Promise<RunResult>;

export interface EnsureOptions {
  /** The extension's global storage folder. */
  storageDir: string;
  /** The folder holding manifest.json and wheels/. */
  bundleDir: string;
  /** The interpreter to create the environment with. */
  python: string;
  run: Runner;
  report?: (message: string) => void;
  platform?: NodeJS.Platform;
}

export interface ServerInstall {
  /** The `tieline` executable inside the environment. */
  executable: string;
  /** The environment's interpreter. */
  python: string;
  venvDir: string;
  installed: boolean;
}

export const MARKER = 'tieline-install.json';

export function venvPaths(venvDir: string, platform: NodeJS.Platform = process.platform) {
  const win = platform === 'win32';
  const bin = path.join(venvDir, win ? 'Scripts' : 'bin');
  return {
    python: path.join(bin, win ? 'python.exe' : 'python'),
    tieline: path.join(bin, win ? 'tieline.exe' : 'tieline'),
  };
}

export async function readManifest(bundleDir: string): Promise<BundleManifest> {
  const text = await fs.readFile(path.join(bundleDir, 'manifest.json'), 'utf8');
  const m = JSON.parse(text) as BundleManifest;
  if (!m.version || !m.wheel || !m.sha256) throw new Error(`bad server bundle manifest in ${bundleDir}`);
  return m;
}

async function readMarker(venvDir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(venvDir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export function isCurrent(marker: Marker | undefined, manifest: BundleManifest, python: string): boolean {
  return !!marker && marker.sha256 === manifest.sha256 && marker.python === python;
}

async function withLock<T>(lockDir: string, body: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stat = await fs.stat(lockDir).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > timeoutMs) {
        await fs.rm(lockDir, { recursive: true, force: true }); // left by a crashed window
        continue;
      }
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await body();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

function failure(step: string, r: RunResult): Error {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n');
  return new Error(`${step} failed (exit ${r.code}):\n${tail}`);
}

export async function ensureServer(opts: EnsureOptions): Promise<ServerInstall> {
  const report = opts.report ?? (() => undefined);
  const manifest = await readManifest(opts.bundleDir);
  const venvDir = path.join(opts.storageDir, 'venv');
  const paths = venvPaths(venvDir, opts.platform);
  const current = async () =>
    isCurrent(await readMarker(venvDir), manifest, opts.python) && (await exists(paths.tieline));
  if (await current()) {
    return { executable: paths.tieline, python: paths.python, venvDir, installed: false };
  }
  await fs.mkdir(opts.storageDir, { recursive: true });
  return withLock(path.join(opts.storageDir, 'install.lock'), async () => {
    if (await current()) {
      return { executable: paths.tieline, python: paths.python, venvDir, installed: false };
    }
    report('Creating a private Python environment…');
    await fs.rm(venvDir, { recursive: true, force: true });
    let r = await opts.run(opts.python, ['-m', 'venv', venvDir]);
    if (r.code !== 0) throw failure(`${opts.python} -m venv`, r);

    report(`Installing the Tieline server ${manifest.version}…`);
    const wheels = path.join(opts.bundleDir, 'wheels');
    const pip = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet'];
    const wheel = path.join(wheels, manifest.wheel);
    r = await opts.run(paths.python, [...pip, '--no-index', '--find-links', wheels, wheel]);
    if (r.code !== 0) {
      report('Installing the Tieline server (fetching missing packages)…');
      r = await opts.run(paths.python, [...pip, '--find-links', wheels, wheel]);
      if (r.code !== 0) throw failure('pip install', r);
    }
    const marker: Marker = { sha256: manifest.sha256, version: manifest.version, python: opts.python };
    await fs.writeFile(path.join(venvDir, MARKER), JSON.stringify(marker, null, 2));
    return { executable: paths.tieline, python: paths.python, venvDir, installed: true };
  });
}
