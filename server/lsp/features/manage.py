"""The management pages from the editor: ``tieline.manage`` starts the web face (if it is
not running yet) and answers a one-time login link to its ``/manage/`` pages, which it also
asks the client to open in the browser (``window/showDocument`` with ``external``) where the
client can. A shell may instead show the link in a webview or with ``vscode.env.openExternal``.

- ``tieline.manage`` -> ``{"url": "http://127.0.0.1:PORT/manage/login?ticket=...",
  "opened": bool}`` (the link works once, for two minutes)

The web face and its pages are imported only when the command runs.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from ..common import hub_or_fail
from ..guard import guarded
from ..server import TielineServer, client_supports_show_document

MANAGE = "tieline.manage"
COMMANDS = (MANAGE,)


async def login_url(ls: TielineServer) -> str:
    """A fresh login link for the hub's web face, started first if need be."""
    from server.web.manage.sessions import login_link

    hub = await hub_or_fail(ls)
    base = await hub.web.start()
    return login_link(base, hub.web.secrets.token())


def setup(server: TielineServer) -> None:
    @server.command(MANAGE)
    @guarded(MANAGE)
    async def manage(ls: TielineServer, *args: Any) -> dict[str, Any]:
        url = await login_url(ls)
        opened = False
        if not (args and args[0] == {"open": False}) and client_supports_show_document(ls):
            shown = await ls.window_show_document_async(
                types.ShowDocumentParams(uri=url, external=True)
            )
            opened = bool(shown and shown.success)
        return {"url": url, "opened": opened}
