"""Which repositories (and branch) is this folder? Read from git remotes via gitpython.

Remotes come as ``https://host/o/r(.git)``, ``git@host:o/r.git`` (scp-like ssh) or
``ssh://git@host[:port]/o/r.git``, with any depth of path (GitLab's ``group/sub/project``).
``origin`` is preferred, then ``upstream``, then any other remote on a known host. The hosts
come from the connectors that attach to git remotes (github.com, gitlab.com and each one's
configured self-managed hosts), so a remote no connector serves is ignored. This lives in
the hub, not in a connector, because every code host's clone looks the same.

A :class:`Folder` is one workspace folder of the editor: every served remote of its clone
(a GitHub fork's ``origin`` and a GitLab mirror can both be there), its branch, and which
marker files it has (``.gitlab-ci.yml`` says GitLab CI is in use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import git

from connectors.sdk.models import RepoRef

PREFERRED = ("origin", "upstream")
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


@dataclass(frozen=True)
class Workspace:
    """One served remote of a clone: the repository, the remote's name, the checkout."""

    repo: RepoRef
    remote: str
    branch: str | None  # None on a detached HEAD
    root: Path
    connector: str = ""


@dataclass(frozen=True)
class Folder:
    """One workspace folder: its path, its clone (if any) and every served remote."""

    path: Path
    root: Path | None = None
    branch: str | None = None
    remotes: tuple[Workspace, ...] = ()
    markers: frozenset[str] = field(default_factory=frozenset)

    @property
    def primary(self) -> Workspace | None:
        return self.remotes[0] if self.remotes else None

    def contains(self, path: Path) -> bool:
        for base in (self.path, self.root):
            if base is not None and (path == base or base in path.parents):
                return True
        return False


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
    owner, name = "/".join(segs[:-1]), segs[-1]
    if name.endswith(".git"):
        name = name[:-4]
    return host.lower(), owner, name


def detect(path: Path, *, hosts: Iterable[str] | Mapping[str, str] = ()) -> Workspace | None:
    """The preferred served remote of the clone ``path`` belongs to, or ``None`` (not a
    clone, or no remote on those hosts). ``hosts`` may map each host to its connector id."""
    return detect_folder(path, hosts=hosts).primary


def detect_folder(
    path: Path, *, hosts: Iterable[str] | Mapping[str, str] = (), markers: Iterable[str] = ()
) -> Folder:
    """Everything Tieline needs to know about one workspace folder."""
    known: dict[str, str] = (
        {h.lower(): c for h, c in hosts.items()}
        if isinstance(hosts, Mapping)
        else {h.lower(): "" for h in hosts}
    )
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return Folder(path=path, markers=_markers(path, markers))
    root = Path(repo.working_tree_dir or path)
    try:
        branch: str | None = repo.active_branch.name
    except TypeError:  # detached HEAD
        branch = None
    remotes = {r.name: list(r.urls) for r in repo.remotes}
    order = [n for n in PREFERRED if n in remotes] + sorted(
        n for n in remotes if n not in PREFERRED
    )
    found: list[Workspace] = []
    seen: set[RepoRef] = set()
    for name in order:
        for url in remotes[name]:
            parsed = parse_remote(url)
            if not parsed or parsed[0] not in known:
                continue
            host, owner, repo_name = parsed
            ref = RepoRef(host=host, owner=owner, name=repo_name)
            if ref in seen:
                continue
            seen.add(ref)
            found.append(Workspace(ref, name, branch, root, known[host]))
    return Folder(
        path=path,
        root=root,
        branch=branch,
        remotes=tuple(found),
        markers=_markers(root, markers),
    )


def _markers(root: Path, names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in names if (root / n).exists())
