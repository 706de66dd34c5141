import { describe, expect, it } from 'vitest';
import { serverCommandsToRegister } from '../../src/commands';
import { asDocsPage, DOCS_CSP, docsHtml, OPEN_DOCS_COMMAND } from '../../src/docsView';

const page = {
  title: 'Pan.heat <&>',
  url: 'file:///d/spam.docset/Contents/Resources/Documents/api.html#heat',
  local: 'file:///d/spam.docset/Contents/Resources/Documents/api.html#heat',
  html: '<h1>Pan.heat</h1><p>Heats.</p><img src="data:image/png;base64,iVBORw0=" alt="dot">',
};

describe('the docs preview page', () => {
  it('shows the sanitized page under a policy that runs no script and loads nothing', () => {
    const html = docsHtml(page);
    expect(html).toContain(`content="${DOCS_CSP}"`);
    expect(DOCS_CSP).toMatch(/^default-src 'none'/);
    expect(DOCS_CSP).not.toContain('script-src');
    expect(html).toContain('<h1>Pan.heat</h1>');
    expect(html).toContain('<title>Pan.heat &lt;&amp;&gt;</title>');
    expect(html).toContain('src="data:image/png;base64,iVBORw0="');
  });

  it('drops anything active that reached it all the same', () => {
    const html = docsHtml({ ...page, html: '<p onclick="x()">a</p><script>alert(1)</script><iframe src="https://e.test"></iframe>' });
    expect(html).not.toMatch(/<script|onclick|<iframe/i);
    expect(html).toContain('<p>a</p>');
  });

  it('reads only a page-shaped answer', () => {
    expect(asDocsPage(page)).toEqual(page);
    expect(asDocsPage({ title: 't', url: 'u' })).toBeUndefined();
    expect(asDocsPage(null)).toBeUndefined();
    expect(asDocsPage({ title: 't', url: 'u', html: 'h' })?.local).toBe('');
  });

  it('is the shell that handles Open, not the server command', () => {
    expect(serverCommandsToRegister([OPEN_DOCS_COMMAND, 'tieline.searchDocs'])).toEqual(['tieline.searchDocs']);
  });
});
