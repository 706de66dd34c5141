"""The hub's HTTP stack against the GitHub stand-in: retries, rate limits, auth failures,
health transitions and corporate-network settings."""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections.abc import Generator
from pathlib import Path

import httpx
import pytest

from connectors.sdk import (
    Health,
    InvalidRequest,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    TransportError,
    register_secret,
)
from server.hub.health import HealthBoard, HealthTracker
from server.hub.http import NetworkSettings, revalidate
from tests.factories import numbered
from tests.standin.github import GitHubStandIn
from tests.standin.harness import REPO, connect

H = {"accept": "application/vnd.github+json"}


async def test_5xx_and_connection_resets_are_retried(github: GitHubStandIn) -> None:
    _, http = connect(github.url)
    github.inject("500")
    github.inject("502")
    github.inject("reset")
    r = await http.get("/rate_limit", headers=H)
    assert r.status_code == 200
    assert [e.status for e in github.log] == [500, 502, -1, 200]
    await http.aclose()


async def test_persistent_5xx_gives_up_with_service_unavailable(github: GitHubStandIn) -> None:
    _, http = connect(github.url)
    github.inject("502", count=10)
    with pytest.raises(ServiceUnavailable, match="502"):
        await http.get("/rate_limit", headers=H)
    assert len(github.log) == 4  # the policy's attempts, then stop
    await http.aclose()


async def test_post_is_not_retried_after_it_may_have_arrived(github: GitHubStandIn) -> None:
    github.state.repo("o/r")
    gh, http = connect(github.url)
    github.inject("reset")
    with pytest.raises(TransportError):
        await gh.create_issue(REPO.full_name, "once only")
    assert [e.method for e in github.log] == ["POST"]
    await http.aclose()


async def test_4xx_is_not_retried_and_quotes_the_service(github: GitHubStandIn) -> None:
    _, http = connect(github.url)
    with pytest.raises(NotFound, match="Not Found"):
        await http.get("/repos/o/missing/issues/1", headers=H)
    assert len(github.log) == 1
    await http.aclose()


async def test_401_is_reauth_required_once_without_loop(github: GitHubStandIn) -> None:
    refreshes = 0

    class Refreshing(httpx.Auth):
        """Like the auth layer: one refresh on 401, then give up."""

        def auth_flow(
            self, request: httpx.Request
        ) -> Generator[httpx.Request, httpx.Response, None]:
            nonlocal refreshes
            request.headers["authorization"] = "Bearer old"
            response = yield request
            if response.status_code == 401:
                refreshes += 1
                request.headers["authorization"] = "Bearer new"
                yield request

    github.state.revoked.update({"old", "new"})
    _, http = connect(github.url, auth=Refreshing())
    with pytest.raises(ReauthRequired, match="Bad credentials"):
        await http.get("/user", headers=H)
    assert refreshes == 1 and len(github.log) == 2
    await http.aclose()


@pytest.mark.parametrize(("kind", "seconds"), [("retry_after", 1), ("ratelimit", 1)])
async def test_no_request_before_the_allowed_time(
    github: GitHubStandIn, kind: str, seconds: int
) -> None:
    _, http = connect(github.url)
    github.inject(kind, seconds=seconds)
    r = await http.get("/rate_limit", headers=H)
    assert r.status_code == 200
    refused, retried = github.log
    assert refused.status in (403, 429) and retried.status == 200
    # retry-after: 1 → at least 1 s later; x-ratelimit-reset is whole epoch seconds
    # rounded up, so the retry may not come before that second either.
    earliest = refused.time + seconds if kind == "retry_after" else int(refused.time + seconds)
    assert retried.time >= earliest
    await http.aclose()


async def test_long_rate_limit_raises_and_sends_nothing_more(github: GitHubStandIn) -> None:
    _, http = connect(github.url)
    github.inject("ratelimit", seconds=600)
    with pytest.raises(RateLimited) as caught:
        await http.get("/rate_limit", headers=H)
    assert caught.value.retry_after > 500
    with pytest.raises(RateLimited):
        await http.get("/rate_limit", headers=H)
    assert len(github.log) == 1  # the second call never reached the wire
    await http.aclose()


async def test_paginated_sync_survives_faults_with_every_item_once(github: GitHubStandIn) -> None:
    for k in range(450):
        github.state.add_issue("o/r", f"issue {k}")
    gh, http = connect(github.url)
    github.inject("500", count=2, path="/issues")
    seen: list[int] = []
    cursor = None
    page_no = 0
    while True:
        page_no += 1
        if page_no == 3:
            github.inject("reset")
            github.inject("502")
        page = await gh.list_issues("open", scope=REPO.full_name, cursor=cursor)
        seen += [i.number for i in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert len(seen) == len(set(seen)) == 450
    await http.aclose()


async def test_health_logs_failure_once_and_recovery_once(
    github: GitHubStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    board = HealthBoard()
    tracker = board.tracker("github", "octocat")
    _, http = connect(github.url, tracker=tracker)
    caplog.set_level(logging.INFO, logger="tieline.health")
    await http.get("/rate_limit", headers=H)
    github.inject("500", count=3 * 4)
    for _ in range(3):  # three failing polls
        with pytest.raises(ServiceUnavailable):
            await http.get("/rate_limit", headers=H)
    assert tracker.state() is Health.FAILING
    for _ in range(2):
        await http.get("/rate_limit", headers=H)
    messages = [r.getMessage() for r in caplog.records if r.name == "tieline.health"]
    assert len([m for m in messages if "failing" in m]) == 1
    assert len([m for m in messages if "recovered" in m]) == 1
    snap = board.snapshot().integrations[0]
    assert snap.state in (Health.HEALTHY, Health.DEGRADED)
    assert snap.calls == 6 and snap.error_rate == pytest.approx(0.5)
    assert snap.rate_limit.limit == 5000 and snap.last_success_at is not None
    await http.aclose()


async def test_health_counts_cache_hits_and_304s(github: GitHubStandIn) -> None:
    tracker = HealthTracker("github", "octocat")
    github.state.add_issue("o/r", "x")
    gh, http = connect(github.url, tracker=tracker)
    await gh.get_issue(numbered(REPO, 1))
    await gh.get_issue(numbered(REPO, 1))  # fresh: no request
    with revalidate():
        await gh.get_issue(numbered(REPO, 1))  # 304
    snap = tracker.snapshot()
    assert (snap.calls, snap.wire_requests, snap.not_modified, snap.cache_hits) == (3, 2, 1, 2)
    await http.aclose()


async def test_errors_never_carry_secrets(github: GitHubStandIn) -> None:
    secret = "ghp_" + "A" * 36
    register_secret(secret)
    _, http = connect(github.url, token=secret)
    with pytest.raises(InvalidRequest) as caught:
        await http.get("/repos/o/r/issues", params={"state": secret}, headers=H)
    assert secret not in str(caught.value)
    github.violations.clear()  # that request was wrong on purpose
    await http.aclose()


async def _tiny_proxy(seen: list[bytes]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b"\r\n", 1)[0])
        body = b'{"login":"via-proxy"}'
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def test_proxy_env_is_honoured_and_no_proxy_bypasses(
    github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []
    proxy = await _tiny_proxy(seen)
    port = proxy.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _, http = connect(github.url, network=NetworkSettings(trust_env=True))
    r = await http.get("/user", headers=H)
    assert r.json()["login"] == "via-proxy"
    assert seen and seen[0].startswith(b"GET http://127.0.0.1:")
    await http.aclose()

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _, http = connect(github.url, network=NetworkSettings(trust_env=True))
    r = await http.get("/user", headers=H)
    assert r.json()["login"] == "octocat" and len(seen) == 1
    await http.aclose()
    github.violations.clear()
    proxy.close()


def _self_signed_ca(path: Path) -> str:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tieline Test Corp CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return "Tieline Test Corp CA"


def _trusted_names(ctx: ssl.SSLContext | bool) -> set[str]:
    assert isinstance(ctx, ssl.SSLContext)
    names = set()
    for c in ctx.get_ca_certs():
        for rdn in c.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    names.add(v)
    return names


def test_ca_bundle_setting_and_ssl_cert_file_are_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.hub.http import ssl_context

    bundle = tmp_path / "corp.pem"
    cn = _self_signed_ca(bundle)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    assert cn not in _trusted_names(ssl_context(NetworkSettings()))
    assert cn in _trusted_names(ssl_context(NetworkSettings(ca_bundle=bundle)))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert cn in _trusted_names(ssl_context(NetworkSettings()))
    assert cn not in _trusted_names(ssl_context(NetworkSettings(trust_env=False)))
    # ...and the client's transports are built with that context.
    _, http = connect("https://127.0.0.1:1", network=NetworkSettings(ca_bundle=bundle))
    assert cn in _trusted_names(http.stack.ssl_context)


def test_ssl_context_is_shared_until_a_bundle_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clients built from the same CA files share one context (each holds megabytes of parsed
    certificates); replacing the bundle's file gives the next client a fresh one."""
    import os

    from server.hub.http import ssl_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    bundle = tmp_path / "corp.pem"
    first_cn = _self_signed_ca(bundle)
    settings = NetworkSettings(ca_bundle=bundle)
    first = ssl_context(settings)
    assert ssl_context(NetworkSettings(ca_bundle=bundle)) is first
    assert ssl_context(NetworkSettings()) is not first

    _self_signed_ca(bundle)  # the file is replaced (a new key; the same name)
    os.utime(bundle, ns=(1, 1))  # a different mtime even on a coarse-clock filesystem
    second = ssl_context(settings)
    assert second is not first
    assert first_cn in _trusted_names(second)  # the helper always names its CA the same


async def test_an_in_memory_cache_writes_nothing_to_the_working_directory(
    github: GitHubStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    github.state.repo("o/r")
    connector, http = connect(github.url, cache_dir=None)
    async with http:
        await connector.check()
        await connector.list_issues("open", scope=REPO.full_name)
    assert os.listdir(tmp_path) == []
