"""A selection of code as a chat :class:`~connectors.sdk.chat.Post`: the code, its language,
where it is in its repository, and a link to those lines on the code host.

The link is a permalink at the checkout's current commit (a branch moves; a commit does not),
built from the code host's ``web_urls.lines`` template in its manifest, so the hub names no
code host. It is made only when the file is in a clone whose remote a signed-in
:class:`~connectors.sdk.capabilities.CodeHost` session serves: a link to a host nobody here
can reach would most often be a private repository's 404 to the reader.

Before anything is sent the code is checked for secrets with the snippet library's scanner
(the built-in shapes plus every installed service's token patterns), so sharing refuses what
saving a snippet refuses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import git

from connectors.sdk.capabilities import CodeHost, provides
from connectors.sdk.chat import CodeBlock, Post

if TYPE_CHECKING:
    from ..hub import Hub
    from ..workspace import Workspace

log = logging.getLogger("tieline.chat")


@dataclass(frozen=True)
class Selection:
    """What the editor selected: the file, its text, and 1-based first and last lines."""

    path: Path | None
    body: str
    language: str
    line: int
    end_line: int


def head_commit(root: Path) -> str | None:
    """The clone's current commit, or ``None`` (no commit yet, not a clone)."""
    try:
        return str(git.Repo(root).head.commit.hexsha)
    except (ValueError, git.exc.GitError):  # an unborn branch raises ValueError
        return None


def relative_path(hub: Hub, path: Path | None) -> tuple[str | None, Workspace | None]:
    """The file's path in its repository (``src/app.py``) and the remote to link through:
    relative to the clone's root, else to its workspace folder."""
    if path is None:
        return None, None
    folder = hub.folder_for(path)
    if folder is None or not folder.contains(path):
        return path.name, None
    base = folder.root or folder.path
    try:
        rel = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name, None
    return rel, folder.primary if folder.root is not None else None


def lines_url(
    hub: Hub, remote: Workspace, sha: str, path: str, line: int, end_line: int
) -> str | None:
    """The code host's page of ``path`` lines ``line``-``end_line`` at ``sha``, when a
    CodeHost session serves the remote and its manifest says how such a page is named."""
    session = hub.session_for(remote.connector, remote.repo.host, remote.repo.full_name)
    if session is None or not provides(session.connector, CodeHost):
        return None
    template = session.manifest.web_urls.lines
    web = session.connector.web
    if not template or not web:
        return None
    values = {
        "web": web,
        "scope": remote.repo.full_name,
        "sha": sha,
        "path": quote(path, safe="/"),
        "line": str(line),
        "end_line": str(end_line),
    }
    try:
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
    except KeyError as exc:  # a template naming what no line link has
        log.warning("%s: web_urls.lines names {%s}", remote.connector, exc.args[0])
        return None


def build_post(hub: Hub, sel: Selection, message: str = "", *, sha: str | None = None) -> Post:
    """The post for a selection: ``message`` and the code with its origin. ``sha``
    overrides the commit read from the clone (tests, a caller that already has it)."""
    rel, remote = relative_path(hub, sel.path)
    url = None
    if rel is not None and remote is not None:
        commit = sha or head_commit(remote.root)
        if commit:
            url = lines_url(hub, remote, commit, rel, sel.line, sel.end_line)
    code = CodeBlock(
        body=sel.body,
        language=sel.language,
        path=rel,
        line=sel.line,
        end_line=max(sel.line, sel.end_line),
        url=url,
    )
    return Post(text=message, code=code)


def check_secrets(hub: Hub, post: Post) -> None:
    """Raise :class:`~connectors.sdk.errors.SecretFound` when the post's code or text looks
    like it holds a secret (the findings say what and on which line, never the value)."""
    body = post.code.body if post.code else ""
    hub.snippets.scanner.check(body, post.text, what="the selection")


__all__ = ["Selection", "build_post", "check_secrets", "head_commit", "lines_url"]
