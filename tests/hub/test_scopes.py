"""Project and team keys a tracker has are learned from the service and kept in the store,
so after a restart ``PROJ-7`` is a reference before the first sync, and ``UTF-8`` still is
not -- even when the service is down then: whose an environment token is, is remembered too
(by a fingerprint, never the token)."""

from __future__ import annotations

from pathlib import Path

from server.hub.hub import Hub
from server.hub.refs import ItemTarget
from tests.scenarios import started


async def test_learned_keys_outlive_a_restart(tmp_path: Path) -> None:
    with started() as services:
        environ = {
            **services.server_env(),
            "TIELINE_VAULT_BACKEND": "file",
            "TIELINE_VAULT_PASSPHRASE": "scopes",
        }
        db = tmp_path / "tieline.db"
        hub = await Hub.open(folders=[], store_path=db, environ=environ, cache_dir=None)
        try:
            for session in await hub.connect():
                await hub.sync_now(session)
            assert hub.scan_context.knows("jira", "PROJ") and hub.scan_context.knows(
                "linear", "ENG"
            )
        finally:
            await hub.close()

        services.jira.inject("500", count=1000)  # the next run cannot ask Jira at all
        hub = await Hub.open(folders=[], store_path=db, environ=environ, cache_dir=None)
        try:
            assert await hub.connect()  # sessions open from the mirror; nothing synced yet
            ctx = hub.scan_context
            assert ctx.knows("jira", "PROJ") and ctx.knows("linear", "ENG")
            assert not ctx.knows("jira", "UTF")
            refs = hub.scanner.scan("PROJ-7 and UTF-8", language_id="markdown", context=ctx)
            assert [r.text for r in refs] == ["PROJ-7"]
            target = refs[0].target
            assert isinstance(target, ItemTarget) and hub.cached(target) is not None
        finally:
            await hub.close()
