import { describe, expect, it } from 'vitest';
import { findInterpreter, isSupported, parseVersion, PythonNotFoundError, type Version } from '../../src/python';

function deps(opts: { setting?: string; ext?: string; path?: Record<string, string>; versions: Record<string, Version> }) {
  return {
    setting: opts.setting,
    pythonExtension: async () => opts.ext,
    which: async (name: string) => opts.path?.[name],
    probe: async (exe: string) => opts.versions[exe],
  };
}

describe('findInterpreter', () => {
  it('prefers the tieline.python setting', async () => {
    const r = await findInterpreter(deps({ setting: '/s/python', ext: '/e/python', path: { python3: '/usr/bin/python3' }, versions: { '/s/python': [3, 12, 1], '/e/python': [3, 13, 0] } }));
    expect(r).toEqual({ path: '/s/python', version: [3, 12, 1], source: 'setting' });
  });

  it("then the Python extension's interpreter, then python3 on PATH", async () => {
    expect((await findInterpreter(deps({ ext: '/e/python', path: { python3: '/usr/bin/python3' }, versions: { '/e/python': [3, 11, 0], '/usr/bin/python3': [3, 12, 0] } }))).source).toBe('python-extension');
    const r = await findInterpreter(deps({ path: { python3: '/usr/bin/python3' }, versions: { '/usr/bin/python3': [3, 11, 2] } }));
    expect(r).toEqual({ path: '/usr/bin/python3', version: [3, 11, 2], source: 'path' });
  });

  it('skips interpreters older than 3.11 and ones that do not run', async () => {
    const r = await findInterpreter(deps({ setting: '/old', ext: '/broken', path: { python3: '/ok' }, versions: { '/old': [3, 9, 7], '/ok': [3, 11, 9] } }));
    expect(r.path).toBe('/ok');
  });

  it('says what it tried when nothing qualifies', async () => {
    const err = await findInterpreter(deps({ setting: '/old', path: { python3: '/usr/bin/python3', python: '/usr/bin/python3' }, versions: { '/old': [3, 10, 4], '/usr/bin/python3': [3, 9, 2] } })).catch((e) => e);
    expect(err).toBeInstanceOf(PythonNotFoundError);
    expect(err.message).toContain('Python 3.11 or newer');
    expect(err.message).toContain('/old (from the setting tieline.python): is 3.10.4');
    expect(err.message).toContain('/usr/bin/python3 (from PATH): is 3.9.2');
    expect(err.tried).toHaveLength(2); // the same path is asked once
    expect(err.message).toContain('"tieline.python"');
  });

  it('reports an empty search clearly', async () => {
    const err = await findInterpreter(deps({ versions: {} })).catch((e) => e);
    expect(err.message).toMatch(/found none/);
  });

  it('survives a Python extension that throws', async () => {
    const r = await findInterpreter({ ...deps({ path: { python3: '/p' }, versions: { '/p': [3, 12, 0] } }), pythonExtension: async () => { throw new Error('boom'); } });
    expect(r.path).toBe('/p');
  });
});

describe('versions', () => {
  it('parses and compares', () => {
    expect(parseVersion('3.12.4\n')).toEqual([3, 12, 4]);
    expect(parseVersion('garbage')).toBeUndefined();
    expect(isSupported([3, 11, 0])).toBe(true);
    expect(isSupported([3, 10, 99])).toBe(false);
    expect(isSupported([4, 0, 0])).toBe(true);
  });
});
