"""``@`` completion over a service's member list, ranked the same way for every service."""

from __future__ import annotations

from collections.abc import AsyncIterable

from .models import User


async def users_matching(
    members: AsyncIterable[User | None], prefix: str, limit: int
) -> list[User]:
    """Members whose login starts with ``prefix`` (an ``@`` dropped, any case), then those
    with a word of their name starting with it, at most ``limit``. Reading stops once
    ``limit`` logins matched, so a large member list is not paged to its end; ``None``
    entries (members the service could not describe) are passed over."""
    p = prefix.lstrip("@").lower()
    by_login: list[User] = []
    by_name: list[User] = []
    async for u in members:
        if u is None:
            continue
        if u.login.lower().startswith(p):
            by_login.append(u)
        elif any(w.lower().startswith(p) for w in (u.name or "").split()):
            by_name.append(u)
        if len(by_login) >= limit:
            break
    return (by_login + by_name)[:limit]
