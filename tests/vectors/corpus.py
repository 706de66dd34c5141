"""Issues to index: a few hand-written ones whose neighbours are known, and synthetic ones."""

from __future__ import annotations

import random

from connectors.sdk.models import Issue, ItemState, RepoRef
from tests.factories import numbered

REPO = RepoRef(host="github.com", owner="octo", name="app")

TOPICS = (
    ("Login button does nothing on mobile Safari", "Tapping login on iOS Safari does nothing."),
    ("Crash on startup after database migration", "The app crashes when migration 12 runs."),
    ("Mobile login page freezes on iOS", "The login page on an iPhone freezes after tapping."),
    ("Dark mode colours unreadable in settings", "Settings text is grey on grey in dark mode."),
    ("Database migration fails with locked table", "Running migrations on startup: locked."),
)


def issue(n: int, title: str, body: str = "", *, pull: bool = False) -> Issue:
    return Issue(
        ref=numbered(REPO, n, pull=pull),
        title=title,
        body=body,
        state=ItemState.OPEN,
        url=f"https://github.com/octo/app/{'pull' if pull else 'issues'}/{n}",
        is_pull_request=pull,
    )


def known() -> list[Issue]:
    return [issue(i + 1, t, b) for i, (t, b) in enumerate(TOPICS)]


_WORDS = [
    "login",
    "crash",
    "mobile",
    "database",
    "migration",
    "dark",
    "mode",
    "settings",
    "cache",
    "timeout",
    "upload",
    "image",
    "export",
    "import",
    "search",
    "filter",
    "sort",
    "page",
    "button",
    "form",
    "error",
    "warning",
    "network",
    "proxy",
    "token",
    "session",
    "cookie",
    "locale",
    "date",
    "time",
    "calendar",
    "email",
    "notification",
    "queue",
    "worker",
    "retry",
    "build",
    "test",
    "deploy",
    "release",
    "docker",
    "kubernetes",
    "memory",
    "leak",
    "performance",
    "slow",
    "fast",
    "api",
    "endpoint",
]


def synthetic(count: int, *, seed: int = 7) -> list[Issue]:
    rnd = random.Random(seed)
    return [
        issue(
            n,
            " ".join(rnd.choices(_WORDS, k=6)).capitalize(),
            " ".join(rnd.choices(_WORDS, k=30)),
        )
        for n in range(1, count + 1)
    ]
