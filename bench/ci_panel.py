"""From a job finishing on a CI service to the editor's CI panel showing it, end to end.

Run: ``python -m bench.ci_panel [--interval SECONDS] [--finishes N] [--providers LIST]``.
Each provider's stand-in (the ``bench.*_poll`` seeds: a branch whose new pipeline runs, with
one job per finish) serves on 127.0.0.1, a temporary checkout of the branch carries the
service's marker file, and ``python -m server serve`` is driven over stdio by pygls' own
client as a shell drives it: after every ``tieline/panel/changed`` it asks for the CI
panel's items again (which is also how the server knows the panel is open). Each round
finishes the next job on the stand-in at another moment of the poll cycle -- the ``k``-th
of ``N`` at ``(k + 0.5) / N`` of an interval after the panel last changed, so the finishes
sample every wait for the next poll evenly -- and times until the panel's items show it
passed. Figures: median and max over the finishes, beside the poll interval, the floor a
poller cannot beat (a finish waits for the next poll: on average half an interval, at
most one, give or take the jitter).

The interval is the configured default (``sync.poll_interval``, with its jitter) unless
``--interval`` overrides it (5 s at least): at the default a finish takes about an interval.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygls.lsp.client import LanguageClient

from bench import bitbucket_poll, ci_poll, gitlab_poll, jenkins_poll
from bench.client import start, stop

ROOT = Path(__file__).resolve().parents[1]
PANEL_CHANGED = "tieline/panel/changed"


@dataclass(frozen=True)
class Provider:
    """How a provider's seeded stand-in becomes a workspace the server attaches to."""

    setup: Callable[[contextlib.ExitStack], ci_poll.Setup]
    remote: str
    marker: str
    env: Callable[[str], dict[str, str]]


PROVIDERS: dict[str, Provider] = {
    "gitlab": Provider(
        gitlab_poll.setup,
        f"git@gitlab.com:{gitlab_poll.PATH}.git",
        ".gitlab-ci.yml",
        lambda url: {
            "TIELINE_GITLAB_TOKEN": "tok-a",
            "TIELINE_CONNECTORS__GITLAB__API_URL": f"{url}/api/v4",
        },
    ),
    "jenkins": Provider(
        jenkins_poll.setup,
        f"https://github.com/octo/{jenkins_poll.JOB}.git",
        "Jenkinsfile",
        lambda url: {
            "TIELINE_JENKINS_USER": jenkins_poll.USER,
            "TIELINE_JENKINS_TOKEN": jenkins_poll.TOKEN,
            "TIELINE_CONNECTORS__JENKINS__SITE": url,
        },
    ),
    "bitbucket": Provider(
        bitbucket_poll.setup,
        f"git@bitbucket.org:{bitbucket_poll.REPO}.git",
        "bitbucket-pipelines.yml",
        lambda url: {
            "TIELINE_BITBUCKET_USERNAME": bitbucket_poll.EMAIL,
            "TIELINE_BITBUCKET_TOKEN": bitbucket_poll.TOKEN,
            "TIELINE_CONNECTORS__BITBUCKET__API_URL": f"{url}/2.0",
        },
    ),
}


def _checkout(folder: Path, p: Provider, branch: str) -> Path:
    import git

    root = folder / "app"
    git.Repo.init(root, initial_branch=branch).create_remote("origin", p.remote)
    (root / p.marker).write_text("# CI\n")
    return root


def _env(home: Path, p: Provider, url: str, interval: float | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        PYTHONPATH=str(ROOT),
        TIELINE_HOME=str(home),
        TIELINE_GITHUB_TOKEN="",
        TIELINE_LOG_LEVEL="warning",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
        **p.env(url),
    )
    if interval is not None:
        env["TIELINE_SYNC__POLL_INTERVAL"] = str(interval)
    return env


class Shell:
    """The editor's side: a change notification makes it fetch the CI panel again."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.client: LanguageClient | None = None

    def hook(self, client: LanguageClient) -> None:
        client.feature(PANEL_CHANGED)(lambda params: self.changed.set())
        for method in ("tieline/log/changed", "window/showMessage", "$/progress"):
            client.feature(method)(lambda params: None)
        client.feature("workspace/codeLens/refresh")(lambda params: None)

    async def jobs(self) -> list[str]:
        """The icons of every job the CI panel shows, walking it as a person expanding it."""
        out: list[str] = []

        async def walk(parent: str | None) -> None:
            assert self.client is not None
            params: dict[str, Any] = {"panelId": "ci"}
            if parent is not None:
                params["parentId"] = parent
            got = await self.client.protocol.send_request_async("tieline/panel/items", params)
            for item in got.items:
                if str(item.id).startswith("ci/j/"):
                    out.append(str(getattr(item, "icon", "")))
                elif getattr(item, "hasChildren", False):
                    await walk(str(item.id))

        await walk(None)
        return out

    async def until(self, done: Callable[[list[str]], bool]) -> float:
        """Wait (refetching after each change notification) until the panel's jobs satisfy
        ``done``; the moment they did."""
        while True:
            if done(await self.jobs()):
                return time.perf_counter()
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 5)  # and look anyway


def _passed(n: int) -> Callable[[list[str]], bool]:
    return lambda icons: icons.count("pass") >= n


async def measure(name: str, *, interval: float | None, finishes: int) -> list[float]:
    """Seconds from each job finishing to the panel showing it, for ``finishes`` jobs."""
    p = PROVIDERS[name]
    cycle = interval if interval is not None else ci_poll.default_interval()
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        s = p.setup(stack)
        finishers = list(s.start(finishes))
        root = _checkout(Path(tmp), p, s.branch)
        home = Path(tmp) / "home"
        home.mkdir()
        shell = Shell()
        shell.client, _ = await start(
            [sys.executable, "-m", "server", "serve"],
            cwd=ROOT,
            env=_env(home, p, s.standin.url, interval),
            root=root,
            configure=shell.hook,
        )
        try:
            async with asyncio.timeout(120):  # the first sync shows the running jobs
                await shell.until(lambda icons: len(icons) == finishes)
            took = []
            for k, finish in enumerate(finishers):
                # The last change was seen just after a sync: finish at evenly spread
                # moments of the next cycle, so the finishes sample every wait for a poll.
                await asyncio.sleep(cycle * (k + 0.5) / finishes)
                with s.standin.lock:
                    finish()
                t0 = time.perf_counter()
                async with asyncio.timeout(3 * cycle + 60):
                    seen = await shell.until(_passed(k + 1))
                took.append(seen - t0)
        finally:
            await stop(shell.client)
    return took


def report(name: str, interval: float | None, took: list[float]) -> None:
    cycle = ci_poll.default_interval() if interval is None else interval
    label = f"{cycle:g} s (the default)" if interval is None else f"{cycle:g} s"
    print(
        f"{name:<9} poll interval {label}: job finished -> CI panel changed, median"
        f" {statistics.median(took):.1f} s, max {max(took):.1f} s over {len(took)} finishes"
        f" (floor: up to one interval, {cycle / 2:g} s on average)"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--interval", type=float, help="seconds between polls (default: config's)")
    ap.add_argument("--finishes", type=int, default=5, help="jobs finished, one at a time")
    ap.add_argument("--providers", default="gitlab,jenkins,bitbucket")
    args = ap.parse_args(argv)
    for name in args.providers.split(","):
        took = asyncio.run(measure(name, interval=args.interval, finishes=args.finishes))
        report(name, args.interval, took)


if __name__ == "__main__":
    main()
