"""Where a connector's API and web pages are, for one host: the one place that knows.

- ``remote`` connectors (code hosts): the public host uses the configured ``api_url`` and
  ``web_url`` (a stand-in, a proxy); any other host -- GitHub Enterprise Server, a
  self-managed GitLab -- is ``https://HOST`` plus the manifest's ``api_path`` (``/api/v3``,
  ``/api/v4``), unless ``api_url`` itself points at that host.
- ``site`` connectors (Jira, Confluence, Jenkins): the host is the configured ``site``'s;
  the API is the site unless ``api_url`` was set to something else.
- ``account`` connectors (Linear, Slack): the configured URLs, on the manifest's host.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from connectors.sdk.manifest import Manifest
from connectors.sdk.settings import ConnectorSettings


def hostname(url: str) -> str:
    """The host of a URL (lower-cased), or the text itself when it has none."""
    return (urlsplit(url).hostname or url).lower()


@dataclass(frozen=True)
class Endpoints:
    host: str
    api_url: str
    web_url: str


def public_host(manifest: Manifest, settings: ConnectorSettings) -> str | None:
    """The host a connector serves by default, or ``None`` when it cannot serve any yet
    (a site connector without a configured site)."""
    kind = manifest.attach.kind
    if kind == "site":
        site = getattr(settings, "site", None)
        return hostname(site) if site else None
    if kind == "remote" and settings.web_url:
        return hostname(settings.web_url)
    return manifest.default_host


def hosts(manifest: Manifest, settings: ConnectorSettings) -> list[str]:
    """Every host whose items this connector serves: the public one and any configured."""
    out: list[str] = []
    first = public_host(manifest, settings)
    if first:
        out.append(first)
    for h in getattr(settings, "hosts", ()) or ():
        if h not in out:
            out.append(h)
    return out


def resolve(manifest: Manifest, settings: ConnectorSettings, host: str | None = None) -> Endpoints:
    """API and web base URLs of ``host`` (default: the public host)."""
    public = public_host(manifest, settings) or manifest.default_host
    host = (host or public).lower()
    kind = manifest.attach.kind
    api = settings.api_url or manifest.api_url
    web = settings.web_url or manifest.web_url or f"https://{host}"
    if kind == "site":
        site = getattr(settings, "site", None) or web
        if not settings.api_url or settings.api_url == manifest.api_url:
            api = site.rstrip("/") + manifest.attach.api_path
        return Endpoints(host, api.rstrip("/"), site.rstrip("/"))
    if kind == "remote" and host != public:
        api_host = hostname(api)
        if api_host not in (host, f"api.{host}"):
            api = f"https://{host}{manifest.attach.api_path}"
        web = f"https://{host}"
    return Endpoints(host, api.rstrip("/"), web.rstrip("/"))
