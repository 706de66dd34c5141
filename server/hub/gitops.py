"""Local git operations the editor asks for: start work on an issue, check out a PR.

They run through gitpython against the workspace clone and refuse to touch a dirty tree's
current branch in ways that could lose work: creating a branch keeps local changes (as
``git switch -c`` does), and checking out an existing branch that would overwrite them fails
with git's own message.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import git

from connectors.sdk.errors import TielineError


class GitError(TielineError):
    """A local git operation failed; the message is git's, shortened."""


def slugify(text: str, *, max_len: int = 40) -> str:
    """``"Fix: crash on ünïcode paths!"`` → ``"fix-crash-on-unicode-paths"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()
    return slug[:max_len].rstrip("-") or "work"


def branch_name(
    template: str, *, number: int, title: str, login: str = "", key: str | None = None
) -> str:
    """Render the configured branch template; fall back to ``{number}-{slug}`` if it is bad.

    For a key-based tracker's item ``{number}`` (and ``{key}``) is its key, ``PROJ-7``, the
    name Jira and Linear link branches by; for a numbered issue ``{key}`` is the number.
    """
    shown: int | str = key or number
    fields = {"number": shown, "key": shown, "slug": slugify(title), "login": login or "me"}
    try:
        name = template.format(**fields)
    except (KeyError, IndexError, ValueError):
        name = "{number}-{slug}".format(**fields)
    name = re.sub(r"[\s~^:?*\[\\]+", "-", name).strip("/.-")
    return name or f"{number}-work"


def _repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise GitError(f"{root} is not a git checkout") from exc


def start_branch(root: Path, name: str) -> str:
    """Create (or switch to) branch ``name`` from the current HEAD, keeping local changes."""
    repo = _repo(root)
    try:
        if name in repo.heads:
            repo.git.checkout(name)
        else:
            repo.git.checkout("-b", name)
    except git.GitCommandError as exc:
        raise GitError(f"could not switch to {name}: {_short(exc)}") from exc
    return name


def checkout_pull_request(
    root: Path, remote: str, number: int, head_ref: str, review_ref: str = "pull/{number}/head"
) -> str:
    """Fetch the request's head (``review_ref``: ``pull/N/head`` on GitHub,
    ``merge-requests/N/head`` on GitLab) from ``remote`` into a local branch named after it and
    check it out (works for requests from forks too, which ``origin/<branch>`` would not)."""
    repo = _repo(root)
    local = head_ref if head_ref and head_ref not in ("main", "master") else f"pr-{number}"
    source = review_ref.replace("{number}", str(number))
    try:
        repo.git.fetch(remote, f"{source}:{local}", "--update-head-ok", "--force")
        repo.git.checkout(local)
    except git.GitCommandError as exc:
        raise GitError(f"could not check out PR #{number}: {_short(exc)}") from exc
    return local


def _short(exc: git.GitCommandError) -> str:
    text = str(exc.stderr or exc).strip().strip("'").strip()
    return text.splitlines()[-1][:300] if text else "git failed"
