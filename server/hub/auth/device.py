"""Device authorization grant (RFC 8628): sign in on another screen by typing a short code.

The flow waits ``interval`` seconds between polls (5 when the server does not say), adds 5
seconds on every ``slow_down`` (RFC 8628 section 3.5; GitHub also sends a new ``interval``,
which wins if larger), and stops on ``expired_token`` / ``access_denied`` or when the code's
lifetime has passed. ``sleep`` and ``clock`` are injected so tests control time instead of
waiting for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from connectors.sdk.errors import AuthError
from connectors.sdk.redact import redact, register_secret

from .oauth import (
    OAuthClientConfig,
    TokenError,
    TokenSet,
    post_form,
    raise_for_token_error,
    token_request,
)

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0
SLOW_DOWN_STEP = 5.0
log = logging.getLogger("tieline.auth")


@dataclass(frozen=True)
class DeviceCode:
    """What the user needs to see (``user_code``, ``verification_uri``) and what we poll with."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float


class DeviceFlow:
    def __init__(
        self,
        client: OAuthClientConfig,
        http: httpx.AsyncClient,
        *,
        service: str = "the service",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client.device_authorization_url:
            raise AuthError(f"{service} does not offer device sign-in; use --web or --with-token")
        self.client = client
        self.http = http
        self.service = service
        self._sleep = sleep
        self._clock = clock

    async def start(self) -> DeviceCode:
        """Ask for a device code and the user code to show."""
        assert self.client.device_authorization_url is not None
        form = self.client.client_auth()
        if self.client.scopes:
            form["scope"] = " ".join(self.client.scopes)
        resp, body = await post_form(
            self.http,
            self.client.device_authorization_url,
            form,
            service=self.service,
            what="the device sign-in request",
            headers=self.client.client_headers(),
        )
        if "error" in body or resp.status_code != 200:
            raise_for_token_error(
                TokenError(
                    str(body.get("error", "server_error")),
                    redact(str(body.get("error_description") or "")),
                    resp.status_code,
                ),
                service=self.service,
                doing="starting device sign-in",
                help=self.client.error_help,
            )
        try:
            code = DeviceCode(
                device_code=str(body["device_code"]),
                user_code=str(body["user_code"]),
                verification_uri=str(body.get("verification_uri") or body["verification_url"]),
                verification_uri_complete=body.get("verification_uri_complete"),
                expires_in=float(body.get("expires_in", 900)),
                interval=float(body.get("interval") or DEFAULT_INTERVAL),
            )
        except (KeyError, TypeError, ValueError):
            raise AuthError(f"{self.service} sent an incomplete device sign-in answer") from None
        register_secret(code.device_code)
        return code

    async def poll(self, code: DeviceCode) -> TokenSet:
        """Poll the token endpoint until the user confirms, declines, or the code expires."""
        deadline = self._clock() + code.expires_in
        interval = code.interval
        form = {**self.client.client_auth(), "grant_type": GRANT_TYPE}
        form["device_code"] = code.device_code
        while True:
            await self._sleep(interval)
            if self._clock() > deadline:
                raise_for_token_error(
                    TokenError("expired_token"), service=self.service, doing="waiting"
                )
            result = await token_request(
                self.http,
                self.client.token_url,
                form,
                requested_scopes=self.client.scopes,
                service=self.service,
                token_field=self.client.token_field,
                headers=self.client.client_headers(),
            )
            if isinstance(result, TokenSet):
                return result
            if result.error == "authorization_pending":
                continue
            if result.error == "slow_down":
                interval += SLOW_DOWN_STEP
                log.debug("%s asked to poll more slowly", self.service)
                server_interval = result.extra.get("interval")
                if isinstance(server_interval, int | float) and server_interval > interval:
                    interval = float(server_interval)
                continue
            log.info("device sign-in to %s ended: %s", self.service, result.error)
            raise_for_token_error(
                result,
                service=self.service,
                doing="waiting for confirmation",
                help=self.client.error_help,
            )

    async def run(self, show: Callable[[DeviceCode], object]) -> TokenSet:
        """Start, let ``show`` present the code to the user, then poll."""
        code = await self.start()
        show(code)
        return await self.poll(code)
