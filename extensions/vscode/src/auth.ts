/**
 * Sign-in and sign-out through `tieline/auth/*`. The server runs the OAuth flows and keeps
 * the credentials; the shell shows the device code (modal, "Copy and Open Browser"), opens the
 * browser for the PKCE flow, and shows progress until `tieline/auth/status` reports the
 * account signed in.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  AUTH_SIGN_IN,
  AUTH_SIGN_OUT,
  AUTH_STATUS,
  type AccountStatus,
  type AuthStatusResult,
  type SignInResult,
  type SignOutResult,
} from './protocol';

export const DEFAULT_CONNECTOR = 'github';

const NAMES: Record<string, string> = { github: 'GitHub' };
const nameOf = (connector: string) => NAMES[connector] ?? connector;

export async function signedInAccounts(client: LanguageClient, connector?: string): Promise<AccountStatus[]> {
  const r = await client.sendRequest<AuthStatusResult>(AUTH_STATUS, connector ? { connector } : {});
  return (r?.accounts ?? []).filter((a) => a.signedIn);
}

async function waitForSignIn(
  client: LanguageClient,
  connector: string,
  before: Set<string>,
  seconds: number,
  intervalSeconds: number,
): Promise<AccountStatus | undefined> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Waiting for ${nameOf(connector)} sign-in…`,
      cancellable: true,
    },
    async (_progress, token) => {
      const deadline = Date.now() + seconds * 1000;
      while (!token.isCancellationRequested && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.max(1, intervalSeconds) * 1000));
        try {
          const accounts = await signedInAccounts(client, connector);
          const fresh = accounts.find((a) => !before.has(`${a.host ?? ''}/${a.account ?? ''}`)) ?? accounts[0];
          if (fresh && (before.size === 0 || !before.has(`${fresh.host ?? ''}/${fresh.account ?? ''}`))) return fresh;
        } catch {
          /* the server may be busy finishing the exchange; ask again */
        }
      }
      return undefined;
    },
  );
}

export async function signIn(client: LanguageClient, connector = DEFAULT_CONNECTOR): Promise<boolean> {
  const name = nameOf(connector);
  let before = new Set<string>();
  try {
    before = new Set((await signedInAccounts(client, connector)).map((a) => `${a.host ?? ''}/${a.account ?? ''}`));
  } catch {
    /* status is optional for sign-in */
  }
  let result: SignInResult;
  try {
    result = await client.sendRequest<SignInResult>(AUTH_SIGN_IN, { connector });
  } catch (err) {
    void vscode.window.showErrorMessage(`Sign in to ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
  if (result.state === 'signedIn') {
    void vscode.window.showInformationMessage(`Signed in to ${name}${result.account ? ` as ${result.account}` : ''}.`);
    return true;
  }
  if (result.state === 'failed' || result.state === 'cancelled') {
    if (result.state === 'failed') {
      void vscode.window.showErrorMessage(`Sign in to ${name} failed${result.message ? `: ${result.message}` : '.'}`);
    }
    return false;
  }
  let expires = 600;
  let interval = 2;
  if (result.deviceCode) {
    const code = result.deviceCode;
    const copy = 'Copy and Open Browser';
    const choice = await vscode.window.showInformationMessage(
      `Sign in to ${name} with the code ${code.userCode}`,
      {
        modal: true,
        detail: `Paste the code at ${code.verificationUri} to let Tieline use your ${name} account.`,
      },
      copy,
    );
    if (choice !== copy) return false;
    await vscode.env.clipboard.writeText(code.userCode);
    await vscode.env.openExternal(vscode.Uri.parse(code.verificationUriComplete ?? code.verificationUri));
    expires = code.expiresIn;
    interval = code.interval ?? 5;
  } else if (result.browserUrl) {
    await vscode.env.openExternal(vscode.Uri.parse(result.browserUrl));
  }
  const account = await waitForSignIn(client, connector, before, expires, interval);
  if (account) {
    void vscode.window.showInformationMessage(`Signed in to ${name}${account.account ? ` as ${account.account}` : ''}.`);
    return true;
  }
  return false;
}

export async function signOut(client: LanguageClient, connector = DEFAULT_CONNECTOR): Promise<boolean> {
  const accounts = await signedInAccounts(client, connector);
  if (accounts.length === 0) {
    void vscode.window.showInformationMessage(`No ${nameOf(connector)} account is signed in.`);
    return false;
  }
  let account = accounts[0];
  if (accounts.length > 1) {
    const picked = await vscode.window.showQuickPick(
      accounts.map((a) => ({ label: a.account ?? '(unknown)', description: a.host ?? '', account: a })),
      { placeHolder: 'Sign out of which account?' },
    );
    if (!picked) return false;
    account = picked.account;
  }
  const who = `${account.account ?? nameOf(connector)}${account.host ? ` on ${account.host}` : ''}`;
  const ok = await vscode.window.showWarningMessage(`Sign out ${who}? Tieline forgets its credentials.`, { modal: true }, 'Sign Out');
  if (ok !== 'Sign Out') return false;
  const r = await client.sendRequest<SignOutResult>(AUTH_SIGN_OUT, {
    connector,
    ...(account.host ? { host: account.host } : {}),
    ...(account.account ? { account: account.account } : {}),
  });
  return !!r?.signedOut;
}
