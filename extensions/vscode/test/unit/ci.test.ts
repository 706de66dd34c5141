import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionWhen,
  allowedActions,
  askInputs,
  CI_ACTIONS,
  type CiUi,
  type InputBoxSpec,
  LogReader,
  type Requester,
  runPipeline,
  validateInput,
} from '../../src/ciModel';
import { SHELL_COMMANDS } from '../../src/commands';
import type { CITrigger, LogResult, TreeItem } from '../../src/protocol';
import { toNodeModel } from '../../src/treeModel';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

/**
 * VS Code's when-clause language, as far as these menus use it: terms joined by `&&`, each
 * `key == value`, `key =~ /regex/flags` or `!(term)`.
 */
function when(clause: string, ctx: Record<string, string>): boolean {
  return clause.split('&&').every((raw) => {
    const term = raw.trim();
    const negated = /^!\((.*)\)$/.exec(term);
    if (negated) return !when(negated[1], ctx);
    let m = /^(\S+)\s*=~\s*\/(.*)\/(\w*)$/.exec(term);
    if (m) return new RegExp(m[2], m[3]).test(ctx[m[1]] ?? '');
    m = /^(\S+)\s*==\s*(\S+)$/.exec(term);
    if (m) return ctx[m[1]] === m[2];
    throw new Error(`unsupported term ${term}`);
  });
}

/** A CI panel node as the server sends it (server/lsp/features/ci.py). */
function ciNode(kind: string, state: string, actions: string[], extra: string[] = []): TreeItem {
  return {
    id: kind === 'pipeline' ? 'ci/p/synthetic:ci.example:acme/app:41' : 'ci/j/synthetic:ci.example:acme/app:7',
    label: kind,
    contextValue: [`ci.${state}`, kind, ...extra, ...actions.map((a) => `can.${a}`)].join(' '),
    ciItem: 'synthetic:ci.example:acme/app:41',
    actions: actions.map((a) => ({ id: a, title: a, icon: 'debug-restart', placement: 'inline' as const, command: { command: 'tieline.ci.act', title: a, arguments: ['x', a] } })),
    url: 'https://ci.example/acme/app/41',
  };
}

const menuFor = (command: string) => pkg.contributes.menus['view/item/context'].find((m: { command: string }) => m.command === command);

/** The context-menu commands VS Code shows for a node of the CI view. */
function shownFor(item: TreeItem, view = 'tieline.ci'): string[] {
  const viewItem = toNodeModel('ci', item).contextValue;
  return pkg.contributes.menus['view/item/context']
    .filter((m: { command: string; when: string }) => m.command.startsWith('tieline.ci.') && when(m.when, { view, viewItem }))
    .map((m: { command: string }) => m.command);
}

describe('CI context menu', () => {
  it('declares each action with the when clause the shell expects, hidden from the palette', () => {
    const palette = pkg.contributes.menus.commandPalette;
    const declared = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
    for (const a of CI_ACTIONS) {
      expect(menuFor(a.command)?.when, a.command).toBe(actionWhen(a.action));
      expect(declared.has(a.command)).toBe(true);
      expect(palette.find((p: { command: string }) => p.command === a.command)?.when).toBe('false');
      expect(SHELL_COMMANDS.has(a.command)).toBe(true);
    }
  });

  it('offers only what the node allows now', () => {
    expect(shownFor(ciNode('pipeline', 'failure', ['rerun', 'rerun_failed']))).toEqual(['tieline.ci.rerun', 'tieline.ci.rerunFailed']);
    // `can.rerun_failed` alone does not show "Re-run" (the regex ends at a word boundary).
    expect(shownFor(ciNode('pipeline', 'failure', ['rerun_failed']))).toEqual(['tieline.ci.rerunFailed']);
    expect(shownFor(ciNode('pipeline', 'pending', ['cancel']))).toEqual(['tieline.ci.cancel']);
    expect(shownFor(ciNode('job', 'failure', ['retry'], ['log']))).toEqual(['tieline.ci.retry', 'tieline.ci.openLog']);
    expect(shownFor(ciNode('job', 'action_required', ['play'], ['log']))).toEqual(['tieline.ci.play', 'tieline.ci.openLog']);
    expect(shownFor(ciNode('step', 'failure', []))).toEqual([]);
    expect(shownFor({ id: 'ci/s/x/test', label: 'test', contextValue: 'ci.failure stage' })).toEqual([]);
    // Any panel view may hold CI nodes (spare slots), never the welcome view.
    expect(shownFor(ciNode('pipeline', 'failure', ['rerun']), 'tieline.panel2')).toEqual(['tieline.ci.rerun']);
    expect(shownFor(ciNode('pipeline', 'failure', ['rerun']), 'tieline.welcome')).toEqual([]);
  });

  it("shows the server's Open Log, re-run and cancel buttons inline behind their own icons", () => {
    const job: TreeItem = {
      ...ciNode('job', 'failure', ['retry'], ['log']),
      actions: [
        { id: 'log', title: 'Open Log', icon: 'output', placement: 'inline', command: { command: 'tieline.ci.openLog', title: 'Open Log', arguments: ['tieline-log:/x/unit.log'] } },
        { id: 'retry', title: 'Retry', icon: 'debug-restart', placement: 'inline', command: { command: 'tieline.ci.act', title: 'Retry', arguments: ['x', 'retry'] } },
        { id: 'cancel', title: 'Cancel', icon: 'debug-stop', placement: 'inline', command: { command: 'tieline.ci.act', title: 'Cancel', arguments: ['x', 'cancel'] } },
      ],
    };
    const m = toNodeModel('ci', job);
    expect([...m.inline.keys()]).toEqual(['output', 'debug-restart', 'debug-stop']);
    const inline = pkg.contributes.menus['view/item/context'].filter((e: { group?: string; when: string }) => e.group?.startsWith('inline') && when(e.when, { view: 'tieline.ci', viewItem: m.contextValue }));
    expect(inline.map((e: { command: string }) => e.command)).toEqual(['tieline.inline.output', 'tieline.inline.debug-restart', 'tieline.inline.debug-stop', 'tieline.openItemUrl']);
  });

  it('reads the allowed actions from contextValue', () => {
    expect(allowedActions('tieline ci.failure pipeline can.rerun_failed can.rerun url')).toEqual(['rerun', 'rerun_failed']);
    expect(allowedActions('ci.success job log')).toEqual([]);
    expect(allowedActions(undefined)).toEqual([]);
  });

  it('puts Run Pipeline… on the CI view title', () => {
    const title = pkg.contributes.menus['view/title'].find((m: { command: string }) => m.command === 'tieline.ci.runPipeline');
    expect(when(title.when, { view: 'tieline.ci' })).toBe(true);
    expect(when(title.when, { view: 'tieline.work' })).toBe(false);
  });

  it('owns tieline.ci.openLog so the language client does not register the server command', () => {
    expect(SHELL_COMMANDS.has('tieline.ci.openLog')).toBe(true);
  });
});

/** Scripted answers; records what was asked. */
function scriptedUi(answers: (string | undefined)[]) {
  const asked: string[] = [];
  const specs: InputBoxSpec[] = [];
  const queue = [...answers];
  const ui: CiUi = {
    async pick(items, placeHolder, title) {
      asked.push(`pick ${title}: ${placeHolder} [${items.map((i) => i.label + (i.description ? ` (${i.description})` : '')).join(', ')}]`);
      const want = queue.shift();
      return items.find((i) => i.label === want)?.value;
    },
    async input(spec) {
      specs.push(spec);
      asked.push(`input ${spec.title}: ${spec.prompt}${spec.password ? ' (password)' : ''}${spec.value !== undefined ? ` = ${spec.value}` : ''}`);
      return queue.shift();
    },
  };
  return { ui, asked, specs };
}

const release: CITrigger = {
  id: 'trigger:1',
  name: 'release',
  service: 'synthetic',
  serviceName: 'Synthetic CI',
  scope: 'acme/app',
  branch: 'feature',
  inputs: [
    { name: 'version', description: 'The version to release', type: 'string', required: true },
    { name: 'count', type: 'number', default: '3' },
    { name: 'dry_run', type: 'boolean', default: 'false' },
    { name: 'target', type: 'environment', required: true, options: ['staging', 'production'] },
    { name: 'flavour', type: 'choice', options: ['a', 'b'] },
    { name: 'secret', description: 'Deploy key', type: 'password', required: false },
  ],
};

describe('asking a trigger\'s inputs', () => {
  it('asks each in turn: boxes prefilled with defaults, quick picks for fixed sets, passwords masked', async () => {
    const { ui, asked } = scriptedUi(['1.2.0', '3', 'false', 'production', '(leave empty)', 's3cret']);
    expect(await askInputs(release, ui)).toEqual({ version: '1.2.0', count: '3', dry_run: 'false', target: 'production', secret: 's3cret' });
    expect(asked).toEqual([
      'input release: version (1/6): The version to release (required)',
      'input release: count (2/6): count = 3',
      'pick release: dry_run (3/6): dry_run [false (default), true]',
      'pick release: target (4/6): target [staging, production]',
      'pick release: flavour (5/6): flavour [a, b, (leave empty)]',
      'input release: secret (6/6): Deploy key (password)',
    ]);
  });

  it('refuses an empty required value and a non-number', async () => {
    const { ui, specs } = scriptedUi(['1.0', '3', 'true', 'staging', 'a', '']);
    expect(await askInputs(release, ui)).toEqual({ version: '1.0', count: '3', dry_run: 'true', target: 'staging', flavour: 'a' });
    expect(specs[0].validate('')).toBe('version is required');
    expect(specs[0].validate('1.0')).toBeUndefined();
    expect(specs[1].validate('x')).toBe('count must be a number');
    expect(specs[1].validate('-2.5')).toBeUndefined();
    expect(specs[1].validate('')).toBeUndefined();
    expect(validateInput({ name: 'n', type: 'number', required: true }, '')).toBe('n is required');
  });

  it('stops when one is cancelled', async () => {
    const { ui } = scriptedUi(['1.0', undefined]);
    expect(await askInputs(release, ui)).toBeUndefined();
  });

  it('runs a pipeline: triggers, the pick, inputs, tieline/ci/trigger', async () => {
    const sent: [string, unknown][] = [];
    const other: CITrigger = { id: 'trigger:2', name: 'nightly', service: 'gitlab', serviceName: 'GitLab', scope: 'g/p', inputs: [] };
    const client: Requester = {
      async sendRequest<R>(method: string, params: unknown) {
        sent.push([method, params]);
        if (method === 'tieline/ci/triggers') return { triggers: [release, other] } as R;
        return { message: 'Synthetic CI: started release #42 on feature' } as R;
      },
    };
    const { ui, asked } = scriptedUi(['release', '2.0', '', 'true', 'staging', 'b', '']);
    const outcome = await runPipeline(client, ui);
    expect(outcome).toMatchObject({ state: 'started', message: 'Synthetic CI: started release #42 on feature' });
    expect(asked[0]).toBe('pick Run Pipeline: Start which pipeline? [release (Synthetic CI · acme/app · on feature), nightly (GitLab · g/p)]');
    expect(sent).toEqual([
      ['tieline/ci/triggers', {}],
      ['tieline/ci/trigger', { trigger: 'trigger:1', branch: 'feature', inputs: { version: '2.0', dry_run: 'true', target: 'staging', flavour: 'b' } }],
    ]);
    const none: Requester = { sendRequest: async <R>() => ({ triggers: [] }) as R };
    expect(await runPipeline(none, ui)).toEqual({ state: 'none' });
  });
});

/** A `tieline/log` server: `pages` of text; `grow` appends while not complete. */
function logServer(pageSize: number) {
  const s = { text: '', complete: false, version: 1, requests: [] as { uri: string; offset: number }[] };
  const client: Requester = {
    async sendRequest<R>(method: string, params: unknown) {
      expect(method).toBe('tieline/log');
      const p = params as { uri: string; offset: number };
      s.requests.push(p);
      const text = s.text.slice(p.offset, p.offset + pageSize);
      const next = p.offset + text.length;
      const r: LogResult = { text, nextOffset: next, complete: s.complete && next >= s.text.length, version: s.version };
      return r as R;
    },
  };
  return { s, client };
}

describe('the tieline-log: document provider', () => {
  const URI = 'tieline-log:/synthetic/ci.example/acme%2Fapp/7/unit.log';

  it('pages through until complete', async () => {
    const { s, client } = logServer(10);
    s.text = 'line 1\nline 2\nline 3\nline 4\n';
    s.complete = true;
    const logs = new LogReader(() => client, { batch: 100 });
    expect(await logs.read(URI)).toBe(s.text);
    expect(s.requests.map((r) => r.offset)).toEqual([0, 10, 20]);
    // Complete: read once, not again.
    expect(await logs.read(URI)).toBe(s.text);
    expect(logs.changed(URI, 1)).toBe(false);
    expect(s.requests.length).toBe(3);
  });

  it('shows a batch of pages at once and asks for the rest', async () => {
    const { s, client } = logServer(4);
    s.text = 'aaa\nbbb\nccc\nddd\neee\n';
    s.complete = true;
    const more: string[] = [];
    const logs = new LogReader(() => client, { batch: 2, onMore: (u) => more.push(u) });
    expect(await logs.read(URI)).toBe('aaa\nbbb\n');
    await new Promise((r) => setTimeout(r, 5));
    expect(more).toEqual([URI]);
    expect(await logs.read(URI)).toBe('aaa\nbbb\nccc\nddd\n');
    expect(await logs.read(URI)).toBe(s.text);
  });

  it('reads on from where it stopped when the server says a running log grew', async () => {
    const { s, client } = logServer(100);
    s.text = 'shipping\n';
    const logs = new LogReader(() => client);
    expect(await logs.read(URI)).toBe('shipping\n');
    // Nothing new yet: the page that brought nothing ended the read.
    expect(s.requests.map((r) => r.offset)).toEqual([0, 9]);
    expect(await logs.read(URI)).toBe('shipping\n');
    expect(s.requests.length).toBe(2);
    s.text += 'shipped\n';
    s.complete = true;
    expect(logs.changed(URI, 1)).toBe(true);
    expect(logs.changed('tieline-log:/other.log', 1)).toBe(false);
    expect(await logs.read(URI)).toBe('shipping\nshipped\n');
    expect(s.requests.slice(2).map((r) => r.offset)).toEqual([9]);
  });

  it('starts over when the version changes', async () => {
    const { s, client } = logServer(100);
    s.text = 'step one\n';
    const logs = new LogReader(() => client);
    expect(await logs.read(URI)).toBe('step one\n');
    s.text = '=== Failing step: unit\nboom\n--- the whole log ---\nstep one\nboom\n';
    s.version = 2;
    s.complete = true;
    expect(logs.changed(URI, 2)).toBe(true);
    expect(await logs.read(URI)).toBe(s.text);
    // A version change seen in a reply (not announced) also starts over from 0.
    s.text = 'v3\n';
    s.version = 3;
    const { client: c2, s: s2 } = logServer(100);
    s2.text = 'old\n';
    const l2 = new LogReader(() => c2);
    expect(await l2.read(URI)).toBe('old\n');
    s2.text = 'new layout\n';
    s2.version = 2;
    s2.complete = true;
    l2.changed(URI);
    expect(await l2.read(URI)).toBe('new layout\n');
    expect(s2.requests.map((r) => r.offset)).toEqual([0, 4, 4, 0]);
  });

  it('stops at the cap and says so, and shows a read error at the end', async () => {
    const { s, client } = logServer(10);
    s.text = 'x'.repeat(9) + '\n' + 'y'.repeat(9) + '\n' + 'z'.repeat(9) + '\n';
    const logs = new LogReader(() => client, { cap: 15, batch: 100 });
    const text = await logs.read(URI);
    expect(text.startsWith('x'.repeat(9) + '\n' + 'y'.repeat(5) + '\n… the log goes on past')).toBe(true);
    expect(logs.changed(URI, 1)).toBe(false);

    const failing: Requester = { sendRequest: async <R>() => ({ text: 'partial', nextOffset: 7, complete: false, version: 1, error: 'the service said 500' }) as R };
    const l2 = new LogReader(() => failing);
    expect(await l2.read(URI)).toBe('partial\n… the log could not be read to its end: the service said 500\n');
  });

  it('forgets a closed document and reads it anew', async () => {
    const { s, client } = logServer(100);
    s.text = 'done\n';
    s.complete = true;
    const logs = new LogReader(() => client);
    await logs.read(URI);
    logs.forget(URI);
    await logs.read(URI);
    expect(s.requests.map((r) => r.offset)).toEqual([0, 0]);
  });
});
