"""``ci.notify``: which finished pipelines of my branch become a message, and what it offers."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from lsprotocol import types

from server.hub.events import Event, EventBus, EventKind
from server.lsp.features import ci


class FakeServer:
    def __init__(self) -> None:
        self.background: set[Any] = set()
        self.asked: list[types.ShowMessageRequestParams] = []
        self.told: list[types.ShowMessageParams] = []

    async def window_show_message_request_async(
        self, params: types.ShowMessageRequestParams
    ) -> None:
        self.asked.append(params)

    def window_show_message(self, params: types.ShowMessageParams) -> None:
        self.told.append(params)


def _event(kind: str, **payload: Any) -> Event:
    base = {"title": "build #7", "name": "build", "branch": "feature", "conclusion": "failure"}
    return Event(kind, "ci", "ada@ci.test", "octo/app@feature", {**base, **payload})


async def _heard(setting: str, *events: Event) -> FakeServer:
    ls = FakeServer()
    hub = SimpleNamespace(
        bus=EventBus(), config=SimpleNamespace(ci=SimpleNamespace(notify=setting)), registry={}
    )
    ci.subscribe(ls, hub)  # type: ignore[arg-type]
    for e in events:
        await hub.bus.publish(e)
    await asyncio.gather(*ls.background)
    return ls


FAILED = _event(
    EventKind.CI_FAILED, failed_job="ci/ci.test/job/octo%2Fapp/70", failed_job_name="unit",
    url="https://ci.test/7",
)  # fmt: skip
PASSED = _event(EventKind.CI_SUCCEEDED, conclusion="success", url="https://ci.test/8")


@pytest.mark.parametrize(("setting", "heard"), [("failures", 1), ("all", 2), ("off", 0)])
async def test_the_setting_says_which_pipelines_are_news(setting: str, heard: int) -> None:
    ls = await _heard(setting, FAILED, PASSED)
    assert len(ls.asked) + len(ls.told) == heard


async def test_a_failure_offers_its_log_and_its_page() -> None:
    ls = await _heard("failures", FAILED)
    (asked,) = ls.asked
    assert asked.message == "ci: build #7 failed on feature (unit)"
    assert asked.type == types.MessageType.Warning
    assert [a.title for a in asked.actions or []] == ["Open Log", "Open in Browser"]
    ls = await _heard("all", PASSED, _event(EventKind.CI_FAILED, conclusion="cancelled"))
    assert ls.asked[0].message == "ci: build #7 passed on feature"
    assert ls.told[0].message == "ci: build #7 was cancelled on feature"  # nothing to offer


async def test_a_pushed_run_of_any_branch_is_not_news() -> None:
    """A webhook's ``ci.failed`` is about any branch; the sync the delivery asks for tells of
    the person's own, so the pushed one alone is never a message."""
    ls = await _heard("all", _event(EventKind.CI_FAILED, via="webhook"), PASSED)
    assert len(ls.asked) + len(ls.told) == 1
