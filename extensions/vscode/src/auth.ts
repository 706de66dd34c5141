/**
 * The VS Code face of sign-in (see signIn.ts for the flows): QuickPicks for the service and
 * the method, input boxes (secrets with `password: true`), the device-code modal with
 * "Copy and Open Browser", the browser for PKCE, and a cancellable progress notification.
 */
import * as vscode from 'vscode';
import type { DeviceCode } from './protocol';
import type { Choice, InputSpec, SignInUi } from './signIn';

export function vscodeSignInUi(): SignInUi {
  return {
    async pick<T>(items: Choice<T>[], placeHolder: string, title: string): Promise<T | undefined> {
      const picked = await vscode.window.showQuickPick(
        items.map((c) => ({ label: c.label, description: c.description, detail: c.detail, value: c.value })),
        { placeHolder, title, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
      );
      return picked?.value;
    },

    input(spec: InputSpec) {
      return Promise.resolve(
        vscode.window.showInputBox({
          title: spec.title,
          prompt: spec.prompt,
          placeHolder: spec.placeHolder,
          password: spec.password,
          value: spec.value,
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() === '' ? `Enter the ${spec.placeHolder ?? 'value'}` : undefined),
        }),
      );
    },

    async deviceCode(code: DeviceCode, service: string) {
      const copy = 'Copy and Open Browser';
      const choice = await vscode.window.showInformationMessage(
        `Sign in to ${service} with the code ${code.userCode}`,
        { modal: true, detail: `Paste the code at ${code.verificationUri} to let Tieline use your ${service} account.` },
        copy,
      );
      if (choice !== copy) return false;
      await vscode.env.clipboard.writeText(code.userCode);
      await vscode.env.openExternal(vscode.Uri.parse(code.verificationUriComplete ?? code.verificationUri));
      return true;
    },

    async openExternal(url: string) {
      await vscode.env.openExternal(vscode.Uri.parse(url));
    },

    wait<T>(title: string, intervalMs: number, timeoutMs: number, probe: () => Promise<T | undefined>) {
      return Promise.resolve(
        vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
          const deadline = Date.now() + timeoutMs;
          while (!token.isCancellationRequested && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, intervalMs));
            if (token.isCancellationRequested) break;
            const found = await probe();
            if (found !== undefined) return found;
          }
          return undefined;
        }),
      );
    },

    async confirm(message: string, action: string) {
      return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
    },

    info(message: string) {
      void vscode.window.showInformationMessage(message);
    },

    error(message: string) {
      void vscode.window.showErrorMessage(message);
    },

    openSettings(query: string) {
      void vscode.commands.executeCommand('workbench.action.openSettings', query);
    },
  };
}
