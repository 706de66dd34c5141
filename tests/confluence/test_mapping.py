"""Storage format <-> Block tree: hand cases from the storage-format documentation
(https://confluence.atlassian.com/doc/confluence-storage-format-790796544.html), a round
trip over generated trees, and hostile storage."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.confluence.mapping import blocks_to_storage, safe_url, storage_to_blocks
from connectors.sdk.pages import (
    Block,
    Code,
    Divider,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Span,
    Table,
)


def p(*spans: Span | str) -> Paragraph:
    return Paragraph(spans=tuple(Span(text=s) if isinstance(s, str) else s for s in spans))


# -- hand cases -------------------------------------------------------------------------------


def test_headings_paragraphs_and_styles() -> None:
    xhtml = (
        "<h1>Title</h1><h3>Sub</h3>"
        "<p>plain <strong>bold <em>both</em></strong> <code>x()</code> <del>gone</del>"
        ' <a href="https://example.com/a?b=1&amp;c=2">link</a>&nbsp;end<br/>next</p>'
    )
    assert storage_to_blocks(xhtml) == [
        Heading(level=1, spans=(Span(text="Title"),)),
        Heading(level=3, spans=(Span(text="Sub"),)),
        p(
            "plain ",
            Span(text="bold ", bold=True),
            Span(text="both", bold=True, italic=True),
            " ",
            Span(text="x()", code=True),
            " ",
            Span(text="gone", strike=True),
            " ",
            Span(text="link", href="https://example.com/a?b=1&c=2"),
            "\xa0end\nnext",
        ),
    ]


def test_nested_lists_and_tasks() -> None:
    xhtml = (
        "<ul><li>one<ol><li>1a</li><li><p>1b</p></li></ol></li><li>two</li></ul>"
        "<ac:task-list><ac:task><ac:task-id>1</ac:task-id>"
        "<ac:task-status>complete</ac:task-status><ac:task-body>done it</ac:task-body></ac:task>"
        "<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status>"
        "<ac:task-body><strong>todo</strong></ac:task-body></ac:task></ac:task-list>"
    )
    assert storage_to_blocks(xhtml) == [
        ListBlock(
            items=(
                ListItem(
                    blocks=(
                        p("one"),
                        ListBlock(
                            ordered=True,
                            items=(ListItem(blocks=(p("1a"),)), ListItem(blocks=(p("1b"),))),
                        ),
                    )
                ),
                ListItem(blocks=(p("two"),)),
            )
        ),
        ListBlock(
            items=(
                ListItem(blocks=(p("done it"),), checked=True),
                ListItem(blocks=(p(Span(text="todo", bold=True)),), checked=False),
            )
        ),
    ]


def test_code_macro_with_cdata() -> None:
    xhtml = (
        '<ac:structured-macro ac:name="code" ac:schema-version="1">'
        '<ac:parameter ac:name="language">py</ac:parameter>'
        "<ac:plain-text-body><![CDATA[if a < b:\n    print(']]]]><![CDATA[>')\n]]>"
        "</ac:plain-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="noformat"><ac:plain-text-body><![CDATA[raw]]>'
        "</ac:plain-text-body></ac:structured-macro><pre>pre &amp; text</pre>"
    )
    assert storage_to_blocks(xhtml) == [
        Code(text="if a < b:\n    print(']]>')\n", language="py"),
        Code(text="raw"),
        Code(text="pre & text"),
    ]
    written = blocks_to_storage([Code(text="x ]]> y", language="sql")])
    assert storage_to_blocks(written) == [Code(text="x ]]> y", language="sql")]


def test_panels_are_quotes_and_unknown_macros_keep_their_text() -> None:
    xhtml = (
        '<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">Heads up</ac:parameter>'
        "<ac:rich-text-body><p>Read this.</p></ac:rich-text-body></ac:structured-macro>"
        "<blockquote><p>quoted</p></blockquote><hr/>"
        '<ac:structured-macro ac:name="expand"><ac:rich-text-body><p>inside</p>'
        "</ac:rich-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="widget"><ac:plain-text-body><![CDATA[plain words]]>'
        '</ac:plain-text-body></ac:structured-macro><ac:structured-macro ac:name="toc"/>'
        '<p>Status: <ac:structured-macro ac:name="status"><ac:parameter ac:name="title">DONE'
        "</ac:parameter></ac:structured-macro> ok</p>"
    )
    assert storage_to_blocks(xhtml) == [
        Quote(blocks=(p(Span(text="Heads up", bold=True)), p("Read this."))),
        Quote(blocks=(p("quoted"),)),
        Divider(),
        p("inside"),
        p("plain words"),
        p("[toc]"),
        p("Status: DONE ok"),
    ]


def test_tables_and_images() -> None:
    xhtml = (
        "<table><tbody><tr><th>A</th><th><p>B</p></th></tr>"
        "<tr><td><p>1</p><p>2</p></td><td><strong>x</strong></td></tr></tbody></table>"
        '<p>before<ac:image ac:alt="diagram"><ri:attachment ri:filename="d 1.png"/></ac:image>'
        'after</p><ac:image><ri:url ri:value="https://example.com/i.png"/></ac:image>'
    )
    blocks = storage_to_blocks(xhtml, attachment_url=lambda name: f"https://site/download/{name}")
    assert blocks == [
        Table(
            rows=(
                ((Span(text="A"),), (Span(text="B"),)),
                ((Span(text="1\n2"),), (Span(text="x", bold=True),)),
            ),
            header=True,
        ),
        p("before"),
        Image(url="https://site/download/d 1.png", alt="diagram"),
        p("after"),
        Image(url="https://example.com/i.png"),
    ]
    # Without a resolver the file name stands, percent-encoded, and is written back as it.
    bare = storage_to_blocks(xhtml)
    assert bare[2] == Image(url="d%201.png", alt="diagram")
    assert 'ri:filename="d 1.png"' in blocks_to_storage([bare[2]])


def test_blocks_inside_cells_and_images_where_blocks_cannot_stand() -> None:
    xhtml = (
        "<table><tbody><tr><td><ul><li>a</li><li>b</li></ul><p>c</p></td>"
        '<td><p><ac:image ac:alt="logo"><ri:attachment ri:filename="l.png"/></ac:image></p>'
        "</td></tr></tbody></table>"
        '<h2>Title <ac:image><ri:attachment ri:filename="i.png"/></ac:image></h2>'
    )
    assert storage_to_blocks(xhtml) == [
        Table(rows=(((Span(text="a\nb\nc"),), (Span(text="[logo]"),)),), header=False),
        Heading(level=2, spans=(Span(text="Title [i.png]"),)),
    ]


def test_links_mentions_emoticons_and_dates_keep_their_words() -> None:
    xhtml = (
        '<p><ac:link><ri:page ri:content-title="Other page"/></ac:link>, '
        '<ac:link><ri:page ri:content-title="X"/><ac:plain-text-link-body><![CDATA[shown]]>'
        '</ac:plain-text-link-body></ac:link>, <ac:link><ri:user ri:account-id="5b10"/></ac:link>'
        ', <ac:link><ri:user ri:username="ann"/></ac:link> '
        '<ac:emoticon ac:name="smile" ac:emoji-fallback="\U0001f642"/> '
        '<ac:emoticon ac:name="tick"/> <time datetime="2024-05-01"/></p>'
    )
    assert storage_to_blocks(xhtml) == [
        p("Other page, shown, @user, @ann \U0001f642 :tick: 2024-05-01"),
    ]


def test_attachment_keys_become_file_names() -> None:
    out = blocks_to_storage(
        [Image(url="img/a.png", alt="A"), Image(url="https://e.com/x.png")],
        attachments={"img/a.png": "a.png"},
    )
    assert out == (
        '<p><ac:image ac:alt="A"><ri:attachment ri:filename="a.png"/></ac:image></p>'
        '<p><ac:image><ri:url ri:value="https://e.com/x.png"/></ac:image></p>'
    )


def test_written_storage_escapes_text_and_attributes() -> None:
    out = blocks_to_storage(
        [
            p(Span(text='<b>&"', href='https://e.com/?q="><script>')),
            Table(rows=(((Span(text="<td>"),),),), header=False),
        ]
    )
    assert "<script>" not in out and "<b>" not in out
    assert storage_to_blocks(out) == [
        p(Span(text='<b>&"', href='https://e.com/?q="><script>')),
        Table(rows=(((Span(text="<td>"),),),), header=False),
    ]


# -- hostile storage ----------------------------------------------------------------------------

HOSTILE = (
    "<p>hi<script>alert(1)</script> there</p><script>document.cookie</script>"
    '<p onclick="steal()"><a href="javascript:alert(1)">click</a> '
    '<a href=" JaVa\tScRiPt:alert(2)">tab</a> <a href="data:text/html,x">data</a> '
    '<a href="/wiki/ok">rel</a></p>'
    '<img src="x" onerror="alert(3)"/><iframe src="https://evil"><p>framed</p></iframe>'
    "<style>p{}</style><object><embed src=x></object>"
    '<ac:image><ri:url ri:value="javascript:alert(4)"/></ac:image>'
    '<ac:image ac:alt="pic"><ri:url ri:value="data:image/png;base64,AA"/></ac:image>'
    "<svg><script>alert(5)</script></svg><p>end</p>"
)


def _walk(value: Any) -> list[str]:
    """Every string anywhere in a block tree."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _walk(v)]
    if hasattr(value, "model_dump"):
        return _walk(list(value.model_dump().values()))
    return []


def test_hostile_storage_yields_no_script_or_handlers() -> None:
    blocks = storage_to_blocks(HOSTILE)
    strings = " ".join(_walk(blocks)).lower()
    for bad in ("alert", "script", "onerror", "onclick", "steal", "cookie", "framed", "data:"):
        assert bad not in strings
    assert blocks == [
        p("hi there"),
        p(
            "click tab data ",
            Span(text="rel", href="/wiki/ok"),
        ),
        p("pic"),
        p("end"),
    ]


def test_safe_url() -> None:
    assert safe_url("https://e.com") == "https://e.com"
    assert safe_url("/wiki/x:y") == "/wiki/x:y"
    assert safe_url("mailto:a@b") == "mailto:a@b"
    assert safe_url("\x01javascript:x") is None
    assert safe_url("vbscript:x") is None


def test_unbalanced_storage_still_reads() -> None:
    assert storage_to_blocks("<p>a<strong>b</p><p>c</em></p><ul><li>x<li>y</ul>") == [
        p("a", Span(text="b", bold=True)),
        p("c"),
        ListBlock(
            items=(ListItem(blocks=(p("x"), ListBlock(items=(ListItem(blocks=(p("y"),)),)))),)
        ),
    ]


# -- round trip ---------------------------------------------------------------------------------

_chars = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\x85\u2028\u2029"
) | st.just("\n")
_texts = st.text(_chars, min_size=1, max_size=12)
_words = st.text(_chars, min_size=1, max_size=12).filter(lambda t: t.strip() != "")


def _canonical(spans: list[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in spans:
        if out and out[-1].model_copy(update={"text": ""}) == s.model_copy(update={"text": ""}):
            out[-1] = out[-1].model_copy(update={"text": out[-1].text + s.text})
        else:
            out.append(s)
    return tuple(out)


_spans_st = st.lists(
    st.builds(
        Span,
        text=_texts,
        bold=st.booleans(),
        italic=st.booleans(),
        code=st.booleans(),
        strike=st.booleans(),
        href=st.none() | st.sampled_from(["https://example.com/a?b=1&c=2", "/wiki/x", "#top"]),
    ),
    max_size=4,
).map(_canonical)
_para_spans = _spans_st.filter(lambda ss: "".join(s.text for s in ss).strip() != "")

_leaf: st.SearchStrategy[Block] = st.one_of(
    st.builds(Heading, level=st.integers(1, 6), spans=_spans_st),
    st.builds(Paragraph, spans=_para_spans),
    st.builds(
        Code,
        text=st.text(_chars, max_size=30) | st.just("a ]]> b"),
        language=st.sampled_from(["", "py", "java"]),
    ),
    st.builds(
        Image,
        url=st.sampled_from(["a.png", "dir-1_x.gif", "https://example.com/i.png?x=1&y=2"]),
        alt=st.sampled_from(["", "alt & <text>"]),
    ),
    st.just(Divider()),
    st.integers(1, 3).flatmap(
        lambda cols: st.builds(
            Table,
            rows=st.lists(
                st.lists(_spans_st, min_size=cols, max_size=cols).map(tuple),
                min_size=1,
                max_size=3,
            ).map(tuple),
            header=st.booleans(),
        )
    ),
)


def _lists(children: st.SearchStrategy[Block]) -> st.SearchStrategy[Block]:
    bodies = st.lists(children, max_size=3).map(tuple)
    plain = st.builds(
        ListBlock,
        ordered=st.booleans(),
        items=st.lists(st.builds(ListItem, blocks=bodies), min_size=1, max_size=3).map(tuple),
    )
    tasks = st.builds(
        ListBlock,
        items=st.lists(
            st.builds(ListItem, blocks=bodies, checked=st.booleans()), min_size=1, max_size=3
        ).map(tuple),
    )
    return st.one_of(
        plain, tasks, st.builds(Quote, blocks=st.lists(children, max_size=3).map(tuple))
    )


_blocks = st.recursive(_leaf, _lists, max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_blocks, max_size=5))
def test_round_trip(blocks: list[Block]) -> None:
    assert storage_to_blocks(blocks_to_storage(blocks)) == blocks


# -- arbitrary storage --------------------------------------------------------------------------

_TAGS = (
    "p", "h2", "strong", "em", "code", "s", "a", "ul", "ol", "li", "blockquote", "table",
    "tbody", "tr", "td", "th", "pre", "div", "span", "br", "hr", "script", "iframe", "style",
    "ac:task-list", "ac:task", "ac:task-status", "ac:task-body", "ac:structured-macro",
    "ac:rich-text-body", "ac:plain-text-body", "ac:image", "ri:attachment", "ri:url",
    "ac:link", "ri:user", "img", "svg",
)  # fmt: skip
_ATTRS = st.sampled_from(
    [
        "",
        ' href="javascript:alert(1)"',
        ' href="https://e.com/x"',
        ' onerror="alert(2)"',
        ' onclick="alert(3)"',
        ' ac:name="info"',
        ' ac:name="code"',
        ' ac:name="mystery"',
        ' ri:filename="f.png"',
        ' ri:value="javascript:alert(4)"',
        ' ri:username="ann"',
        ' src="x" onload="alert(5)"',
    ]
)
# Text without letters, so any letter in the blocks came from markup we should have dropped
# ("alert", "script") or from what the reader itself writes (``@user``, ``[mystery]``).
_plain = st.text(st.sampled_from(" 0123456789.,;-+=&<>\"'\n\xa0"), max_size=6).map(
    lambda t: t.replace("&", "&amp;").replace("<", "&lt;")
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attrs, inner, closed: (
            f"<{tag}{attrs}>{''.join(inner)}" + (f"</{tag}>" if closed else "")
        ),
        st.sampled_from(_TAGS),
        _ATTRS,
        st.lists(children, max_size=3),
        st.booleans(),
    )


_storage = st.recursive(
    _plain | st.just("<![CDATA[1 < 2]]>") | st.just("complete"), _element, max_leaves=12
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_storage, max_size=4).map("".join))
def test_any_storage_reads_to_safe_canonical_blocks(xhtml: str) -> None:
    blocks = storage_to_blocks(xhtml)
    said = " ".join(_walk(blocks)).lower()
    assert "alert" not in said and "javascript" not in said
    # What the reader gives is a tree the writer and reader agree on.
    assert storage_to_blocks(blocks_to_storage(blocks)) == blocks
