"""The store: migrations, idempotent item upserts, and round-trips of every table's API."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.sdk.errors import SchemaTooNew, StoreError
from server.hub import paths
from server.hub.store import Item, Migration, Store, current_version, load_migrations, migrate
from server.hub.store.database import check_sqlite_version
from server.hub.store.migrate import split_statements
from tests.pg import sqlite_only


def _mode(path: Path) -> int:
    return path.stat().st_mode


def _tables(path: Path | str) -> set[str]:
    if isinstance(path, str) and path.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(path) as pg:
            got = pg.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            ).fetchall()
        return {str(r[0]) for r in got}
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def _syntax_error(db_backend: str) -> type[Exception]:
    """What the backend's driver raises for SQL it cannot parse."""
    if db_backend == "postgres":
        import psycopg

        return psycopg.errors.SyntaxError
    return sqlite3.OperationalError


async def test_migrations_apply_from_empty(db_path: Path | str) -> None:
    async with Store.open(db_path) as store:
        assert await current_version(store) == load_migrations()[-1].version
    assert {"items", "checkpoints", "jobs", "job_effects", "grants", "audit_log"} <= _tables(
        db_path
    )
    assert {"metrics", "schema_version"} <= _tables(db_path)


async def test_migrations_are_idempotent(db_path: Path | str) -> None:
    async with Store.open(db_path) as store:
        first = await current_version(store)
        assert await migrate(store) == first
    async with Store.open(db_path) as store:
        assert await current_version(store) == first
        row = await store.fetchone("SELECT count(*) FROM schema_version")
        assert row is not None and row[0] == len(load_migrations())


@sqlite_only
async def test_pragmas_are_set(store: Store) -> None:
    mode = await store.fetchone("PRAGMA journal_mode")
    fk = await store.fetchone("PRAGMA foreign_keys")
    sync = await store.fetchone("PRAGMA synchronous")
    assert mode is not None and mode[0] == "wal"
    assert fk is not None and fk[0] == 1
    assert sync is not None and sync[0] == 1  # NORMAL


@sqlite_only
async def test_database_file_is_owner_only(db_path: Path) -> None:
    async with Store.open(db_path):
        pass
    assert _mode(db_path) & 0o077 == 0


async def test_default_path_is_under_the_data_dir() -> None:
    async with Store.open() as store:
        assert store.path == paths.database_file()
    assert _mode(paths.database_file())


async def test_newer_database_is_refused_with_a_clear_error(db_path: Path | str) -> None:
    async with Store.open(db_path) as store:
        await store.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 0)"
        )
    with pytest.raises(SchemaTooNew, match="upgrade Tieline") as info:
        async with Store.open(db_path):
            pass
    assert info.value.found == 999


async def test_failed_migration_rolls_back_completely(
    store: Store, db_path: Path | str, db_backend: str
) -> None:
    have = await current_version(store)
    steps = [
        *load_migrations(),
        Migration(have + 1, "broken", "CREATE TABLE t (x INTEGER); BOGUS;"),
    ]
    with pytest.raises(_syntax_error(db_backend)):
        await migrate(store, steps)
    assert await current_version(store) == have
    assert "t" not in _tables(db_path)


def test_split_statements_keeps_triggers_whole() -> None:
    sql = """
    -- a comment; with a semicolon
    CREATE TABLE a (x);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO a VALUES (1); END;
    """
    stmts = split_statements(sql)
    assert len(stmts) == 2
    assert stmts[1].endswith("END;")


def test_old_sqlite_is_refused() -> None:
    with pytest.raises(StoreError, match=r"3\.35"):
        check_sqlite_version("3.31.1")
    check_sqlite_version("3.35.0")


def _item(key: str, title: str, *, etag: str | None = None) -> Item:
    return Item(
        connector="github",
        account="octocat",
        kind="pull_request",
        key=key,
        data={"title": title},
        etag=etag,
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


async def test_items_upsert_is_idempotent(store: Store) -> None:
    batch = [_item(f"o/r#{n}", f"PR {n}") for n in range(50)]
    assert await store.upsert_items(batch) == 50
    await store.upsert_items(batch)
    await store.upsert_items([_item("o/r#7", "renamed", etag='W/"2"')])
    row = await store.fetchone("SELECT count(*) FROM items")
    assert row is not None and row[0] == 50
    got = await store.get_item("github", "octocat", "pull_request", "o/r#7")
    assert got is not None
    assert got.data == {"title": "renamed"} and got.etag == 'W/"2"'
    assert got.updated_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert len(await store.list_items("github", "octocat", "pull_request", limit=10)) == 10


async def test_items_delete(store: Store) -> None:
    await store.upsert_items([_item("a", "A"), _item("b", "B")])
    assert await store.delete_items("github", "octocat", "pull_request", ["a", "zzz"]) == 1
    assert await store.get_item("github", "octocat", "pull_request", "a") is None


async def test_items_and_checkpoint_commit_together_or_not_at_all(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.upsert_items([_item("a", "A")])
            await store.set_checkpoint("github", "octocat", "pulls", "cursor-1")
            raise RuntimeError("sync crashed")
    assert await store.get_item("github", "octocat", "pull_request", "a") is None
    assert await store.get_checkpoint("github", "octocat", "pulls") is None


async def test_checkpoints_round_trip(store: Store) -> None:
    assert await store.get_checkpoint("jira", "me", "issues") is None
    await store.set_checkpoint("jira", "me", "issues", "2025-01-01T00:00:00Z")
    await store.set_checkpoint("jira", "me", "issues", "2025-02-01T00:00:00Z")
    cp = await store.get_checkpoint("jira", "me", "issues")
    assert cp is not None and cp.cursor == "2025-02-01T00:00:00Z"
    assert cp.updated_at.tzinfo is not None
    assert await store.clear_checkpoints("jira", "me") == 1


async def test_grants_round_trip(store: Store) -> None:
    assert await store.get_grant("github", "octocat") is None
    await store.record_grant("github", "octocat", ["repo", "read:org", "repo"])
    grant = await store.get_grant("github", "octocat")
    assert grant is not None and grant.scopes == ["read:org", "repo"]
    await store.record_grant("github", "octocat", ["repo"])
    grant = await store.get_grant("github", "octocat")
    assert grant is not None and grant.scopes == ["repo"]
    assert [g.account for g in await store.list_grants()] == ["octocat"]
    assert await store.revoke_grant("github", "octocat") is True
    assert await store.revoke_grant("github", "octocat") is False
    assert await store.get_grant("github", "octocat") is None


async def test_audit_log_round_trips_and_never_stores_secrets(store: Store) -> None:
    token = "ghp_" + "a" * 36
    await store.audit(
        "user",
        "auth.signed_in",
        "github:octocat",
        {"scopes": ["repo"], "access_token": "xyz-secret", "note": f"used {token}"},
    )
    await store.audit("hub", "sync.started", "github:octocat")
    entries = await store.list_audit()
    assert [e.action for e in entries] == ["sync.started", "auth.signed_in"]
    signed = (await store.list_audit(action="auth.signed_in"))[0]
    assert signed.detail["scopes"] == ["repo"]
    assert signed.detail["access_token"] == "[REDACTED]"
    raw = await store.fetchall("SELECT detail FROM audit_log")
    assert all("xyz-secret" not in r[0] and token not in r[0] for r in raw)


async def test_metrics_accumulate(store: Store) -> None:
    assert await store.get_metrics("github") is None
    await store.record_request("github", latency=0.2, rate_limit_remaining=4999)
    await store.record_request("github", latency=0.4, cache_hit=True)
    await store.record_request("github", ok=False, error="boom Bearer abcdefghijkl")
    m = await store.get_metrics("github")
    assert m is not None
    assert (m.requests, m.errors, m.cache_hits, m.latency_count) == (3, 1, 1, 2)
    assert m.mean_latency == pytest.approx(0.3)
    assert m.rate_limit_remaining == 4999
    assert m.last_success is not None and m.last_error_at is not None
    assert m.last_error is not None and "abcdefghijkl" not in m.last_error
    assert m.error_rate == pytest.approx(1 / 3)
    assert [x.connector for x in await store.all_metrics()] == ["github"]


def test_migration_numbers_may_have_gaps_but_not_repeats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers are handed out ahead of merging, so 0003 may land before 0002; two files with
    one number would apply only one of them, and are refused by name."""
    import importlib

    for name, files in {
        "gapmigs": ["0001_a.sql", "0003_c.sql"],
        "dupmigs": ["0001_a.sql", "0002_b.sql", "0002_other.sql"],
    }.items():
        pkg = tmp_path / name
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        for f in files:
            (pkg / f).write_text("CREATE TABLE t (x);")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert [m.version for m in load_migrations("gapmigs")] == [1, 3]
    with pytest.raises(StoreError, match="0002_b and 0002_other share a number"):
        load_migrations("dupmigs")
