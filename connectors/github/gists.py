"""Gists as snippets (the SnippetStore capability): a gist's description is the snippet's
title and its first file the snippet. A new gist is secret unless asked otherwise, and no
update ever touches ``public`` (GitHub's PATCH cannot change it anyway)."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.sdk import RemoteSnippet

from .client import GitHubClient
from .models import GhGist


def to_remote(g: GhGist) -> RemoteSnippet:
    name, f = next(iter(g.files.items()), ("", None))
    history = g.history or []
    revision = str(history[0].get("version") or "") if history else ""
    return RemoteSnippet(
        id=g.id,
        title=g.description or name,
        file_name=name,
        content=(f.content or "") if f is not None else "",
        visibility="public" if g.public else "secret",
        url=g.html_url,
        revision=revision or g.updated_at.isoformat(),
        updated_at=g.updated_at,
    )


class Gists:
    """The capability's methods, mixed into the connector."""

    @property
    def client(self) -> GitHubClient:
        raise NotImplementedError  # the connector's

    async def list_snippets(self) -> Sequence[RemoteSnippet]:
        out = []
        async for g in self.client.list_gists():
            # a list answer has no file contents (and may truncate them): read each gist
            out.append(to_remote(await self.client.get_gist(g.id)))
        return out

    async def get_snippet(self, snippet_id: str) -> RemoteSnippet:
        return to_remote(await self.client.get_gist(snippet_id))

    async def create_snippet(
        self, title: str, file_name: str, content: str, *, public: bool = False
    ) -> RemoteSnippet:
        return to_remote(await self.client.create_gist(title, {file_name: content}, public=public))

    async def update_snippet(
        self, snippet_id: str, *, title: str, file_name: str, content: str, old_file_name: str
    ) -> RemoteSnippet:
        change: dict[str, str] = {"content": content}
        if file_name != old_file_name:
            change["filename"] = file_name
        g = await self.client.update_gist(snippet_id, title, {old_file_name: change})
        return to_remote(g)

    async def delete_snippet(self, snippet_id: str) -> None:
        await self.client.delete_gist(snippet_id)
