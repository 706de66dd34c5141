"""A library-grade async client for Discord's HTTP API v10, over the ``httpx.AsyncClient`` it
is given (its base URL is ``https://discord.com/api/v10``; the bot token travels in its auth as
``Authorization: Bot <token>``).

It knows Discord's routes, paging and bodies, and returns wire models; rate limits (the
``X-RateLimit-*`` headers and a 429's ``Retry-After``), retries and the mapping of failed
answers to the sdk's errors belong to the client handed in. Discord's error bodies are
``{"code", "message", "errors"}``; :func:`explained` adds what the codes a sharer meets mean
(50001 Missing Access, 50013 Missing Permissions, 10003 Unknown Channel).

A channel webhook is executed with its own token (the URL's last segment) and *without* the
account's credentials: the webhook needs none, and a person's OAuth token has no business
travelling with it. The webhook's token is a secret: :class:`Webhook` keeps it out of its
repr and registers it for redaction, and errors about a webhook never quote its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import TypeAdapter

from connectors.sdk import (
    AuthError,
    ConfigError,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceError,
    TielineError,
)
from connectors.sdk.connector import NO_STORE
from connectors.sdk.redact import register_secret

from .models import DChannel, DGuild, DMessage, DUser, DWebhook

SERVICE = "Discord"
HEADERS = {"accept": "application/json"}
#: ``GET /users/@me/guilds`` answers at most 200 a page.
GUILD_PAGE = 200
#: No ``@everyone``, role or user pings from shared code: ``allowed_mentions`` parses none.
NO_MENTIONS: dict[str, Any] = {"parse": []}
_WEBHOOK = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/"
    r"(?P<id>\d{15,25})/(?P<token>[A-Za-z0-9._-]{20,200})/?$"
)

#: Words Discord's error messages carry, and what each means for the person sharing.
_EXPLAINED: dict[str, str] = {
    "missing access": "the bot cannot see that channel (it is not in the server, or lacks "
    "View Channel there)",
    "missing permissions": "the bot may not post there (it needs Send Messages, and Send "
    "Messages in Threads for a thread)",
    "unknown channel": "no such channel, or it was deleted",
    "unknown guild": "no such server, or the bot is not in it",
    "cannot send messages in a non-text channel": "pick a text or announcement channel",
    "you are being rate limited": "Discord allows each route a few messages every few seconds",
}


def explained(exc: TielineError) -> TielineError:
    """The same error with Discord's terse message explained, when it is one of the known."""
    lower = exc.message.lower()
    meaning = next((why for said, why in _EXPLAINED.items() if said in lower), None)
    if meaning is None:
        return exc
    message = f"{exc.message} -- {meaning}"
    if isinstance(exc, RateLimited):
        return RateLimited(message, retry_at=exc.retry_at, status=exc.status, service=SERVICE)
    if isinstance(exc, ServiceError):
        return type(exc)(message, status=exc.status, service=exc.service or SERVICE)
    if isinstance(exc, AuthError):
        return type(exc)(message)
    return exc


@dataclass(frozen=True)
class Webhook:
    """A channel webhook, parsed from its URL. The token never appears in a repr."""

    id: str
    token: str = field(repr=False)

    @classmethod
    def parse(cls, url: str) -> Webhook:
        """``https://discord.com/api/webhooks/<id>/<token>`` (``discordapp.com``, ``ptb.``,
        ``canary.`` and a ``/v10`` version segment too). The message never quotes the URL."""
        m = _WEBHOOK.match(url.strip())
        if m is None:
            raise ConfigError(
                "connectors.discord.webhook_url is not a Discord webhook URL "
                "(https://discord.com/api/webhooks/<id>/<token>)"
            )
        hook = cls(m["id"], m["token"])
        register_secret(hook.token)
        register_secret(url.strip())
        return hook

    @property
    def path(self) -> str:
        return f"webhooks/{self.id}/{self.token}"


def _webhook_error(exc: TielineError, hook: Webhook) -> TielineError:
    """A failed webhook call in words that name the setting, not the URL. A 401 (Invalid
    Webhook Token) or 404 (Unknown Webhook) says the setting is wrong -- the account's own
    sign-in is fine, so it is no reason to ask for one."""
    if isinstance(exc, ReauthRequired | NotFound):
        return ConfigError(
            f"Discord: the webhook {hook.id} in connectors.discord.webhook_url was deleted "
            "or its token is wrong; copy its URL again from the channel's Integrations"
        )
    said = exc.message.replace(hook.token, "[REDACTED]")
    if isinstance(exc, RateLimited):
        return RateLimited(said, retry_at=exc.retry_at, status=exc.status, service=SERVICE)
    if isinstance(exc, ServiceError):
        return type(exc)(said, status=exc.status, service=exc.service or SERVICE)
    return exc


class DiscordClient:
    """Discord's API relative to the http client's base URL (``.../api/v10``)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        try:
            return await self.http.request(method, path, params=params, json=json, headers=HEADERS)
        except (ServiceError, AuthError) as exc:
            raise explained(exc) from exc

    # -- the account -------------------------------------------------------------------------
    async def me(self) -> tuple[DUser, httpx.Response]:
        """``GET /users/@me``: the bot or person the token belongs to, and the answer."""
        r = await self._request("GET", "users/@me")
        return DUser.model_validate(r.json()), r

    async def oauth_scopes(self) -> tuple[str, ...]:
        """``GET /oauth2/@me``: the scopes an OAuth token carries (a bot token has none)."""
        body = (await self._request("GET", "oauth2/@me")).json()
        scopes = body.get("scopes") if isinstance(body, dict) else None
        return tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()

    async def guilds(self) -> list[DGuild]:
        """Every server the account is in (``GET /users/@me/guilds``, paged by ``after``: the
        last id of a page, 200 at a time)."""
        out: list[DGuild] = []
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": GUILD_PAGE}
            if after:
                params["after"] = after
            page = TypeAdapter(list[DGuild]).validate_python(
                (await self._request("GET", "users/@me/guilds", params=params)).json() or []
            )
            out.extend(page)
            if len(page) < GUILD_PAGE:
                return out
            after = page[-1].id

    async def channels(self, guild_id: str) -> list[DChannel]:
        """``GET /guilds/{id}/channels``: the server's channels the bot can see."""
        body = (await self._request("GET", f"guilds/{guild_id}/channels")).json()
        return TypeAdapter(list[DChannel]).validate_python(body or [])

    # -- messages ----------------------------------------------------------------------------
    async def create_message(self, channel_id: str, content: str) -> DMessage:
        """``POST /channels/{id}/messages`` (a thread is a channel too), mentioning no one."""
        body = {"content": content, "allowed_mentions": NO_MENTIONS}
        r = await self._request("POST", f"channels/{channel_id}/messages", json=body)
        return DMessage.model_validate(r.json())

    # -- webhooks ----------------------------------------------------------------------------
    async def _hook(
        self, hook: Webhook, method: str, *, params: dict[str, str] | None = None, json: Any = None
    ) -> httpx.Response:
        """A webhook call: no account credentials, and ``no-store`` so the hub's HTTP cache
        never keeps an answer under a URL that holds the webhook's token."""
        try:
            return await self.http.request(
                method,
                hook.path,
                params=params,
                json=json,
                headers={**HEADERS, **NO_STORE},
                auth=None,
            )
        except TielineError as exc:
            raise _webhook_error(explained(exc), hook) from None

    async def webhook(self, hook: Webhook) -> DWebhook:
        """``GET /webhooks/{id}/{token}``: the webhook's name and channel."""
        return DWebhook.model_validate((await self._hook(hook, "GET")).json())

    async def execute_webhook(
        self, hook: Webhook, content: str, *, thread_id: str | None = None
    ) -> DMessage:
        """``POST /webhooks/{id}/{token}?wait=true``: with ``wait`` Discord answers the
        message it made (without it, 204 and nothing to link to)."""
        params = {"wait": "true"}
        if thread_id:
            params["thread_id"] = thread_id
        body = {"content": content, "allowed_mentions": NO_MENTIONS}
        r = await self._hook(hook, "POST", params=params, json=body)
        return DMessage.model_validate(r.json())

    async def channel(self, channel_id: str) -> DChannel:
        """``GET /channels/{id}``: a channel's server, for a message's permalink."""
        return DChannel.model_validate(
            (await self._request("GET", f"channels/{channel_id}")).json()
        )
