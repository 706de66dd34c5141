"""The ADF reader and the text writers (``connectors.jira.adf``).

Node shapes follow Atlassian's "Atlassian Document Format" structure reference
(developer.atlassian.com/cloud/jira/platform/apis/document/structure/) and the examples in
Jira's platform v3 OpenAPI (``tests/contracts/jira/platform-v3.json``: getIssue's description,
addComment's body).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.jira import adf


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def p(*inline: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inline)}


def t(text: str, *marks: str, **attrs: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks or attrs:
        node["marks"] = [{"type": m} for m in marks]
        if "href" in attrs:
            node["marks"].append({"type": "link", "attrs": {"href": attrs["href"]}})
    return node


def test_the_contract_s_own_description_example() -> None:
    # getIssue's 200 example in Jira's platform v3 OpenAPI.
    description = doc(p(t("Main order flow broken")))
    assert adf.to_markdown(description) == "Main order flow broken"


def test_none_and_wiki_strings_pass_through() -> None:
    assert adf.to_markdown(None) == ""
    assert adf.to_markdown("h1. A *wiki* body") == "h1. A *wiki* body"


def test_marks_headings_and_breaks() -> None:
    d = doc(
        {"type": "heading", "attrs": {"level": 2}, "content": [t("Steps")]},
        p(
            t("Press "),
            t("Save", "strong"),
            t(" then "),
            t("wait", "em"),
            {"type": "hardBreak"},
            t("run "),
            t("make", "code"),
            t(" or read "),
            t("the docs", href="https://example.com/docs"),
            t(" "),
            t("gone", "strike"),
        ),
    )
    assert adf.to_markdown(d) == (
        "## Steps\n\n"
        "Press **Save** then *wait*  \n"
        "run `make` or read [the docs](https://example.com/docs) ~~gone~~"
    )


def test_lists_nest_and_number_from_their_order() -> None:
    nested = {
        "type": "bulletList",
        "content": [{"type": "listItem", "content": [p(t("inner"))]}],
    }
    d = doc(
        {
            "type": "orderedList",
            "attrs": {"order": 3},
            "content": [
                {"type": "listItem", "content": [p(t("third")), nested]},
                {"type": "listItem", "content": [p(t("fourth"))]},
            ],
        }
    )
    assert adf.to_markdown(d) == "3. third\n   - inner\n4. fourth"


def test_code_quote_panel_rule_and_tasks() -> None:
    d = doc(
        {
            "type": "codeBlock",
            "attrs": {"language": "python"},
            "content": [t("print('hi')\nprint('bye')")],
        },
        {"type": "blockquote", "content": [p(t("quoted")), p(t("twice"))]},
        {"type": "panel", "attrs": {"panelType": "info"}, "content": [p(t("note"))]},
        {"type": "rule"},
        {
            "type": "taskList",
            "attrs": {"localId": "x"},
            "content": [
                {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [t("done")]},
                {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [t("todo")]},
            ],
        },
    )
    assert adf.to_markdown(d) == (
        "```python\nprint('hi')\nprint('bye')\n```\n\n"
        "> quoted\n>\n> twice\n\n"
        "> note\n\n"
        "---\n\n"
        "- [x] done\n- [ ] todo"
    )


def test_inline_nodes_mention_emoji_date_status_card() -> None:
    d = doc(
        p(
            {"type": "mention", "attrs": {"id": "5b10a28", "text": "@Mia Krystof"}},
            t(" "),
            {"type": "mention", "attrs": {"id": "abc"}},
            t(" "),
            {"type": "emoji", "attrs": {"shortName": ":grinning:", "text": "😀"}},
            t(" due "),
            {"type": "date", "attrs": {"timestamp": "1582152559000"}},
            t(" "),
            {"type": "status", "attrs": {"text": "In progress", "color": "blue"}},
            t(" "),
            {"type": "inlineCard", "attrs": {"url": "https://acme.atlassian.net/browse/EX-1"}},
        )
    )
    assert adf.to_markdown(d) == (
        "@Mia Krystof @abc 😀 due 2020-02-19 [In progress] https://acme.atlassian.net/browse/EX-1"
    )


def test_tables_become_gfm_tables() -> None:
    def cell(kind: str, text: str) -> dict[str, Any]:
        return {"type": kind, "content": [p(t(text))]}

    d = doc(
        {
            "type": "table",
            "content": [
                {
                    "type": "tableRow",
                    "content": [cell("tableHeader", "a"), cell("tableHeader", "b")],
                },
                {"type": "tableRow", "content": [cell("tableCell", "1|2"), cell("tableCell", "3")]},
            ],
        }
    )
    assert adf.to_markdown(d) == "| a | b |\n| --- | --- |\n| 1\\|2 | 3 |"


def test_media_expand_and_unknown_nodes_keep_their_text() -> None:
    d = doc(
        {
            "type": "mediaSingle",
            "content": [{"type": "media", "attrs": {"type": "file", "id": "x", "alt": "shot.png"}}],
        },
        {"type": "expand", "attrs": {"title": "Logs"}, "content": [p(t("trace"))]},
        {"type": "someFutureBlock", "content": [p(t("still here"))]},
        p({"type": "someFutureInline", "attrs": {"text": "inline too"}}),
    )
    assert (
        adf.to_markdown(d)
        == "[attachment: shot.png]\n\n**Logs**\n\ntrace\n\nstill here\n\ninline too"
    )


def test_malformed_documents_degrade_instead_of_raising() -> None:
    assert adf.to_markdown({"type": "doc", "content": "not a list"}) == ""
    assert adf.to_markdown({"type": "doc", "content": [None, 3, p(t("ok"))]}) == "ok"
    assert adf.to_markdown([1, 2]) == ""
    deep: dict[str, Any] = p(t("bottom"))
    for _ in range(500):
        deep = {"type": "blockquote", "content": [deep]}
    adf.to_markdown(doc(deep))  # bounded, no RecursionError


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "content", "text", "attrs", "marks", "level", "order"]),
            kids,
            max_size=4,
        )
    ),
    max_leaves=8,
)
node_types = st.sampled_from(
    [
        "doc",
        "paragraph",
        "text",
        "heading",
        "bulletList",
        "orderedList",
        "listItem",
        "table",
        "tableRow",
        "tableCell",
        "codeBlock",
        "mention",
        "date",
        "taskItem",
        "mediaSingle",
        "x",
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.fixed_dictionaries(
            {"type": node_types}, optional={"text": st.text(max_size=5), "attrs": json_values}
        ),
        lambda kids: st.fixed_dictionaries(
            {"type": node_types, "content": st.lists(kids | json_values, max_size=4)},
            optional={"attrs": json_values, "marks": json_values},
        ),
        max_leaves=12,
    )
)
def test_any_tree_reads_to_a_string(tree: dict[str, Any]) -> None:
    assert isinstance(adf.to_markdown(tree), str)


def test_text_to_adf_paragraphs_breaks_links_and_code() -> None:
    text = (
        "Crash on save\nsecond line\n\nSee https://example.com/x.\n\n```python\nprint(1)\n```\ntail"
    )
    assert adf.from_text(text) == doc(
        p(t("Crash on save"), {"type": "hardBreak"}, t("second line")),
        p(
            t("See "),
            {
                "type": "text",
                "text": "https://example.com/x",
                "marks": [{"type": "link", "attrs": {"href": "https://example.com/x"}}],
            },
            t("."),
        ),
        {"type": "codeBlock", "attrs": {"language": "python"}, "content": [t("print(1)")]},
        p(t("tail")),
    )


def test_empty_text_is_an_empty_document() -> None:
    assert adf.from_text("") == doc()
    assert adf.from_text("\n\n  \n") == doc()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="`\r", blacklist_categories=("Cs",))))
def test_written_text_reads_back_with_every_word(text: str) -> None:
    back = adf.to_markdown(adf.from_text(text))
    assert back.split() == [w for w in text.split() if w] or "http" in text


def test_wiki_for_data_center() -> None:
    assert adf.to_wiki("Steps:\n\n```js\nx()\n```\n\n```\nplain\n```") == (
        "Steps:\n\n{code:js}\nx()\n{code}\n\n{code}\nplain\n{code}"
    )


def test_plain_text_summary() -> None:
    assert adf.to_plain_text(doc(p(t("a")), p(t("b " * 10))), limit=8) == "a b b b…"
