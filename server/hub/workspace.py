"""Which repository (and branch) is this folder? Read from git remotes via gitpython.

Remotes come as ``https://host/o/r(.git)``, ``git@host:o/r.git`` (scp-like ssh) or
``ssh://git@host[:port]/o/r.git``. ``origin`` is preferred, then ``upstream``, then any other
remote on a known host. The hosts come from the code-host connectors (github.com plus the
configured GitHub Enterprise hosts, for GitHub), so a remote no connector serves is ignored.
This lives in the hub, not in a connector, because every code host's clone looks the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import git

from connectors.sdk.models import RepoRef

PREFERRED = ("origin", "upstream")
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


@dataclass(frozen=True)
class Workspace:
    repo: RepoRef
    remote: str
    branch: str | None  # None on a detached HEAD
    root: Path


def parse_remote(url: str) -> tuple[str, str, str] | None:
    """``(host, owner, name)`` from a remote URL, or ``None`` if it is not host/owner/name."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        host, path = parts.hostname or "", parts.path
    else:
        m = _SCP.match(url)
        if not m:
            return None
        host, path = m["host"], m["path"]
    segs = [s for s in path.strip("/").split("/") if s]
    if len(segs) < 2 or not host:
        return None
    owner, name = segs[-2], segs[-1]
    if name.endswith(".git"):
        name = name[:-4]
    return host.lower(), owner, name


def detect(path: Path, *, hosts: Iterable[str] = ()) -> Workspace | None:
    """The repository ``path`` belongs to on one of ``hosts``, or ``None`` (not a clone, or no
    remote on those hosts)."""
    known = {h.lower() for h in hosts}
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    remotes = {r.name: list(r.urls) for r in repo.remotes}
    order = [n for n in PREFERRED if n in remotes] + sorted(
        n for n in remotes if n not in PREFERRED
    )
    for name in order:
        for url in remotes[name]:
            parsed = parse_remote(url)
            if parsed and parsed[0] in known:
                host, owner, repo_name = parsed
                try:
                    branch: str | None = repo.active_branch.name
                except TypeError:  # detached HEAD
                    branch = None
                root = Path(repo.working_tree_dir or path)
                return Workspace(
                    RepoRef(host=host, owner=owner, name=repo_name), name, branch, root
                )
    return None
