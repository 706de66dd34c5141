import { describe, expect, it } from 'vitest';
import { SHELL_COMMANDS, serverCommandsToRegister } from '../../src/commands';
import { asDrawResult, CSP, previewHtml, PREVIEW_COMMAND, stripActive, type DrawResult } from '../../src/diagramView';

const drawn: DrawResult = {
  path: '/home/me/.cache/tieline/diagrams/ab/abc.svg',
  format: 'svg',
  renderer: 'PlantUML',
  kind: 'plantuml',
  title: 'README.md · diagram 1',
  svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>Alice &lt;b&gt;</text></svg>',
};

function csp(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  return m ? m[1] : '';
}

describe('diagram preview page', () => {
  it('shows the drawing under a policy that runs no script and loads nothing', () => {
    const html = previewHtml(drawn);
    expect(html).toContain('<div class="drawing"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">');
    const policy = csp(html);
    expect(policy).toBe(CSP);
    expect(policy).toMatch(/^default-src 'none';/);
    expect(policy).not.toMatch(/script-src|unsafe-eval|https?:|\*/);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('PlantUML · /home/me/.cache/tieline/diagrams/ab/abc.svg');
  });

  it('escapes the title, the path and an error', () => {
    const html = previewHtml({ ...drawn, title: '<img src=x onerror=alert(1)>', path: '/a/"b".svg' }, 'PlantUML: <b>Syntax</b> Error?');
    expect(html).toContain('<title>&lt;img src=x onerror=alert(1)&gt;</title>');
    expect(html).toContain('/a/&quot;b&quot;.svg');
    expect(html).toContain('<p class="error">PlantUML: &lt;b&gt;Syntax&lt;/b&gt; Error?</p>');
    expect(html).not.toContain('<div class="drawing">');
  });

  it('drops anything active even if a drawing carried it', () => {
    const evil = '<svg><script>alert(1)</script><rect onclick="alert(1)" onload=x /><iframe src="https://e"></iframe><text>ok</text></svg>';
    const out = stripActive(evil);
    expect(out).not.toMatch(/script|onclick|onload|iframe/i);
    expect(out).toContain('<text>ok</text>');
    expect(stripActive('<svg><script>never closed')).toBe('<svg>');
  });

  it('takes only a drawing from the server', () => {
    expect(asDrawResult(drawn)).toEqual(drawn);
    expect(asDrawResult(null)).toBeUndefined();
    expect(asDrawResult({ path: 1, title: 'x' })).toBeUndefined();
    expect(asDrawResult({ path: '/x.svg', title: 'x', svg: 3 })).toBeUndefined();
  });

  it('owns the preview command so the language client does not register the server one', () => {
    expect(SHELL_COMMANDS.has(PREVIEW_COMMAND)).toBe(true);
    expect(serverCommandsToRegister(['tieline.diagrams.preview', 'tieline.diagrams.export'])).toEqual(['tieline.diagrams.export']);
  });
});
