"""The snippet library on a real database: CRUD, the FTS index kept in step by triggers,
bm25 ranking across columns, prefix queries at every keystroke, filters, secrets refused."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.sdk.errors import NoSuchRecord, SecretFound, StoreError
from connectors.sdk.models import SnippetSource
from server.hub import snippets
from server.hub.snippets import SnippetLibrary
from server.hub.store import Store, current_version, load_migrations


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "t.db") as s:
        yield s


@pytest.fixture
def lib(store: Store) -> SnippetLibrary:
    return SnippetLibrary(store)


async def titles(lib: SnippetLibrary, text: str, **kw: object) -> list[str]:
    return [h.snippet.title for h in await lib.search(text, **kw)]  # type: ignore[arg-type]


async def test_migration_creates_the_tables_and_index(tmp_path: Path, store: Store) -> None:
    assert await current_version(store) == len(load_migrations()) >= 2
    with sqlite3.connect(tmp_path / "t.db") as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"snippets", "snippets_fts", "snippet_remotes", "snippets_fts_update"} <= names


async def test_add_get_round_trips_every_field(lib: SnippetLibrary) -> None:
    src = SnippetSource(uri="file:///w/app.py", start_line=3, end_line=9)
    made = await lib.add(
        title="  Retry loop ",
        body="for ${1:attempt} in range(${2:3}):\n    $0",
        description="with backoff",
        language="python",
        prefix="retry",
        tags=["net", " net", "", "loops"],
        source=src,
        meta={"vscode": {"bodyArray": True}},
        created_at=datetime(2024, 1, 2, tzinfo=UTC),
    )
    got = await lib.get(made.id)
    assert got == made
    assert got.title == "Retry loop" and got.tags == ("net", "loops") and got.source == src
    assert got.created_at == got.updated_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert await lib.count() == 1


async def test_update_and_delete_keep_the_index_in_step(lib: SnippetLibrary) -> None:
    s = await lib.add(title="Alpha helper", body="alpha()")
    assert await titles(lib, "alpha") == ["Alpha helper"]
    await lib.update(s.id, title="Beta helper", body="beta()", tags=["x"])
    assert await titles(lib, "alpha") == []
    assert await titles(lib, "beta") == ["Beta helper"]
    assert (await lib.get(s.id)).tags == ("x",)
    await lib.delete(s.id)
    assert await titles(lib, "beta") == []
    with pytest.raises(NoSuchRecord):
        await lib.get(s.id)
    with pytest.raises(NoSuchRecord):
        await lib.delete(s.id)
    with pytest.raises(NoSuchRecord):
        await lib.update(s.id, title="x")


async def test_bad_writes_are_refused_with_a_clear_error(lib: SnippetLibrary) -> None:
    with pytest.raises(StoreError, match="needs a title"):
        await lib.add(title="  ", body="x")
    s = await lib.add(title="t", body="x", snippet_id="fixed")
    with pytest.raises(StoreError, match="exists already"):
        await lib.add(title="u", body="y", snippet_id="fixed")
    with pytest.raises(StoreError, match="no editable field id"):
        await lib.update(s.id, id="other")
    with pytest.raises(StoreError, match="needs a title"):
        await lib.update(s.id, title="")
    assert (await lib.get("fixed")).title == "t"


async def test_ranking_weighs_title_over_tags_over_description_over_body(
    lib: SnippetLibrary,
) -> None:
    await lib.add(title="Unrelated", body="def cache(): pass")
    await lib.add(title="Something", body="x", description="a cache for results")
    await lib.add(title="Other", body="y", tags=["cache"])
    await lib.add(title="LRU cache", body="z")
    assert await titles(lib, "cache") == ["LRU cache", "Other", "Something", "Unrelated"]


async def test_every_keystroke_is_a_prefix_query(lib: SnippetLibrary) -> None:
    await lib.add(title="Connection pool", body="make_pool(size)")
    await lib.add(title="Conditional import", body="try: import x")
    for typed, want in [
        ("c", {"Connection pool", "Conditional import"}),
        ("con", {"Connection pool", "Conditional import"}),
        ("conn", {"Connection pool"}),
        ("conn po", {"Connection pool"}),
        ("make_p", {"Connection pool"}),  # snake_case stays one word
        ("cond imp", {"Conditional import"}),
        ("connx", set()),
    ]:
        assert set(await titles(lib, typed)) == want, typed


async def test_query_syntax_in_what_is_typed_is_never_an_error(lib: SnippetLibrary) -> None:
    await lib.add(title="Quote AND or", body='say "hi"')
    for typed in ['"', 'say "hi', "AND", "OR (", "-x", "title:", "*", "NEAR(a b)", "^", "'"]:
        await lib.search(typed)
    assert await titles(lib, '"quote') == ["Quote AND or"]
    assert await titles(lib, "***") == ["Quote AND or"]  # no word: the newest


async def test_language_and_tag_filters(lib: SnippetLibrary) -> None:
    await lib.add(title="py log", body="log", language="python", tags=["log"])
    await lib.add(title="any log", body="log", tags=["misc"])
    await lib.add(title="web log", body="log", language="javascript, typescript")
    assert set(await titles(lib, "log", language="python")) == {"py log", "any log"}
    assert set(await titles(lib, "log", language="typescript")) == {"any log", "web log"}
    assert set(await titles(lib, "log", language="script")) == {"any log"}
    assert await titles(lib, "log", tag="log") == ["py log"]
    assert set(await titles(lib, "", language="python")) == {"py log", "any log"}
    assert [s.title for s in await lib.all(language="javascript")] == ["web log", "any log"]


async def test_empty_query_lists_newest_first_with_a_limit(store: Store) -> None:
    t = [100.0]

    def clock() -> float:
        t[0] += 1
        return t[0]

    lib = SnippetLibrary(store, clock=clock)
    for n in range(5):
        await lib.add(title=f"s{n}", body="b")
    assert await titles(lib, "", limit=3) == ["s4", "s3", "s2"]


async def test_a_snippet_holding_a_secret_is_refused_unless_allowed(lib: SnippetLibrary) -> None:
    body = "curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345' $URL"
    with pytest.raises(SecretFound) as err:
        await lib.add(title="call", body=body)
    assert "abcdefghij" not in str(err.value) and "line 1" in str(err.value)
    assert await lib.count() == 0
    s = await lib.add(title="call", body=body, allow_secrets=True)
    with pytest.raises(SecretFound):
        await lib.update(s.id, body="-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n")
    assert (await lib.get(s.id)).body == body


async def test_changes_are_reported(store: Store) -> None:
    seen: list[tuple[str, str]] = []
    lib = SnippetLibrary(store, on_change=lambda what, sid: seen.append((what, sid)))
    s = await lib.add(title="t", body="b")
    await lib.update(s.id, body="c")
    await lib.delete(s.id)
    assert seen == [("created", s.id), ("updated", s.id), ("deleted", s.id)]


async def test_the_cli_api(store: Store) -> None:
    made = await snippets.add(store, title="Docker run", body="docker run --rm ${1:image}")
    assert (await snippets.show(store, made.id)).body == made.body
    assert [h.snippet.id for h in await snippets.search(store, "dock")] == [made.id]
    with pytest.raises(SecretFound):
        await snippets.add(store, title="db", body='password = "hunter2"')


async def test_only_a_window_of_the_newest_matches_is_ranked(
    lib: SnippetLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.hub.snippets import library

    monkeypatch.setattr(library, "WINDOW", 3)
    await lib.add(title="cache cache cache", body="old but the best match")
    for n in range(4):
        await lib.add(title=f"cached value {n}", body="x")
    # "cach" matches all five; only the three newest are ranked
    assert set(await titles(lib, "cach")) == {"cached value 1", "cached value 2", "cached value 3"}
    # a query that narrows the matches below the window ranks all of them
    assert (await titles(lib, "cach old"))[0] == "cache cache cache"


async def test_language_words_are_not_searched_and_match_exactly(lib: SnippetLibrary) -> None:
    await lib.add(title="objc block", body="^{ }", language="objective-c")
    await lib.add(title="c block", body="{ }", language="c")
    await lib.add(title="typed python", body="pass", language="go")
    assert await titles(lib, "block", language="c") == ["c block"]
    assert await titles(lib, "block", language="objective-c") == ["objc block"]
    assert await titles(lib, "go") == []  # a language is not a word of the snippet
    assert await titles(lib, "python", language="go") == ["typed python"]
