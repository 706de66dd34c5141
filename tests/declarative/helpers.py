"""Manifests of the Tiny Tracker stand-in, one per pagination and auth style, and the
connector they make wired through the hub's real HTTP stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.declarative.connector import DeclarativeConnector, connector_class
from connectors.declarative.load import parse
from connectors.sdk.registry import SOURCES
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.tinytracker import TOKEN, USER

#: How each style pages: the [pagination] table and the list's selector.
STYLES: dict[str, tuple[str, str]] = {
    "link": ('style = "link"\npage_size = 10\nsize_param = "per_page"', "@"),
    "cursor": (
        'style = "cursor"\npage_size = 10\nsize_param = "maxResults"\n'
        'cursor_param = "nextPageToken"\ncursor_path = "nextPageToken"',
        "issues",
    ),
    "page": (
        'style = "page"\npage_size = 10\nsize_param = "per_page"\ntotal_path = "total"',
        "items",
    ),
    "offset": (
        'style = "offset"\npage_size = 10\nsize_param = "maxResults"\noffset_param = "startAt"',
        "values",
    ),
}
AUTH = {
    "bearer": 'type = "bearer"',
    "header": 'type = "header"\nheader = "X-TT-Token"',
    "basic": 'type = "basic"\nusername_label = "user"',
    "query": 'type = "query"\nparam = "api_key"',
}
ROOT = Path(__file__).resolve().parents[2]
METHOD = {"bearer": "token", "header": "token", "basic": "basic", "query": "api_key"}


def manifest(
    url: str,
    style: str = "link",
    *,
    auth: str = "bearer",
    id: str = "tinytracker",
    name: str = "Tiny Tracker",
) -> str:
    paging, select = STYLES[style]
    return f"""# A Tiny Tracker, declared ({style} pages, {auth} auth).
id = "{id}"
name = "{name}"
base_url = "{url}/api"
web_url = "https://tt.example.test"
key = "TT-{{number}}"

[auth]
{AUTH[auth]}
help = "Create a token under Settings > API tokens."

[[references]]
regex = 'TT-(\\d+)'
description = "TT-12: an issue of the Tiny Tracker"

[[urls]]
path = '^/issues/(\\d+)$'

[pagination]
{paging}

[endpoints.list]
path = "/{style}/issues"
params = {{ status = "open" }}
select = "{select}"
filters.assigned = {{ assignee = "{{account}}" }}

[endpoints.get]
path = "/issues/{{number}}"

[endpoints.search]
path = "/{style}/search"
params = {{ q = "{{query}}" }}
select = "{select}"

[endpoints.me]
path = "/me"
login = "login"
name = "name"

[fields]
number = "id"
title = "title"
state = "status"
url = "html_url"
body = "body"
author = "author"
assignees = "assignees"
labels = "labels"
created = "created_at"
updated = "updated_at"

[states]
closed = ["done", "wontfix"]
"""


def connect(
    url: str,
    style: str = "link",
    *,
    auth: str = "bearer",
    token: str = TOKEN,
    cache_dir: Path | None = None,
    **kwargs: Any,
) -> tuple[DeclarativeConnector, HubClient]:
    cls = connector_class(parse(manifest(url, style, auth=auth)))
    return wire(
        cls,
        f"{url}/api",
        token=token,
        method=METHOD[auth],
        username=USER if auth == "basic" else None,
        host="127.0.0.1",
        account=USER,
        cache_dir=cache_dir,
        **kwargs,
    )


def source_on_path(where: Path) -> str:
    """A PYTHONPATH on which the declarative connector source is registered: the installed
    metadata's, or (a virtualenv installed from an older checkout) a dist-info saying so."""
    from importlib.metadata import entry_points

    if any(ep.name == "declarative" for ep in entry_points(group=SOURCES)):
        return str(ROOT)
    info = where / "tieline_declarative_source-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tieline-declarative\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[{SOURCES}]\ndeclarative = connectors.declarative.source:discover\n"
    )
    return f"{where}:{ROOT}"
