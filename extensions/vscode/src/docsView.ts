/**
 * The docs preview's page, kept free of `vscode` so it can be unit-tested.
 *
 * The page arrives from the server already sanitized (`tieline.docs.page` runs a local
 * docset page through nh3: no scripts, handlers, styles, frames or foreign references, and
 * the docset's own images inlined as `data:` rasters). The webview is the second wall: it
 * runs no script (`enableScripts: false`, no `script-src`), loads nothing (`default-src
 * 'none'`, no local resource roots) and allows only `data:` images and its own inline style.
 */
import { escapeHtml, stripActive } from './diagramView';

export const OPEN_DOCS_COMMAND = 'tieline.openDocs';
export const DOCS_PAGE_COMMAND = 'tieline.docs.page';
export const DOCS_VIEW_TYPE = 'tieline.docsPreview';

export const DOCS_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'";

/** What `tieline.docs.page` answers. */
export interface DocsPage {
  title: string;
  url: string;
  local: string;
  html: string;
}

/** A page as the server answered it, or undefined when the answer is not one. */
export function asDocsPage(value: unknown): DocsPage | undefined {
  const v = value as Partial<DocsPage> | null | undefined;
  if (!v || typeof v !== 'object') return undefined;
  if (typeof v.title !== 'string' || typeof v.html !== 'string' || typeof v.url !== 'string') return undefined;
  return { title: v.title, url: v.url, local: typeof v.local === 'string' ? v.local : '', html: v.html };
}

/** The whole page: the docset page's body, its title, and where it came from. */
export function docsHtml(page: DocsPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${DOCS_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>
  body { margin: 0; padding: 12px 20px; color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); line-height: 1.5; }
  pre, code { font-family: var(--vscode-editor-font-family); }
  pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow: auto; }
  a { color: var(--vscode-textLink-foreground); }
  img { max-width: 100%; }
  footer { margin-top: 16px; opacity: 0.7; font-size: 0.9em; }
</style>
</head>
<body>
<article>${stripActive(page.html)}</article>
<footer>${escapeHtml(page.url)}</footer>
</body>
</html>`;
}
