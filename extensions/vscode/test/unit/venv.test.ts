import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureServer, MARKER, venvPaths, type RunResult } from '../../src/venv';

function bundle(sha = 'aaa') {
  const dir = mkdtempSync(path.join(tmpdir(), 'tieline-bundle-'));
  mkdirSync(path.join(dir, 'wheels'));
  writeFileSync(path.join(dir, 'wheels', 'tieline-0.1.0-py3-none-any.whl'), 'wheel');
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '0.1.0', wheel: 'tieline-0.1.0-py3-none-any.whl', sha256: sha }));
  return dir;
}

/** A fake runner that "creates" the venv and "installs" the tieline script. */
function fakeRunner(opts: { offlineFails?: boolean } = {}) {
  const calls: string[][] = [];
  const run = async (exe: string, args: string[]): Promise<RunResult> => {
    calls.push([exe, ...args]);
    if (args[0] === '-m' && args[1] === 'venv') {
      const p = venvPaths(args[2], 'linux');
      mkdirSync(path.dirname(p.python), { recursive: true });
      writeFileSync(p.python, '');
      return { code: 0, stdout: '', stderr: '' };
    }
    if (args.includes('pip')) {
      if (opts.offlineFails && args.includes('--no-index')) return { code: 1, stdout: '', stderr: 'No matching distribution for pydantic-core' };
      writeFileSync(path.join(path.dirname(exe), 'tieline'), '#!python');
      return { code: 0, stdout: '', stderr: '' };
    }
    return { code: 127, stdout: '', stderr: 'unexpected' };
  };
  return { run, calls };
}

describe('ensureServer', () => {
  it('creates the environment, installs the bundled wheel offline and records it', async () => {
    const storageDir = mkdtempSync(path.join(tmpdir(), 'tieline-storage-'));
    const bundleDir = bundle();
    const { run, calls } = fakeRunner();
    const steps: string[] = [];
    const r = await ensureServer({ storageDir, bundleDir, python: '/usr/bin/python3', run, report: (m) => steps.push(m), platform: 'linux' });
    expect(r.installed).toBe(true);
    expect(r.executable).toBe(path.join(storageDir, 'venv', 'bin', 'tieline'));
    expect(calls[0]).toEqual(['/usr/bin/python3', '-m', 'venv', path.join(storageDir, 'venv')]);
    expect(calls[1]).toContain('--no-index');
    expect(calls[1].at(-1)).toBe(path.join(bundleDir, 'wheels', 'tieline-0.1.0-py3-none-any.whl'));
    expect(steps).toEqual(['Creating a private Python environment…', 'Installing the Tieline server 0.1.0…']);
    expect(JSON.parse(readFileSync(path.join(storageDir, 'venv', MARKER), 'utf8'))).toEqual({ sha256: 'aaa', version: '0.1.0', python: '/usr/bin/python3' });
    expect(existsSync(path.join(storageDir, 'install.lock'))).toBe(false);
  });

  it('starts without installing when the marker matches', async () => {
    const storageDir = mkdtempSync(path.join(tmpdir(), 'tieline-storage-'));
    const bundleDir = bundle();
    await ensureServer({ storageDir, bundleDir, python: '/p', run: fakeRunner().run, platform: 'linux' });
    const again = fakeRunner();
    const r = await ensureServer({ storageDir, bundleDir, python: '/p', run: again.run, platform: 'linux' });
    expect(r.installed).toBe(false);
    expect(again.calls).toEqual([]);
  });

  it('reinstalls when the bundled wheel or the interpreter changes', async () => {
    const storageDir = mkdtempSync(path.join(tmpdir(), 'tieline-storage-'));
    await ensureServer({ storageDir, bundleDir: bundle('aaa'), python: '/p', run: fakeRunner().run, platform: 'linux' });
    expect((await ensureServer({ storageDir, bundleDir: bundle('bbb'), python: '/p', run: fakeRunner().run, platform: 'linux' })).installed).toBe(true);
    expect((await ensureServer({ storageDir, bundleDir: bundle('bbb'), python: '/q', run: fakeRunner().run, platform: 'linux' })).installed).toBe(true);
  });

  it('falls back to the package index when the bundled wheels do not fit', async () => {
    const storageDir = mkdtempSync(path.join(tmpdir(), 'tieline-storage-'));
    const { run, calls } = fakeRunner({ offlineFails: true });
    const r = await ensureServer({ storageDir, bundleDir: bundle(), python: '/p', run, platform: 'linux' });
    expect(r.installed).toBe(true);
    expect(calls[2]).not.toContain('--no-index');
    expect(calls[2]).toContain('--find-links');
  });

  it('reports a failed venv creation with the interpreter output', async () => {
    const storageDir = mkdtempSync(path.join(tmpdir(), 'tieline-storage-'));
    const run = async () => ({ code: 1, stdout: '', stderr: 'ensurepip is not available' });
    await expect(ensureServer({ storageDir, bundleDir: bundle(), python: '/p', run, platform: 'linux' })).rejects.toThrow(/venv failed \(exit 1\):\nensurepip is not available/);
    expect(existsSync(path.join(storageDir, 'install.lock'))).toBe(false);
  });

  it('uses Scripts\\ on Windows', () => {
    expect(venvPaths('C:/v', 'win32').tieline).toMatch(/Scripts.tieline\.exe$/);
  });
});
