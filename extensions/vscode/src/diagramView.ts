/**
 * The diagram preview's page, kept free of `vscode` so it can be unit-tested.
 *
 * The drawing arrives from the server already sanitized (`tieline.diagrams.draw` runs it
 * through nh3: no scripts, event handlers, foreign references or embedded documents). The
 * page is the second wall: the webview runs no script at all (`enableScripts: false`, and a
 * content security policy with no `script-src`), loads nothing (`default-src 'none'`, no
 * local resource roots), and allows only inline styles, which an SVG drawing needs for its
 * look, and `data:` images.
 */

/** What `tieline.diagrams.draw` answers. */
export interface DrawResult {
  path: string;
  format: 'svg' | 'png';
  renderer: string;
  kind: 'plantuml' | 'mermaid';
  title: string;
  svg?: string;
}

export const PREVIEW_COMMAND = 'tieline.diagrams.preview';
export const DRAW_COMMAND = 'tieline.diagrams.draw';
export const PREVIEW_VIEW_TYPE = 'tieline.diagramPreview';

export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A drawing as the server answered it, or undefined when the answer is not one. */
export function asDrawResult(value: unknown): DrawResult | undefined {
  const v = value as Partial<DrawResult> | null | undefined;
  if (!v || typeof v !== 'object' || typeof v.path !== 'string' || typeof v.title !== 'string') return undefined;
  if (v.svg !== undefined && typeof v.svg !== 'string') return undefined;
  return v as DrawResult;
}

/** Belt and braces: the server's sanitizer removed these already; never let one through. */
export function stripActive(svg: string): string {
  return svg
    .replace(/<script[\s\S]*?(?:<\/script\s*>|$)/gi, '')
    .replace(/<\/?(?:iframe|object|embed|link|meta|base)\b[^>]*>/gi, '')
    .replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '');
}

/** The whole page: the drawing, its title and where its file is. */
export function previewHtml(result: DrawResult, error?: string): string {
  const body = error
    ? `<p class="error">${escapeHtml(error)}</p>`
    : `<div class="drawing">${stripActive(result.svg ?? '')}</div>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(result.title)}</title>
<style>
  body { margin: 0; padding: 12px; background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); }
  .drawing { background: #fff; display: inline-block; padding: 8px; border-radius: 4px; max-width: 100%; overflow: auto; }
  .drawing svg { max-width: 100%; height: auto; }
  .error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
  footer { margin-top: 8px; opacity: 0.7; font-size: 0.9em; }
</style>
</head>
<body>
${body}
<footer>${escapeHtml(result.renderer)} · ${escapeHtml(result.path)}</footer>
</body>
</html>`;
}
