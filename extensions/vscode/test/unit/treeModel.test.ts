import { describe, expect, it } from 'vitest';
import type { TreeItem } from '../../src/protocol';
import { assignSlots, FALLBACK_INLINE_ICON, inlineIconFor, toNodeModel, welcomeText } from '../../src/treeModel';

const pr: TreeItem = {
  id: 'pulls/mine/o/r#7',
  label: 'Add retries',
  description: 'o/r#7 · open · 2/3 checks',
  tooltip: '**#7** Add retries',
  icon: 'git-pull-request',
  url: 'https://github.com/o/r/pull/7',
  command: { command: 'tieline.openInBrowser', title: 'Open in Browser', arguments: ['https://github.com/o/r/pull/7'] },
  contextValue: 'pullRequest',
  actions: [
    { id: 'open', title: 'Open in Browser', icon: 'link-external', placement: 'inline', command: { command: 'tieline.openInBrowser', title: 'Open', arguments: ['u'] } },
    { id: 'checkout', title: 'Check Out', icon: 'git-branch', command: { command: 'tieline.checkoutPullRequest', title: 'Check Out', arguments: [7] } },
  ],
};

describe('toNodeModel', () => {
  it('maps label, description, tooltip, icon and the click command', () => {
    const m = toNodeModel('pulls', pr);
    expect(m.id).toBe('pulls/pulls/mine/o/r#7');
    expect(m.label).toBe('Add retries');
    expect(m.description).toBe('o/r#7 · open · 2/3 checks');
    expect(m.tooltip).toBe('**#7** Add retries');
    expect(m.icon).toBe('git-pull-request');
    expect(m.collapsible).toBe('none');
    expect(m.command?.command).toBe('tieline.openInBrowser');
  });

  it('puts inline actions behind their icon and the rest in the context menu', () => {
    const m = toNodeModel('pulls', pr);
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
    const group = toNodeModel('issues', { id: 'issues/assigned', label: 'Assigned to me', hasChildren: true, icon: 'folder' });
    expect(group.collapsible).toBe('collapsed');
    expect(group.command).toBeUndefined();
    expect(group.contextValue).toBe('tieline');
    const leaf = toNodeModel('ci', { id: 'ci/main/0', label: 'build', url: 'https://ci/1' });
    expect(leaf.command).toEqual({ command: 'tieline.openItemUrl', title: 'Open in Browser', arguments: ['https://ci/1'] });
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

describe('assignSlots', () => {
  it('fills slots in server order and reports overflow', () => {
    const panels = ['a', 'b', 'c'].map((id) => ({ id, title: id.toUpperCase(), icon: 'x' }));
    const { slots, overflow } = assignSlots(panels, 2);
    expect(slots.map((p) => p?.id)).toEqual(['a', 'b']);
    expect(overflow.map((p) => p.id)).toEqual(['c']);
    expect(assignSlots(panels.slice(0, 1), 3).slots.map((p) => p?.id)).toEqual(['a', undefined, undefined]);
  });
});

describe('welcomeText', () => {
  it('turns markdown into plain text for a view message', () => {
    expect(welcomeText('**Sign in** to [GitHub](command:tieline.signIn) to see `PRs`.')).toBe('Sign in to GitHub to see PRs.');
    expect(welcomeText(null)).toBeUndefined();
  });
});
