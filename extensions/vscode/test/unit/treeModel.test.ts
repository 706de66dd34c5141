import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TreeItem } from '../../src/protocol';
import { assignViews, FALLBACK_INLINE_ICON, inlineIconFor, NAMED_PANELS, SPARE_SLOTS, toNodeModel, viewIdFor, welcomeText } from '../../src/treeModel';

const pr: TreeItem = {
  id: 'work/mine/github:github.com:o/r#7',
  label: 'Add retries',
  description: 'o/r#7 · open · 2/3 checks',
  tooltip: '**#7** Add retries',
  icon: 'git-pull-request',
  url: 'https://github.com/o/r/pull/7',
  command: { command: 'tieline.openInBrowser', title: 'Open in Browser', arguments: ['https://github.com/o/r/pull/7'] },
  contextValue: 'pullRequest',
  service: 'github',
  key: '#7',
  actions: [
    { id: 'open', title: 'Open in Browser', icon: 'link-external', placement: 'inline', command: { command: 'tieline.openInBrowser', title: 'Open', arguments: ['u'] } },
    { id: 'checkout', title: 'Check Out', icon: 'git-branch', command: { command: 'tieline.checkoutPullRequest', title: 'Check Out', arguments: ['github:github.com:o/r#7'] } },
  ],
};

describe('toNodeModel', () => {
  it('maps label, description, tooltip, icon and the click command', () => {
    const m = toNodeModel('work', pr);
    expect(m.id).toBe('work/work/mine/github:github.com:o/r#7');
    expect(m.label).toBe('Add retries');
    expect(m.description).toBe('o/r#7 · open · 2/3 checks');
    expect(m.tooltip).toBe('**#7** Add retries');
    expect(m.icon).toBe('git-pull-request');
    expect(m.collapsible).toBe('none');
    expect(m.command?.command).toBe('tieline.openInBrowser');
  });

  it('puts inline actions behind their icon and the rest in the context menu', () => {
    const m = toNodeModel('work', pr);
    expect([...m.inline.keys()]).toEqual(['link-external']);
    expect(m.context.map((a) => a.id)).toEqual(['checkout']);
    expect(m.contextValue.split(' ')).toEqual(['tieline', 'pullRequest', 'inline:link-external', 'actions', 'url']);
  });

  it('sends inline actions with unknown icons to the fallback button, and a second one to the menu', () => {
    const item: TreeItem = {
      id: 'x',
      label: 'x',
      actions: [
        { id: 'a', title: 'A', icon: 'rocket', placement: 'inline', command: { command: 'a', title: 'A' } },
        { id: 'b', title: 'B', icon: 'beaker', placement: 'inline', command: { command: 'b', title: 'B' } },
      ],
    };
    const m = toNodeModel('p', item);
    expect(m.inline.get(FALLBACK_INLINE_ICON)?.id).toBe('a');
    expect(m.context.map((a) => a.id)).toEqual(['b']);
  });

  it('makes items with children collapsible and gives url-only leaves an open command', () => {
    const group = toNodeModel('work', { id: 'work/assigned', label: 'Assigned to me', hasChildren: true, icon: 'folder' });
    expect(group.collapsible).toBe('collapsed');
    expect(group.command).toBeUndefined();
    expect(group.contextValue).toBe('tieline');
    const leaf = toNodeModel('ci', { id: 'ci/github/o/r@main/0', label: 'build', url: 'https://ci/1' });
    expect(leaf.command).toEqual({ command: 'tieline.openItemUrl', title: 'Open in Browser', arguments: ['https://ci/1'] });
  });

  it("runs a panel's sign-in item as tieline.signIn with its connector and host", () => {
    const m = toNodeModel('integrations', {
      id: 'integrations/sign-in/linear',
      label: 'Sign in to Linear',
      description: 'linear.app',
      icon: 'sign-in',
      command: { command: 'tieline.signIn', title: 'Sign in to Linear', arguments: ['linear', 'linear.app'] },
      contextValue: 'signIn',
      service: 'linear',
    });
    expect(m.command).toEqual({ command: 'tieline.signIn', title: 'Sign in to Linear', arguments: ['linear', 'linear.app'] });
    expect(m.contextValue).toBe('tieline signIn');
  });

  it('treats null fields from the wire as absent', () => {
    const m = toNodeModel('p', { id: 'n', label: 'n', description: null, tooltip: null, icon: null, url: null, command: null, contextValue: null });
    expect(m.description).toBeUndefined();
    expect(m.tooltip).toBeUndefined();
    expect(m.icon).toBeUndefined();
    expect(m.command).toBeUndefined();
  });
});

describe('inlineIconFor', () => {
  it('keeps declared icons and falls back otherwise', () => {
    expect(inlineIconFor('check')).toBe('check');
    expect(inlineIconFor('nope')).toBe(FALLBACK_INLINE_ICON);
    expect(inlineIconFor(undefined)).toBe(FALLBACK_INLINE_ICON);
  });
});

describe('assignViews', () => {
  const panel = (id: string) => ({ id, title: id.toUpperCase(), icon: 'x' });

  it('gives each known panel its own declared view, whatever the server order', () => {
    const { views, overflow } = assignViews(['integrations', 'work', 'ci'].map(panel), 2);
    expect(views.get('tieline.work')?.id).toBe('work');
    expect(views.get('tieline.ci')?.id).toBe('ci');
    expect(views.get('tieline.integrations')?.id).toBe('integrations');
    expect(views.get('tieline.panel1')).toBeUndefined();
    expect(overflow).toEqual([]);
    expect([...views.keys()]).toEqual(['tieline.work', 'tieline.ci', 'tieline.integrations', 'tieline.panel1', 'tieline.panel2']);
  });

  it('puts panels it does not know into spare slots in order, and reports what does not fit', () => {
    const { views, overflow } = assignViews(['work', 'chat', 'docs', 'calendar'].map(panel), 2);
    expect(views.get('tieline.panel1')?.id).toBe('chat');
    expect(views.get('tieline.panel2')?.id).toBe('docs');
    expect(overflow.map((p) => p.id)).toEqual(['calendar']);
    expect(views.get('tieline.ci')).toBeUndefined(); // not listed: the view stays hidden
  });

  it('sends a second panel with a known id to a spare slot rather than dropping it', () => {
    const { views } = assignViews([panel('work'), { ...panel('work'), title: 'again' }], 1);
    expect(views.get('tieline.work')?.title).toBe('WORK');
    expect(views.get('tieline.panel1')?.title).toBe('again');
  });

  it('declares exactly the views package.json contributes', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const declared = (pkg.contributes.views.tieline as { id: string; name: string; when: string }[]).filter((v) => v.id !== 'tieline.welcome');
    expect(declared.length - NAMED_PANELS.length).toBe(SPARE_SLOTS);
    const { views } = assignViews([], SPARE_SLOTS);
    expect(declared.map((v) => v.id)).toEqual([...views.keys()]);
    expect(declared.slice(0, 3).map((v) => v.name)).toEqual(['My Work', 'CI', 'Integrations']);
    for (const v of declared) expect(v.when).toBe(`${v.id}.shown`);
    expect(NAMED_PANELS.map(viewIdFor)).toEqual(['tieline.work', 'tieline.ci', 'tieline.integrations']);
    expect(viewIdFor('chat')).toBeUndefined();
  });

  it('lets every panel menu match every panel view and never the welcome view', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const whens: string[] = [...pkg.contributes.menus['view/item/context'], ...pkg.contributes.menus['view/title']].map((m: { when: string }) => m.when);
    const regexes = new Set(whens.flatMap((w) => [...w.matchAll(/view =~ \/(.+?)\/(?:\s|$)/g)].map((m) => m[1])));
    expect(regexes.size).toBeGreaterThan(0);
    for (const source of regexes) {
      if (source === '^tieline\\.') continue; // Show Logs / Restart Server: every Tieline view
      const re = new RegExp(source);
      for (const id of ['tieline.work', 'tieline.ci', 'tieline.integrations', 'tieline.panel1', 'tieline.panel8']) expect(re.test(id), `${source} ${id}`).toBe(true);
      expect(re.test('tieline.welcome'), source).toBe(false);
    }
  });
});

describe('welcomeText', () => {
  it('turns markdown into plain text for a view message', () => {
    expect(welcomeText('**Sign in** to [GitHub](command:tieline.signIn) to see `PRs`.')).toBe('Sign in to GitHub to see PRs.');
    expect(welcomeText(null)).toBeUndefined();
  });
});
