import { describe, expect, it } from 'vitest';
import { filterCommandRegistration, serverCommandsToRegister } from '../../src/commands';

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

import { PALETTE_ARGS, parseArg } from '../../src/commands';

describe('palette arguments', () => {
  it('asks for numbers and URLs the server commands need', () => {
    const n = PALETTE_ARGS['tieline.startWork'];
    expect(parseArg(n, ' #42 ')).toBe(42);
    expect(parseArg(n, '42')).toBe(42);
    expect(parseArg(n, 'forty-two')).toBeUndefined();
    const u = PALETTE_ARGS['tieline.openInBrowser'];
    expect(parseArg(u, 'https://github.com/o/r/issues/1')).toBe('https://github.com/o/r/issues/1');
    expect(parseArg(u, 'javascript:alert(1)')).toBeUndefined();
    expect(PALETTE_ARGS['tieline.createIssueFromTodo'].kind).toBe('cursor');
  });
});
