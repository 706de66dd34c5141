import { describe, expect, it } from 'vitest';
import { filterCommandRegistration, serverCommandsToRegister, snippetOptions } from '../../src/commands';

describe('server commands', () => {
  it('registers the server commands except the ids the shell owns', () => {
    expect(serverCommandsToRegister(['tieline.refresh', 'tieline.signIn', 'tieline.signOut', 'tieline.startWork'])).toEqual(['tieline.refresh', 'tieline.startWork']);
    expect(serverCommandsToRegister(undefined)).toEqual([]);
  });

  it("filters what vscode-languageclient's ExecuteCommandFeature registers", () => {
    const seen: string[][] = [];
    const feature = { register: (data: { registerOptions: { commands?: string[] } }) => seen.push(data.registerOptions.commands ?? []) };
    filterCommandRegistration(feature);
    feature.register({ id: 'x', registerOptions: { commands: ['tieline.signIn', 'tieline.refresh'] } } as never);
    expect(seen).toEqual([['tieline.refresh']]);
    filterCommandRegistration(undefined); // no feature: nothing to do
  });
});

import { ITEMS_PANEL, itemChoices, PALETTE_ARGS, parseArg } from '../../src/commands';
import type { TreeItem } from '../../src/protocol';

describe('palette arguments', () => {
  it('asks for items by number or id, and for URLs', () => {
    const n = PALETTE_ARGS['tieline.startWork'];
    expect(n.kind).toBe('item');
    expect(parseArg(n, ' #42 ')).toBe(42);
    expect(parseArg(n, '42')).toBe(42);
    expect(parseArg(n, 'jira:acme.atlassian.net:PROJ-7')).toBe('jira:acme.atlassian.net:PROJ-7');
    expect(parseArg(n, 'github:github.com:octo/app#7')).toBe('github:github.com:octo/app#7');
    expect(parseArg(n, 'forty-two')).toBeUndefined();
    expect(parseArg(n, 'PROJ-7')).toBeUndefined();
    expect(PALETTE_ARGS['tieline.checkoutPullRequest'].kind).toBe('item');
    const u = PALETTE_ARGS['tieline.openInBrowser'];
    expect(parseArg(u, 'https://github.com/o/r/issues/1')).toBe('https://github.com/o/r/issues/1');
    expect(parseArg(u, 'javascript:alert(1)')).toBeUndefined();
    expect(PALETTE_ARGS['tieline.createIssueFromTodo'].kind).toBe('cursor');
    expect(PALETTE_ARGS['tieline.lookUpDocs'].kind).toBe('position');
    const q = PALETTE_ARGS['tieline.searchDocs'];
    expect(parseArg(q, '  json.loads ')).toBe('json.loads');
    expect(parseArg(q, '   ')).toBeUndefined();
    expect(ITEMS_PANEL).toBe('work');
  });

  it("offers the items whose own actions run the command, with the server's arguments, once each", () => {
    const item = (id: string, key: string, label: string, command: string): TreeItem => ({
      id: `work/assigned/${id}`,
      label,
      key,
      description: `${key} · open`,
      actions: [
        { id: 'open', title: 'Open', command: { command: 'tieline.openInBrowser', title: 'Open', arguments: ['https://x'] } },
        { id: 'a', title: 'Go', command: { command, title: 'Go', arguments: [id] } },
      ],
    });
    const items: TreeItem[] = [
      { id: 'work/assigned', label: 'Assigned to me', hasChildren: true },
      item('jira:acme.atlassian.net:PROJ-7', 'PROJ-7', 'Checkout times out', 'tieline.startWork'),
      item('linear:linear.app:ENG-12', 'ENG-12', 'Flaky login', 'tieline.startWork'),
      item('github:github.com:octo/app#2', '#2', 'Refactor config', 'tieline.checkoutPullRequest'),
      { ...item('jira:acme.atlassian.net:PROJ-7', 'PROJ-7', 'Checkout times out', 'tieline.startWork'), id: 'work/mentioned/jira:acme.atlassian.net:PROJ-7' },
    ];
    expect(itemChoices(items, 'tieline.startWork')).toEqual([
      { label: 'PROJ-7 Checkout times out', description: 'PROJ-7 · open', args: ['jira:acme.atlassian.net:PROJ-7'] },
      { label: 'ENG-12 Flaky login', description: 'ENG-12 · open', args: ['linear:linear.app:ENG-12'] },
    ]);
    expect(itemChoices(items, 'tieline.checkoutPullRequest').map((c) => c.args)).toEqual([['github:github.com:octo/app#2']]);
    expect(itemChoices(items, 'tieline.refresh')).toEqual([]);
  });
});

describe('snippetOptions', () => {
  it('takes the title and tags the shell asked for', () => {
    expect(snippetOptions('  Retry loop ', '#python, net  net,,backoff')).toEqual({
      title: 'Retry loop',
      tags: ['python', 'net', 'backoff'],
    });
    expect(snippetOptions('Retry loop', undefined)).toEqual({ title: 'Retry loop', tags: [] });
  });

  it('saves nothing without a title', () => {
    expect(snippetOptions(undefined, 'x')).toBeUndefined();
    expect(snippetOptions('   ', 'x')).toBeUndefined();
  });
});
