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
