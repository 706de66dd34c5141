"""GitLab snippets as the SnippetStore capability: the user's personal snippets and those of
the projects named in ``snippet_projects``. One file per snippet, its title the snippet's
title. A new one is ``private`` unless shared public, and updates never send
``visibility``, so a private snippet stays private.

A personal snippet's id is GitLab's number (``"42"``), a project snippet's is the project's
full path and the number (``"group/app:42"``): a project path never holds a colon, so the
two never collide and the hub keeps treating ids as opaque. Shared snippets go where
``snippet_project`` says (a project path), else to the personal snippets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.sdk import ConnectorContext, RemoteSnippet
from connectors.sdk.errors import ConfigError, NotFound

from .client import GitLabClient
from .models import GlSnippet


def split_id(snippet_id: str) -> tuple[str | None, int]:
    """``(project path or None, number)`` of a snippet id this connector gave out."""
    project, sep, number = snippet_id.rpartition(":")
    if not number.isdigit() or (sep and not project):
        raise NotFound(f"no GitLab snippet {snippet_id!r}", service="GitLab")
    return (project or None), int(number)


def join_id(project: str | None, number: int) -> str:
    return f"{project}:{number}" if project else str(number)


def to_remote(s: GlSnippet, content: str, project: str | None = None) -> RemoteSnippet:
    return RemoteSnippet(
        id=join_id(project, s.id),
        title=s.title,
        file_name=s.file_name or "snippet.txt",
        content=content,
        visibility=s.visibility,
        url=s.web_url,
        revision=s.updated_at.isoformat(),
        updated_at=s.updated_at,
    )


def snippet_projects(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The configured projects, each once, without stray slashes."""
    seen: dict[str, None] = {}
    for p in settings.get("snippet_projects") or ():
        path = str(p).strip().strip("/")
        if path:
            seen.setdefault(path, None)
    return tuple(seen)


class GitLabSnippets:
    """The capability's methods, mixed into the connector."""

    client: GitLabClient
    ctx: ConnectorContext

    @property
    def _snippet_settings(self) -> Mapping[str, Any]:
        return self.ctx.settings

    def _target(self) -> str | None:
        target = str(self._snippet_settings.get("snippet_project") or "").strip().strip("/")
        if target and target not in snippet_projects(self._snippet_settings):
            # Shared there but never listed back, the snippet would look deleted on the host.
            raise ConfigError(
                f"snippet_project {target!r} is not one of snippet_projects; add it there too"
            )
        return target or None

    async def list_snippets(self) -> Sequence[RemoteSnippet]:
        out = []
        for project in (None, *snippet_projects(self._snippet_settings)):
            async for s in self.client.list_snippets(project):
                content = await self.client.snippet_content(s.id, project)
                out.append(to_remote(s, content, project))
        return out

    async def get_snippet(self, snippet_id: str) -> RemoteSnippet:
        project, sid = split_id(snippet_id)
        s = await self.client.get_snippet(sid, project)
        return to_remote(s, await self.client.snippet_content(sid, project), project)

    async def create_snippet(
        self, title: str, file_name: str, content: str, *, public: bool = False
    ) -> RemoteSnippet:
        visibility = "public" if public else "private"
        project = self._target()
        s = await self.client.create_snippet(
            title, file_name, content, visibility=visibility, project=project
        )
        return to_remote(s, content, project)

    async def update_snippet(
        self, snippet_id: str, *, title: str, file_name: str, content: str, old_file_name: str
    ) -> RemoteSnippet:
        project, sid = split_id(snippet_id)
        s = await self.client.update_snippet(
            sid, title=title, file_name=file_name, content=content, project=project
        )
        return to_remote(s, content, project)

    async def delete_snippet(self, snippet_id: str) -> None:
        project, sid = split_id(snippet_id)
        await self.client.delete_snippet(sid, project)
