"""``StandIn.etags``: a service that sends no validators (Jira) gets none from the kit."""

from __future__ import annotations

from typing import ClassVar

import httpx

from tests.standin.kit import Request, Response, Router, StandIn

ROUTER: Router[StandIn] = Router()


@ROUTER.route("GET", r"/thing")
def thing(s: StandIn, req: Request) -> Response:
    return 200, {"ok": True}, {}


class WithETags(StandIn):
    router: ClassVar[Router[StandIn]] = ROUTER


class WithoutETags(WithETags):
    etags: ClassVar[bool] = False


def _twice(cls: type[StandIn]) -> tuple[httpx.Response, httpx.Response]:
    with cls() as s:
        s.tokens["t"] = "a"
        with httpx.Client(base_url=s.url, headers={"authorization": "Bearer t"}) as c:
            first = c.get("/thing")
            again = c.get("/thing", headers={"if-none-match": first.headers.get("etag", "*")})
    return first, again


def test_etags_and_304_by_default() -> None:
    first, again = _twice(WithETags)
    assert first.headers["etag"].startswith('W/"') and again.status_code == 304


def test_no_etags_means_no_304_either() -> None:
    first, again = _twice(WithoutETags)
    assert "etag" not in first.headers and again.status_code == 200
    assert first.headers["cache-control"] == "private, max-age=60"  # still its own say
