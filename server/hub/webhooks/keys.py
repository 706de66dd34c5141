"""Endpoint signing secrets, kept in the vault; the database holds only their record ids.

A record id reads ``webhook:<endpoint id>:<key id>``: a rotation writes a new record and keeps
the old one signing until its overlap ends. Decoded HMAC keys are cached in memory by record
id (a record's secret never changes, a rotation makes a new record), so a delivery costs no
vault read -- the encrypted-file vault decrypts on every read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Protocol
from urllib.parse import urlsplit

from connectors.sdk.redact import register_secret

from .errors import WebhookError
from .ids import new_id
from .signing import new_secret, secret_key


def _register_url(url: str) -> None:
    """Have the redactor mask the URL, and its path and query, wherever they would be logged."""
    parts = urlsplit(url)
    register_secret(url)
    rest = parts.path + ("?" + parts.query if parts.query else "")
    if len(rest.strip("/")) >= 8:
        register_secret(rest)


def shown_url(url: str) -> str:
    """What may be shown of a webhook URL: scheme, host and port, and the last four
    characters of its path and query (enough to tell two apart), never the rest."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    rest = (parts.path + ("?" + parts.query if parts.query else "")).lstrip("/")
    if not rest:
        return f"{parts.scheme}://{netloc}/"
    return f"{parts.scheme}://{netloc}/***" + (rest[-4:] if len(rest) > 8 else "")


class SecretStore(Protocol):
    """What webhooks need of a vault (:class:`server.hub.vault.Vault` is one)."""

    def get_secret(self, record_id: str) -> str | None: ...

    def set_secret(self, record_id: str, secret: str) -> None: ...

    def delete_secret(self, record_id: str) -> bool: ...


class Keys:
    """Create, read (cached) and delete endpoint secrets in a vault opened on first use."""

    def __init__(self, vault: Callable[[], SecretStore]) -> None:
        self._open = vault
        self._vault: SecretStore | None = None
        self._cache: dict[str, bytes] = {}
        self._urls: dict[str, str] = {}

    def _store(self) -> SecretStore:
        if self._vault is None:
            self._vault = self._open()
        return self._vault

    async def create(self, endpoint_id: str) -> tuple[str, str]:
        """A new secret for an endpoint: ``(record id, secret)``. The caller shows the
        secret once; only the record id is kept."""
        ref = f"webhook:{endpoint_id}:{new_id('key')}"
        secret = new_secret()
        await asyncio.to_thread(self._store().set_secret, ref, secret)
        self._cache[ref] = secret_key(secret)
        return ref, secret

    async def keys(self, refs: Iterable[str]) -> list[bytes]:
        """The HMAC keys of these records, in order; a missing record is an error."""
        out: list[bytes] = []
        for ref in refs:
            key = self._cache.get(ref)
            if key is None:
                secret = await asyncio.to_thread(self._store().get_secret, ref)
                if secret is None:
                    raise WebhookError(
                        "the endpoint's signing secret is missing from the vault;"
                        " give it a new one: tieline webhooks rotate-secret ID"
                    )
                register_secret(secret)
                key = self._cache[ref] = secret_key(secret)
            out.append(key)
        return out

    async def put_url(self, endpoint_id: str, url: str) -> str:
        """Keep an endpoint's URL in the vault; return its record id."""
        ref = f"webhook:{endpoint_id}:url"
        _register_url(url)
        await asyncio.to_thread(self._store().set_secret, ref, url)
        self._urls[ref] = url
        return ref

    async def url(self, ref: str) -> str:
        """An endpoint's URL from the vault (cached like the keys)."""
        url = self._urls.get(ref)
        if url is None:
            url = await asyncio.to_thread(self._store().get_secret, ref)
            if url is None:
                raise WebhookError(
                    "the endpoint's URL is missing from the vault; remove the endpoint and add"
                    " it again: tieline webhooks remove ID"
                )
            _register_url(url)
            self._urls[ref] = url
        return url

    async def delete(self, refs: Iterable[str | None]) -> None:
        for ref in refs:
            if ref:
                self._cache.pop(ref, None)
                self._urls.pop(ref, None)
                await asyncio.to_thread(self._store().delete_secret, ref)
