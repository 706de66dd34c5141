/**
 * Finding a Python interpreter to create the server's private environment with.
 *
 * Order: the `tieline.python` setting → the Python extension's active interpreter →
 * `python3` (then `python`) on PATH. Each candidate is asked for its version; the first at
 * 3.11 or newer wins. When none qualifies, the error lists every candidate and why it was
 * passed over, so the user knows what to install or set. Pure: processes and the Python
 * extension are behind {@link DiscoveryDeps}.
 */

export const MIN_PYTHON: readonly [number, number] = [3, 11];

export type Version = [number, number, number];

export type Source = 'setting' | 'python-extension' | 'path';

export interface Interpreter {
  path: string;
  version: Version;
  source: Source;
}

export interface DiscoveryDeps {
  /** `tieline.python`, already expanded. */
  setting?: string;
  /** The Python extension's active interpreter, if that extension is installed. */
  pythonExtension?: () => Promise<string | undefined>;
  /** Resolve a command name on PATH to an absolute path. */
  which: (name: string) => Promise<string | undefined>;
  /** Run `<exe> -c ...` and return its version, or undefined if it does not run. */
  probe: (exe: string) => Promise<Version | undefined>;
}

export class PythonNotFoundError extends Error {
  constructor(readonly tried: { path: string; source: Source; problem: string }[]) {
    super(describeFailure(tried));
    this.name = 'PythonNotFoundError';
  }
}

export function formatVersion(v: readonly number[]): string {
  return v.join('.');
}

export function isSupported(v: Version): boolean {
  return v[0] > MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] >= MIN_PYTHON[1]);
}

/** Parse the output of {@link PROBE_SCRIPT}: "3.12.4". */
export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export const PROBE_SCRIPT = "import sys; print('%d.%d.%d' % sys.version_info[:3])";

const SOURCE_NAMES: Record<Source, string> = {
  setting: 'the setting tieline.python',
  'python-extension': "the Python extension's interpreter",
  path: 'PATH',
};

function describeFailure(tried: { path: string; source: Source; problem: string }[]): string {
  const need = `Python ${formatVersion(MIN_PYTHON)} or newer`;
  if (tried.length === 0) {
    return `Tieline needs ${need} and found none: install it, or set "tieline.python" to its path.`;
  }
  const lines = tried.map((t) => `${t.path} (from ${SOURCE_NAMES[t.source]}): ${t.problem}`);
  return `Tieline needs ${need}. Tried ${lines.join('; ')}. Install ${need}, or set "tieline.python" to its path.`;
}

export async function findInterpreter(deps: DiscoveryDeps): Promise<Interpreter> {
  const tried: { path: string; source: Source; problem: string }[] = [];
  const candidates: { source: Source; path: () => Promise<string | undefined> }[] = [
    { source: 'setting', path: async () => deps.setting },
    {
      source: 'python-extension',
      path: async () => {
        try {
          return await deps.pythonExtension?.();
        } catch {
          return undefined;
        }
      },
    },
    { source: 'path', path: () => deps.which('python3') },
    { source: 'path', path: () => deps.which('python') },
  ];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const path = await candidate.path();
    if (!path || seen.has(path)) continue;
    seen.add(path);
    const version = await deps.probe(path);
    if (!version) {
      tried.push({ path, source: candidate.source, problem: 'does not run' });
      continue;
    }
    if (!isSupported(version)) {
      tried.push({ path, source: candidate.source, problem: `is ${formatVersion(version)}` });
      continue;
    }
    return { path, version, source: candidate.source };
  }
  throw new PythonNotFoundError(tried);
}
