"""The Zoom connector: OnlineMeetings (start a meeting, answer its join link) for a user
signed in with OAuth (PKCE) or a pasted access token."""

from __future__ import annotations

from pathlib import Path

from connectors.sdk import CheckResult, Connector, ConnectorContext, InvalidRequest, TielineError
from connectors.sdk.calendar import JoinLink, Provider

from .client import SERVICE, ZoomClient

#: Zoom's longest meeting (24 hours, in minutes).
MAX_MINUTES = 24 * 60


class ZoomConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = ZoomClient(ctx.http)

    async def check(self) -> CheckResult:
        """``GET /users/me``: the user's e-mail address names the account."""
        try:
            me, response = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        h = response.headers
        return CheckResult(
            ok=True,
            account=me.email,
            name=me.name,
            detail=f"signed in to Zoom as {me.name or me.email} ({me.email})",
            rate_limit_remaining=_int(h.get("x-ratelimit-remaining")),
            rate_limit_limit=_int(h.get("x-ratelimit-limit")),
        )

    async def start_meeting(self, topic: str, *, minutes: int = 30) -> JoinLink:
        """A new meeting named ``topic`` (Zoom keeps 200 characters), starting now and lasting
        ``minutes``; its join link (never the host's ``start_url``)."""
        if not 1 <= minutes <= MAX_MINUTES:
            raise InvalidRequest(
                f"Zoom: a meeting lasts 1 to {MAX_MINUTES} minutes, not {minutes}",
                service=SERVICE,
            )
        meeting = await self.client.create_meeting(topic.strip() or "Meeting", minutes)
        return JoinLink(url=meeting.join_url, provider=Provider.ZOOM, source="conference")


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
