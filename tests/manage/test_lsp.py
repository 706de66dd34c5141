"""``tieline.manage`` over stdio: a real language server starts its web face and answers a
login link, asks the editor to open it in the browser, and the link logs a browser in once."""

from __future__ import annotations

from pathlib import Path

import httpx
from lsprotocol import types

from server.lsp.features import manage
from server.web.manage.sessions import COOKIE
from tests.lsp.conftest import Env, run_command, server_env, start_prompted


async def test_the_editor_command_gives_a_one_time_login_link(
    tmp_path: Path, tieline_home: Path
) -> None:
    root = tmp_path / "work"
    root.mkdir()
    env = server_env(Env(root=root, github=None, home=tieline_home))
    del env["TIELINE_GITHUB_TOKEN"]
    c = await start_prompted(env, root)
    shown: list[types.ShowDocumentParams] = c.shown_documents  # type: ignore[attr-defined]
    try:
        commands = c.init_result.capabilities.execute_command_provider  # type: ignore[attr-defined]
        assert manage.MANAGE in commands.commands
        answer = await run_command(c, manage.MANAGE)
        url = answer["url"]
        assert url.startswith("http://127.0.0.1:") and "/manage/login?ticket=" in url
        assert answer["opened"] is True
        assert [(s.uri, s.external) for s in shown] == [(url, True)]
        quiet = await run_command(c, manage.MANAGE, {"open": False})
        assert quiet["opened"] is False and quiet["url"] != url and len(shown) == 1
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.get(url)
            assert r.status_code == 303 and r.cookies[COOKIE]
            assert (await http.get(url)).status_code == 401
    finally:
        await c.shutdown_session()
