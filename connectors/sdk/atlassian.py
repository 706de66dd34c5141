"""What Atlassian's Cloud products (Jira, Confluence) share: site addresses and the OAuth
gateway.

An OAuth 2.0 (3LO) access token is not accepted by a site itself: its REST API is reached
through Atlassian's gateway at ``{gateway}/ex/{product}/{cloudid}``, and the cloud id of a
site is found in the token's accessible resources
(https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .errors import ReauthRequired

GATEWAY = "https://api.atlassian.com"


class AccessibleResource(BaseModel):
    """One site an OAuth token reaches (``GET {gateway}/oauth/token/accessible-resources``);
    ``id`` is the site's cloud id."""

    model_config = ConfigDict(extra="ignore")

    id: str
    url: str
    name: str | None = None
    scopes: list[str] = Field(default_factory=list)


def site_origin(url: str) -> str:
    """``scheme://host[:port]`` of a site URL, lower-cased, for comparing sites."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


async def accessible_resources(http: httpx.AsyncClient, gateway: str) -> list[AccessibleResource]:
    """The sites an OAuth access token reaches, each with its cloud id."""
    r = await http.get(
        f"{gateway.rstrip('/')}/oauth/token/accessible-resources",
        headers={"accept": "application/json"},
    )
    return TypeAdapter(list[AccessibleResource]).validate_python(r.json())


def find_site(resources: list[AccessibleResource], site: str) -> AccessibleResource | None:
    """The resource for ``site`` (compared by origin), if the token reaches it."""
    want = site_origin(site)
    return next((r for r in resources if site_origin(r.url) == want), None)


def gateway_base(gateway: str, cloud_id: str, product: str = "jira") -> str:
    """Where a site's REST API is for OAuth tokens: ``{gateway}/ex/{product}/{cloudid}``."""
    return f"{gateway.rstrip('/')}/ex/{product}/{quote(cloud_id, safe='')}"


async def site_gateway(
    http: httpx.AsyncClient, gateway: str, site: str, product: str, *, service: str
) -> tuple[str, tuple[str, ...]]:
    """Where ``site``'s REST API is for this OAuth token (:func:`gateway_base`), and the
    scopes the token holds there; :class:`ReauthRequired` naming the sites it does reach
    when ``site`` is not among them (the person chose another on the consent page)."""
    resources = await accessible_resources(http, gateway)
    found = find_site(resources, site)
    if found is None:
        want = site_origin(site)
        reached = ", ".join(r.url for r in resources) or "no site"
        raise ReauthRequired(
            f"{service}: this sign-in reaches {reached}, not {want}; sign in again and "
            f"choose {want} on Atlassian's consent page"
        )
    return gateway_base(gateway, found.id, product), tuple(found.scopes)


__all__ = [
    "GATEWAY",
    "AccessibleResource",
    "accessible_resources",
    "find_site",
    "gateway_base",
    "site_gateway",
    "site_origin",
]
