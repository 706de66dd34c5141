"""Where a CI machine's paths are in this checkout.

A job runs in the runner's workspace (``/home/runner/work/<repo>/<repo>/`` on GitHub,
``/builds/<group>/<project>/`` on GitLab, a Jenkins job's ``workspace/<job>@2/``, ...);
its compilers and test runners print paths in it, absolute or relative to wherever they
ran. :class:`CheckoutPaths` finds the file each names in the checkout the editor has open,
or says it is not there (a dependency, the toolchain, another repository), and never
answers a path outside the checkout.

The same mapping serves output printed on this machine (a workspace task run from the
editor, :mod:`server.hub.tasks`): there the tool ran in ``base`` (a directory of the
checkout) and an absolute path is this machine's own, so one outside the checkout is not in
it -- no CI workspace is stripped and no suffix is guessed (``local=True``).
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Final

# Workspaces whose root is known exactly: strip and look the rest up.
_WORKSPACES: Final = re.compile(
    r"^(?:/home/runner/work/[^/]+/[^/]+/"  # GitHub-hosted Linux
    r"|/Users/runner/work/[^/]+/[^/]+/"  # GitHub-hosted macOS
    r"|[A-Za-z]:/a/[^/]+/[^/]+/"  # GitHub-hosted Windows (D:\a\repo\repo\)
    r"|.*?/_work/[^/]+/[^/]+/"  # GitHub self-hosted runners
    r"|/github/workspace/"  # GitHub container actions
    r"|/home/circleci/project/|~/project/"  # CircleCI
    r"|/opt/atlassian/pipelines/agent/build/"  # Bitbucket Pipelines
    r")"
)
# Workspaces whose depth varies (GitLab groups nest; Jenkins jobs sit in folders and get
# ``@2`` twins): after the anchor, try every depth, deepest remainder first.
_ANCHORS: Final = re.compile(
    r"^(?:/builds/"  # GitLab
    r"|.*?/jenkins[^/]*/workspace/|.*?/\.jenkins/workspace/|[A-Za-z]:/Jenkins/workspace/"
    r"|.*?/workspace/"  # Jenkins elsewhere
    r"|/app/|/src/|/workspace/|/code/|/usr/src/app/"  # Docker images' usual WORKDIRs
    r")",
    re.IGNORECASE,
)
# Toolchains and dependencies: a frame there is never this checkout's, even when a suffix
# of it happens to exist here.
_FOREIGN: Final = re.compile(
    r"/(?:site-packages|dist-packages|node_modules|\.cargo/registry|\.rustup|rustc"
    r"|go/pkg/mod|\.m2/repository|\.gradle/caches|lib/python\d(?:\.\d+)?|usr/(?:lib|include))/"
)
_SKIP_DIRS: Final = frozenset(
    {".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", ".tox", ".nox", "target", ".gradle", ".idea"}
)  # fmt: skip
_INDEX_LIMIT: Final = 200_000


class CheckoutPaths:
    """Maps a path a CI machine printed to a file of the checkout at ``root``, or ``None``.

    Answers are relative to ``root``, POSIX, and cached per spelling. Never a path outside
    ``root``: ``..`` is normalised away before lookup, and every answer is checked after
    resolving symlinks.

    ``base`` is the directory (relative to ``root``) the tool ran in, tried first for a
    relative path; ``local`` says the output was printed on this machine, in this checkout
    (see the module docstring)."""

    def __init__(self, root: Path, *, base: str = "", local: bool = False) -> None:
        self.root = root
        self.base = base.strip("/") if base not in ("", ".") else ""
        self.local = local
        self.real_root = root.resolve()
        self._root_posix = self.real_root.as_posix().rstrip("/") + "/"
        self._given_root = root.absolute().as_posix().rstrip("/") + "/"
        self._cache: dict[tuple[str, str], str | None] = {}
        self._index: dict[str, list[str]] | None = None

    def __call__(self, raw: str, near: str = "") -> str | None:
        key = (raw, near)
        if key not in self._cache:
            self._cache[key] = self._resolve(raw, near)
        return self._cache[key]

    def _resolve(self, raw: str, near: str) -> str | None:
        path = raw.strip("\"'`").replace("\\", "/")
        if path.startswith("file://"):
            path = path[7:]
            if re.match(r"^/[A-Za-z]:/", path):
                path = path[1:]
        if not path or "\x00" in path:
            return None
        for prefix in (self._root_posix, self._given_root):
            if path.startswith(prefix):
                return self._exists(path[len(prefix) :])
        absolute = path.startswith(("/", "~/")) or re.match(r"^[A-Za-z]:/", path) is not None
        if _FOREIGN.search("/" + path):  # a dependency, even in the workspace's virtualenv
            return None
        if not absolute:
            if near and (found := self._exists(f"{near}/{path}")):
                return found
            if self.base and (found := self._exists(f"{self.base}/{path}")):
                return found
            return self._exists(path) or self._by_suffix(path, near or self.base)
        if self.local:  # this machine's own absolute path, and not under the checkout
            return None
        m = _WORKSPACES.match(path)
        if m and (found := self._exists(path[m.end() :])):
            return found
        m = _ANCHORS.match(path)
        if m:
            parts = path[m.end() :].split("/")
            for i in range(len(parts)):
                if found := self._exists("/".join(parts[i:])):
                    return found
        # In general: the longest suffix of two components or more that exists here.
        parts = [p for p in path.split("/") if p and p != "~" and not p.endswith(":")]
        for i in range(len(parts) - 1):
            if found := self._exists("/".join(parts[i:])):
                return found
        return None

    def _exists(self, rel: str) -> str | None:
        rel = posixpath.normpath(rel.lstrip("/")) if rel else ""
        while rel.startswith("../"):
            rel = rel[3:]
        if not rel or rel in (".", "..") or rel.startswith("/"):
            return None
        candidate = self.root / rel
        try:
            if not candidate.is_file():
                return None
            real = candidate.resolve()
        except (OSError, ValueError):
            return None
        if not real.is_relative_to(self.real_root):
            return None
        return rel

    def _by_suffix(self, rel: str, near: str) -> str | None:
        """A relative path printed from a subdirectory (``cd web && tsc``, a Go module or
        crate below the root): the one file here whose path ends with it, preferring one
        under ``near`` (the directory a package line or ``Compiling`` line named)."""
        rel = posixpath.normpath(rel)
        while rel.startswith("../"):
            rel = rel[3:]
        if rel.startswith(("/", "..")) or rel in ("", "."):
            return None
        names = self._index_files().get(posixpath.basename(rel), [])
        tail = "/" + rel
        found = [n for n in names if n.endswith(tail) or n == rel]
        if len(found) > 1 and near:
            found = [n for n in found if n.startswith(near.rstrip("/") + "/")] or found
        if len(found) == 1:
            return self._exists(found[0])
        return None

    def _index_files(self) -> dict[str, list[str]]:
        if self._index is None:
            index: dict[str, list[str]] = {}
            count = 0
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
                base = Path(dirpath).relative_to(self.root).as_posix()
                for name in filenames:
                    index.setdefault(name, []).append(name if base == "." else f"{base}/{name}")
                count += len(filenames)
                if count > _INDEX_LIMIT:
                    break
            self._index = index
        return self._index

    def files_named(self, name: str) -> list[str]:
        """Every file of the checkout called ``name`` (walked once, lazily)."""
        return self._index_files().get(name, [])

    def directory(self, raw: str) -> str:
        """The checkout directory an absolute directory printed by a tool corresponds to."""
        path = raw.replace("\\", "/").rstrip("/")
        for prefix in (self._root_posix, self._given_root):
            if (path + "/").startswith(prefix):
                return path[len(prefix) :]
        m = _WORKSPACES.match(path + "/")
        return path[m.end() :] if m else ""


__all__ = ["CheckoutPaths"]
