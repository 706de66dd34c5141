"""The sanitizer against hostile HTML and Markdown: a fixed corpus plus generated input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.hub.sanitize import (
    code_span,
    escape_inline,
    excerpt,
    plain_text,
    sanitize_markdown,
)

# Classic XSS vectors (OWASP filter-evasion cheat sheet style) plus Markdown-specific ones.
CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.test/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="jav&#x09;ascript:alert(1);">',
    "<img src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "<iframe src=https://evil.test></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<body onload=alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="https://evil.test/x.css">',
    "<details open ontoggle=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    '<a href="https://ok.test" onmouseover="alert(1)">x</a>',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1) )",
    "[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)",
    "![x](javascript:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]:\n   vbscript:alert(1)",
    "<javascript:alert(1)>",
    "`code` <img src=x onerror=alert(1)> `<img src=x onerror=alert(1)>`",
    "\\`<img src=x onerror=alert(1)>\\`",
    "<div>\n```\n<script>alert(1)</script>\n```\n</div>",
]

_TAG = re.compile(r"<\s*([a-zA-Z][\w:-]*)([^>]*)>")
_DEST = re.compile(r"\]\(\s*<?\s*([^)\s>]*)|^ {0,3}\[[^\]]+\]:\s*<?(\S*)", re.MULTILINE)
_DANGEROUS_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input",
    "meta", "base", "link", "body", "frame", "frameset", "template", "noscript",
}  # fmt: skip


def _outside_code(md: str) -> str:
    """The output with our own fenced code blocks and code spans removed."""
    md = re.sub(r"^(`{3,}|~{3,}).*?^\1\s*$", "", md, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", "", md, flags=re.DOTALL)


def assert_safe(md: str) -> None:
    prose = _outside_code(md)
    for m in _TAG.finditer(prose):
        name, attrs = m.group(1).lower(), m.group(2)
        assert name not in _DANGEROUS_TAGS, md
        assert not re.search(r"(?i)\bon\w+\s*=", attrs), md
        assert not re.search(r"(?i)\bstyle\s*=", attrs), md
        for url in re.findall(r'(?:href|src)="([^"]*)"', attrs):
            assert re.match(r"(?:https?://|mailto:)", url), md
    for m in _DEST.finditer(prose):
        dest = m.group(1) if m.group(1) is not None else m.group(2)
        assert dest == "" or re.match(r"(?i)(?:https?://|mailto:|#)", dest), md


@pytest.mark.parametrize("hostile", CORPUS)
def test_corpus(hostile: str) -> None:
    out = sanitize_markdown(hostile)
    assert_safe(out)
    assert "alert(1)</script>" not in _outside_code(out)


def test_plain_markdown_is_kept() -> None:
    md = (
        "# Title\n\nSome *emphasis*, **bold**, `Vec<T>` and a [link](https://example.com).\n\n"
        "> quoted a -> b\n\n- item 1\n- item 2\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\nif a < b and c > d:\n    print('<ok>')\n```"
    )
    assert sanitize_markdown(md) == md


def test_html_that_is_allowed() -> None:
    md = '<details><summary>Logs</summary>\n\n<b>x</b> <a href="https://ok.test">ok</a>\n</details>'
    out = sanitize_markdown(md)
    assert "<details><summary>Logs</summary>" in out
    assert '<a href="https://ok.test" rel="noopener noreferrer nofollow">ok</a>' in out


def test_relative_urls_are_dropped() -> None:
    assert (
        sanitize_markdown('<img src="x.png"> <a href="/p">p</a>')
        == '<img> <a rel="noopener noreferrer nofollow">p</a>'
    )


def test_unclosed_fence_is_closed_and_html_block_ended() -> None:
    out = sanitize_markdown("text\n```js\nlet a = '<b>'")
    assert out == "text\n\n```js\nlet a = '<b>'\n```"


def test_fence_info_string_is_reduced() -> None:
    assert sanitize_markdown('```js" onload="x\ncode\n```').startswith("```js\n")


def test_controls_and_bidi_overrides_removed() -> None:
    assert sanitize_markdown("a\u202eb\x07c\r\nd") == "abc\nd"


def test_excerpt_cuts_on_lines_and_closes_fences() -> None:
    body = "intro\n```\n" + "\n".join(f"line {i}" for i in range(100)) + "\n```\nend"
    out = excerpt(body)
    assert out.endswith("```\n\n…")
    assert out.count("```") == 2
    assert len(out) < 1400
    long = "word " * 1000
    cut = sanitize_markdown(long, max_chars=100)
    assert cut.endswith("word\n\n…") and len(cut) <= 103


def test_escape_inline_neutralises_markdown() -> None:
    title = "Fix `x` ](javascript:alert(1)) <b>*bold*</b> #1 & [link](https://x)\nnext"
    out = escape_inline(title)
    assert "\n" not in out
    assert out == (
        r"Fix \`x\` \]\(javascript:alert\(1\)\) \<b\>\*bold\*\</b\> \#1 \& "
        r"\[link\]\(https://x\) next"
    )


def test_plain_text_and_code_span() -> None:
    assert plain_text("  a\n\tb  " + "c" * 100, 10) == "a b ccccc…"
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x`") == "`` `x` ``"


HOSTILE_PIECES = st.sampled_from(
    [
        "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>",
        "](", "](javascript:", "](command:", "[r]: ", "javascript:", "<svg onload=alert(1)>",
        "<iframe>", "<style>", "&#106;", "&", "<", ">", "\"", "'", "`", "\n", " ", "[", "]", "(",
        ")", "<!--", "-->", "<https://x.test>", "x", "\u202e", "<div>", "</div>", "\\",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(HOSTILE_PIECES, max_size=40).map("".join))
def test_generated_hostile_markdown_is_safe(text: str) -> None:
    assert_safe(sanitize_markdown(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=400))
def test_any_text_never_raises(text: str, limit: int) -> None:
    out = sanitize_markdown(text, max_chars=limit, max_lines=limit // 10 + 1)
    assert "\u202e" not in out
    assert "\n" not in escape_inline(text)
