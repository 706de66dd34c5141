"""The SSE parser against the WHATWG rules, fed whole and in every split of the input."""

from __future__ import annotations

from server.hub.teamlink.sse import Comment, Item, Retry, SSEParser, SSEvent


def parse_all(text: str, last_id: str = "") -> list[Item]:
    p = SSEParser(last_id)
    return list(p.feed(text))


def every_split(text: str) -> list[list[Item]]:
    """The items of ``text`` fed in two chunks, cut at every position."""
    out = []
    for cut in range(len(text) + 1):
        p = SSEParser()
        out.append([*p.feed(text[:cut]), *p.feed(text[cut:])])
    return out


def test_multi_line_data_joins_with_newlines_and_drops_one_space() -> None:
    got = parse_all("event: issue.opened\ndata:  two spaces\ndata:x\nid: 7\n\n")
    assert got == [SSEvent("issue.opened", " two spaces\nx", "7", True)]


def test_comments_retry_and_default_type() -> None:
    got = parse_all(": keep-alive\nretry: 3000\nretry: 12a\ndata: {}\n\n")
    assert got == [Comment("keep-alive"), Retry(3000), SSEvent("message", "{}", "", False)]


def test_every_line_ending_and_every_chunk_boundary_give_the_same_events() -> None:
    for text in (
        "id: 1\ndata: a\n\nid: 2\ndata: b\n\n",
        "id: 1\r\ndata: a\r\n\r\nid: 2\r\ndata: b\r\n\r\n",
        "id: 1\rdata: a\r\rid: 2\rdata: b\r\r",
    ):
        want = [SSEvent("message", "a", "1", True), SSEvent("message", "b", "2", True)]
        assert parse_all(text) == want
        for got in every_split(text):
            assert got == want, text


def test_an_id_without_data_sets_the_last_id_but_dispatches_nothing() -> None:
    p = SSEParser("4")
    assert list(p.feed("id: 5\n\n")) == []
    assert p.last_id == "5"
    (e,) = p.feed("data: x\n\n")
    assert e == SSEvent("message", "x", "5", False)  # the id carries over, as the spec says


def test_an_id_with_nul_is_ignored_and_a_field_without_colon_is_a_name() -> None:
    got = parse_all("id: 1\0\ndata\ndata: y\n\n", last_id="3")
    assert got == [SSEvent("message", "\ny", "3", False)]


def test_bom_is_dropped_and_an_unfinished_event_is_not_dispatched() -> None:
    p = SSEParser()
    assert list(p.feed("\ufeffdata: a\n\ndata: unfinished\n")) == [
        SSEvent("message", "a", "", False)
    ]


def test_unknown_fields_are_ignored_and_event_type_resets_after_dispatch() -> None:
    got = parse_all("event: gap\nfoo: bar\ndata: {}\n\ndata: next\n\n")
    assert [(e.event, e.data) for e in got if isinstance(e, SSEvent)] == [
        ("gap", "{}"),
        ("message", "next"),
    ]
