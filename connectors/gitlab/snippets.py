"""GitLab personal snippets as the SnippetStore capability: one file per snippet, its title
the snippet's title. A new one is ``private`` unless shared public, and updates never send
``visibility``, so a private snippet stays private."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.sdk import RemoteSnippet
from connectors.sdk.errors import NotFound

from .client import GitLabClient
from .models import GlSnippet


def _id(snippet_id: str) -> int:
    if not snippet_id.isdigit():
        raise NotFound(f"no GitLab snippet {snippet_id!r}", service="GitLab")
    return int(snippet_id)


def to_remote(s: GlSnippet, content: str) -> RemoteSnippet:
    return RemoteSnippet(
        id=str(s.id),
        title=s.title,
        file_name=s.file_name or "snippet.txt",
        content=content,
        visibility=s.visibility,
        url=s.web_url,
        revision=s.updated_at.isoformat(),
        updated_at=s.updated_at,
    )


class GitLabSnippets:
    """The capability's methods, mixed into the connector."""

    client: GitLabClient

    async def list_snippets(self) -> Sequence[RemoteSnippet]:
        out = []
        async for s in self.client.list_snippets():
            out.append(to_remote(s, await self.client.snippet_content(s.id)))
        return out

    async def get_snippet(self, snippet_id: str) -> RemoteSnippet:
        sid = _id(snippet_id)
        s = await self.client.get_snippet(sid)
        return to_remote(s, await self.client.snippet_content(sid))

    async def create_snippet(
        self, title: str, file_name: str, content: str, *, public: bool = False
    ) -> RemoteSnippet:
        visibility = "public" if public else "private"
        s = await self.client.create_snippet(title, file_name, content, visibility=visibility)
        return to_remote(s, content)

    async def update_snippet(
        self, snippet_id: str, *, title: str, file_name: str, content: str, old_file_name: str
    ) -> RemoteSnippet:
        s = await self.client.update_snippet(
            _id(snippet_id), title=title, file_name=file_name, content=content
        )
        return to_remote(s, content)

    async def delete_snippet(self, snippet_id: str) -> None:
        await self.client.delete_snippet(_id(snippet_id))
