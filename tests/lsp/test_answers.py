"""Lenses and links are rebuilt only where the document or the index changed."""

from __future__ import annotations

from connectors.sdk.models import Issue, ItemState
from server.hub.refs import ItemTarget, Reference, RefKind, TextRange
from server.hub.sync.syncers import Index
from server.lsp import answers


def ref(line: int, n: int, *, linear: bool = False) -> Reference:
    if linear:  # no page the rules can build: the link is the item's own URL
        target = ItemTarget("linear", "linear.app", "ENG", f"ENG-{n}", n, RefKind.ISSUE)
        return Reference(TextRange(line, 4, 9), RefKind.ISSUE, target, f"ENG-{n}", None)
    target = ItemTarget("github", "github.com", "octo/app", f"#{n}", n)
    url = f"https://github.com/octo/app/issues/{n}"
    return Reference(TextRange(line, 4, 6), RefKind.ANY, target, f"#{n}", url)


def index(tag: str = "") -> tuple[dict[str, Issue], list[ItemTarget]]:
    items: dict[str, Issue] = {}
    asked: list[ItemTarget] = []
    for r in [ref(0, n) for n in range(1, 6)] + [ref(0, n, linear=True) for n in range(1, 6)]:
        t = r.target
        assert isinstance(t, ItemTarget) and t.ref is not None
        items[t.ref.id] = Issue(
            ref=t.ref, title=f"Issue {t.key}{tag}", state=ItemState.OPEN, url=f"u:{t.key}{tag}"
        )
    return items, asked


def lookup(items: dict[str, Issue], asked: list[ItemTarget]) -> answers.Cached:
    def cached(target: ItemTarget) -> Issue | None:
        asked.append(target)
        return items.get(target.item_id or "")

    return cached


def test_the_same_references_and_index_answer_the_very_answer() -> None:
    items, asked = index()
    refs = [ref(1, 1), ref(6, 2, linear=True)]
    lenses = answers.lenses(refs, 1, lookup(items, asked))
    links = answers.links(refs, 1, lookup(items, asked), True)
    asked.clear()
    assert answers.lenses(refs, 1, lookup(items, asked), lenses) is lenses
    assert answers.links(refs, 1, lookup(items, asked), True, links) is links
    assert asked == []  # nothing looked up


def test_an_edit_rebuilds_only_the_reference_it_made() -> None:
    items, asked = index()
    refs = [ref(1, 1), ref(6, 2), ref(11, 3, linear=True)]
    before = answers.lenses(refs, 1, lookup(items, asked))
    links = answers.links(refs, 1, lookup(items, asked), False)
    asked.clear()
    edited = [refs[0], ref(6, 4), refs[2]]  # the scanner keeps unchanged references
    after = answers.lenses(edited, 1, lookup(items, asked), before)
    assert after.out[0] is before.out[0] and after.out[2] is before.out[2]
    assert after.out[1] is not before.out[1]
    assert after.out == answers.lenses(edited, 1, lookup(items, [])).out
    assert [t.key for t in asked] == ["#4"]
    new_links = answers.links(edited, 1, lookup(items, asked), False, links)
    assert [a is b for a, b in zip(new_links.out, links.out, strict=True)] == [True, False, True]


def test_moved_references_keep_their_lens_command() -> None:
    items, asked = index()
    refs = [ref(1, 1), ref(6, 2)]
    before = answers.lenses(refs, 1, lookup(items, asked))
    asked.clear()
    moved = [ref(2, 1), ref(7, 2)]  # a line inserted above both
    after = answers.lenses(moved, 1, lookup(items, asked), before)
    assert asked == []  # each target's item and command were known
    assert [lens.range.start.line for lens in after.out] == [2, 7]
    assert all(a.command is b.command for a, b in zip(after.out, before.out, strict=True))
    assert after.out == answers.lenses(moved, 1, lookup(items, [])).out


def test_a_new_index_state_rebuilds_lenses_and_item_links_only() -> None:
    items, asked = index()
    refs = [ref(1, 1), ref(6, 2, linear=True)]
    lenses = answers.lenses(refs, 1, lookup(items, asked))
    links = answers.links(refs, 1, lookup(items, asked), True)
    synced, _ = index(" (synced)")
    new_lenses = answers.lenses(refs, 2, lookup(synced, asked), lenses)
    assert [c.command.title for c in new_lenses.out if c.command] == [
        "#1 open",
        "ENG-2 open",
    ]
    assert all(a is not b for a, b in zip(new_lenses.out, lenses.out, strict=True))
    new_links = answers.links(refs, 2, lookup(synced, asked), True, links)
    assert new_links.out[0] is links.out[0]  # its URL is the text's
    assert new_links.out[1].target == "u:ENG-2 (synced)"


def test_lenses_of_unknown_items_are_fetched_and_one_per_item_per_line() -> None:
    items, asked = index()
    twice = [ref(1, 1), ref(1, 1), ref(3, 99)]
    got = answers.lenses(twice, 1, lookup(items, asked))
    assert len(got.out) == 1
    assert [t.key for t in got.missing] == ["#99"]


def test_an_item_id_is_its_ref_id() -> None:
    for r in [ref(0, 7), ref(0, 7, linear=True)]:
        t = r.target
        assert isinstance(t, ItemTarget) and t.ref is not None
        assert t.item_id == t.ref.id
    assert ItemTarget("github", "github.com", None, "#7", 7).item_id is None


def test_every_change_of_an_index_gives_it_a_version_no_index_had() -> None:
    a, b = Index(), Index()
    seen = {a.version, b.version}
    items, _ = index()
    a.put(list(items.values())[:1])
    assert a.version not in seen
    seen.add(a.version)
    b.put([])
    assert b.version not in seen
