// Builds the server wheel and its dependencies' wheels into server/wheels/ and describes them
// in server/manifest.json; the .vsix carries both (see src/venv.ts for how they are installed).
// Python: $WHEEL_PYTHON, else the repository's .venv, else python3.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.resolve(here, '..');
const repo = path.resolve(ext, '..', '..');
const out = path.join(ext, 'server');
const wheels = path.join(out, 'wheels');
const venvPython = path.join(repo, '.venv', 'bin', 'python');
const python = process.env.WHEEL_PYTHON || (existsSync(venvPython) ? venvPython : 'python3');

rmSync(out, { recursive: true, force: true });
mkdirSync(wheels, { recursive: true });
execFileSync(
  python,
  ['-m', 'pip', 'wheel', '--disable-pip-version-check', '--quiet', '--wheel-dir', wheels, repo],
  { stdio: 'inherit' },
);
rmSync(path.join(repo, 'build'), { recursive: true, force: true });
const wheel = readdirSync(wheels).find((f) => /^tieline-[^-]+-.*\.whl$/.test(f));
if (!wheel) throw new Error(`no tieline wheel in ${wheels}`);
const version = wheel.split('-')[1];
const sha256 = createHash('sha256').update(readFileSync(path.join(wheels, wheel))).digest('hex');
writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ version, wheel, sha256 }, null, 2) + '\n');
console.log(`server bundle: ${wheel} + ${readdirSync(wheels).length - 1} dependency wheels`);
