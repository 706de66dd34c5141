"""``tieline hub serve`` end to end: two nodes over one SQLite file, signed webhooks in,
SSE streams out, resumption on the other node, refusals, team isolation, operations."""

from __future__ import annotations

import asyncio
import json
import re

import httpx

from server.hub.eventlog import EventLog
from server.hub.events import Event
from server.hub.store import Store

from .conftest import (
    SECRETS,
    Cluster,
    HubProc,
    Stream,
    github_pr,
    gitlab_issue,
    jira_issue,
    send,
    signed,
)


async def test_webhooks_reach_streams_on_both_nodes(cluster: Cluster) -> None:
    a, b = cluster.start(), cluster.start()
    token = await cluster.token(a, "alpha")
    async with Stream(a, token) as on_a, Stream(b, token) as on_b:
        r1 = await send(a, "github", github_pr(7))
        r2 = await send(b, "gitlab", gitlab_issue(3))
        r3 = await send(a, "jira", jira_issue("PROJ-9"))
        for r in (r1, r2, r3):
            assert r.status_code == 200, r.text
        ids = [r1.json()["ids"][0], r2.json()["ids"][0], r3.json()["ids"][0]]
        got_a, got_b = await on_a.events(3), await on_b.events(3)
    for got in (got_a, got_b):
        assert [f.id for f in got] == sorted(ids)
        by_id = {f.id: f for f in got}
        assert by_id[ids[0]].event == "pull_request.opened"
        assert by_id[ids[0]].data["subject"] == "octo/app#7"
        assert by_id[ids[0]].data["payload"]["item_keys"] == ["github:octo/app#7"]
        assert by_id[ids[1]].data["connector"] == "gitlab"
        assert by_id[ids[2]].data["subject"] == "PROJ-9"
        # The local API's EventOut shape, field for field.
        assert set(by_id[ids[0]].data) == {
            "id", "kind", "connector", "account", "subject", "payload", "time"
        }  # fmt: skip


async def test_resume_on_the_other_node_misses_nothing(cluster: Cluster) -> None:
    a, b = cluster.start(), cluster.start()
    token = await cluster.token(a, "alpha")
    async with Stream(a, token) as on_a:
        first = (await send(a, "github", github_pr(1))).json()["ids"][0]
        (seen,) = await on_a.events(1)
        assert seen.id == first
    # Disconnected: three more arrive, on either node.
    later = []
    for n, node in ((2, a), (3, b), (4, a)):
        r = await send(node, "github", github_pr(n))
        later += r.json()["ids"]
    async with Stream(b, token, last_event_id=first) as on_b:
        got = await on_b.events(3)
        assert [f.id for f in got] == later
        assert [f.data["subject"] for f in got] == ["octo/app#2", "octo/app#3", "octo/app#4"]
        # And it keeps following live after the catch-up.
        live = (await send(a, "jira", jira_issue("P-5"))).json()["ids"][0]
        (nxt,) = await on_b.events(1)
        assert nxt.id == live


async def test_forged_and_replayed_webhooks_are_refused(cluster: Cluster) -> None:
    a, b = cluster.start(), cluster.start()
    body = github_pr(11)
    forged = await send(a, "github", body, secret="not-the-secret")
    assert forged.status_code == 401
    wrong_token = await send(a, "gitlab", gitlab_issue(1), secret="guess")
    assert wrong_token.status_code == 401
    other_team = await send(a, "github", body, team="beta", secret=SECRETS["alpha"]["github"])
    assert other_team.status_code == 401  # alpha's secret does not sign for beta
    unknown = await send(a, "jira", jira_issue("X-1"), team="beta", secret="any-secret")
    assert unknown.status_code == 404  # beta receives no Jira

    path, raw, headers = signed("github", body, delivery="delivery-1")
    async with httpx.AsyncClient() as http:
        ok = await http.post(a.url + path, content=raw, headers=headers)
        again_same = await http.post(a.url + path, content=raw, headers=headers)
        again_other = await http.post(b.url + path, content=raw, headers=headers)
    assert ok.status_code == 200
    assert again_same.status_code == 409
    assert again_other.status_code == 409  # the ledger is shared: any node refuses it
    async with httpx.AsyncClient(base_url=a.url) as http:
        metrics = (await http.get("/metrics")).text
    assert _sample(metrics, "tieline_hub_events_in_total", team="alpha", source="github") == 1
    assert _sample(
        metrics, "tieline_hub_deliveries_failed_total", team="alpha", source="github",
        reason="signatureinvalid",
    ) == 1  # fmt: skip
    assert _sample(
        metrics, "tieline_hub_deliveries_failed_total", team="alpha", source="github",
        reason="replayed",
    ) == 1  # fmt: skip


async def test_a_team_sees_only_its_own_events(cluster: Cluster) -> None:
    a = cluster.start()
    alpha, beta = await cluster.token(a, "alpha"), await cluster.token(a, "beta")
    nobody = await cluster.token(a, "nobody")
    no_events = await cluster.token(a, "alpha", scope="issues:read")
    async with httpx.AsyncClient(base_url=a.url) as http:
        for tok, status in ((nobody, 403), (no_events, 403), ("tla_forged", 401), (None, 401)):
            headers = {"authorization": f"Bearer {tok}"} if tok else {}
            r = await http.get("/api/v1/events/stream", headers=headers)
            assert r.status_code == status, (tok, r.text)
    async with Stream(a, beta) as on_beta, Stream(a, alpha) as on_alpha:
        alpha_id = (await send(a, "github", github_pr(1))).json()["ids"][0]
        beta_id = (await send(a, "github", github_pr(2, repo="beta/x"), team="beta")).json()
        (first_alpha,) = await on_alpha.events(1)
        (first_beta,) = await on_beta.events(1)
    assert first_alpha.id == alpha_id
    assert first_beta.id == beta_id["ids"][0]  # not alpha's, though it came first
    assert first_beta.data["subject"] == "beta/x#2"
    # A page of the log, as the local API's GET /events: the team's own only.
    async with httpx.AsyncClient(base_url=a.url) as http:
        page = await http.get(
            "/api/v1/events", params={"since": 0}, headers={"authorization": f"Bearer {beta}"}
        )
        bad = await http.get(
            "/api/v1/events", params={"limit": 0}, headers={"authorization": f"Bearer {beta}"}
        )
    assert [e["id"] for e in page.json()["items"]] == beta_id["ids"]
    assert page.json()["last_id"] == max(alpha_id, *beta_id["ids"]) and not page.json()["gap"]
    assert bad.status_code == 422
    # Resuming from 0 replays the team's whole log, and still nothing of the other team's.
    async with Stream(a, beta, last_event_id=0) as again:
        (only,) = await again.events(1)
        assert only.id == beta_id["ids"][0]


async def test_the_shared_mirror_shows_where_each_item_stands(cluster: Cluster) -> None:
    """Webhooks to one node; any node's ``GET /api/v1/items`` lists each item once, at its
    newest event's state, for the team's own readers only."""
    a, b = cluster.start(), cluster.start()
    alpha, beta = await cluster.token(a, "alpha"), await cluster.token(a, "beta")
    await send(a, "github", github_pr(5))
    closed = (await send(a, "github", github_pr(5, action="closed"))).json()["ids"][0]
    await send(a, "jira", jira_issue("PROJ-9"))
    await send(a, "github", github_pr(6, repo="beta/x"), team="beta")
    async with httpx.AsyncClient(base_url=b.url) as http:
        mine = {"authorization": f"Bearer {alpha}"}
        page = (await http.get("/api/v1/items", headers=mine)).json()
        github_only = await http.get("/api/v1/items", params={"connector": "github"}, headers=mine)
        theirs = await http.get("/api/v1/items", headers={"authorization": f"Bearer {beta}"})
        bad = await http.get("/api/v1/items", params={"limit": 9999}, headers=mine)
        anonymous = await http.get("/api/v1/items")
    by_key = {i["key"]: i for i in page["items"]}
    assert set(by_key) == {"github:octo/app#5", "jira:PROJ-9"}
    pr5 = by_key["github:octo/app#5"]
    assert pr5["last_kind"] == "pull_request.closed" and pr5["last_event_id"] == closed
    assert pr5["title"] == "PR 5" and pr5["url"] == "https://github.com/octo/app/pull/5"
    assert by_key["jira:PROJ-9"]["title"] == "Jira PROJ-9"
    assert [i["key"] for i in github_only.json()["items"]] == ["github:octo/app#5"]
    assert [i["key"] for i in theirs.json()["items"]] == ["github:beta/x#6"]
    assert bad.status_code == 422 and anonymous.status_code == 401


async def test_health_readiness_and_metrics(cluster: Cluster) -> None:
    a = cluster.start()
    token = await cluster.token(a, "alpha")
    async with httpx.AsyncClient(base_url=a.url) as http:
        health = await http.get("/healthz")
        ready = await http.get("/readyz")
        assert health.status_code == 200 and health.json()["ok"] is True
        assert ready.status_code == 200 and ready.json() == {
            "ready": True, "node": "node0", "problems": []
        }  # fmt: skip
        misdirected = await http.get("/healthz", headers={"host": "evil.example"})
        assert misdirected.status_code == 421
        async with Stream(a, token) as stream:
            await send(a, "github", github_pr(1))
            await stream.events(1)
            metrics = (await http.get("/metrics")).text
            assert _sample(metrics, "tieline_hub_streams_connected", team="alpha") == 1
        assert (await http.get("/metrics")).headers["content-type"].startswith("text/plain")
    assert _sample(metrics, "tieline_hub_pushes_out_total", team="alpha") == 1
    assert _sample(metrics, "tieline_hub_log_last_id") >= 1
    assert _sample(metrics, "tieline_hub_push_latency_seconds_count") >= 1
    for name in ("tieline_hub_stream_queue_depth", "tieline_hub_log_lag_seconds",
                 "tieline_hub_jobs_queued", "tieline_hub_draining"):  # fmt: skip
        assert _sample(metrics, name) >= 0


async def test_sigterm_ends_streams_and_drains_a_delivery_in_flight(cluster: Cluster) -> None:
    a = cluster.start()
    token = await cluster.token(a, "alpha")
    path, body, headers = signed("github", github_pr(42))
    host, port = a.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    half = len(body) // 2
    writer.write(
        f"POST {path} HTTP/1.1\r\nhost: {host}:{port}\r\n{head}"
        f"content-length: {len(body)}\r\n\r\n".encode()
        + body[:half]
    )
    await writer.drain()
    async with Stream(a, token) as stream:
        a.proc.send_signal(15)
        ending = await stream.next_frame()
        while not ending.comment.startswith("this node is shutting down"):
            ending = await stream.next_frame()
    # The stream ended: shutdown is under way. The delivery in flight still completes.
    writer.write(body[half:])
    await writer.drain()
    status = await reader.readline()
    assert status.startswith(b"HTTP/1.1 200"), status
    writer.close()
    assert a.proc.wait(timeout=30) == 0
    logs = [json.loads(line) for line in a.logs()]
    messages = [entry["msg"] for entry in logs]
    assert any(m.startswith("shutting down on SIGTERM") for m in messages)
    assert any("pull_request.opened#" in m for m in messages)  # recorded during the drain
    assert messages[-1].endswith("stopped")
    try:
        async with httpx.AsyncClient() as http:
            await http.get(a.url + "/healthz")
        raise AssertionError("the listener still accepts")
    except httpx.ConnectError:
        pass


async def test_logs_are_json_lines_without_secrets(cluster: Cluster) -> None:
    a = cluster.start()
    token = await cluster.token(a, "alpha")
    async with Stream(a, token) as stream:
        await send(a, "github", github_pr(1))
        await send(a, "gitlab", gitlab_issue(1), secret="wrong-guess-token")
        await send(a, "gitlab", gitlab_issue(2))
        await stream.events(2)
    assert a.terminate() == 0
    text = a.stderr.read_text("utf-8")
    lines = text.splitlines()
    assert lines
    for line in lines:
        entry = json.loads(line)  # every line one JSON object
        assert {"ts", "level", "logger", "msg"} <= set(entry)
    for by_source in SECRETS.values():
        for secret in by_source.values():
            assert secret not in text
    assert token not in text


async def test_a_client_sees_and_revokes_what_the_hub_holds(cluster: Cluster) -> None:
    a, b = cluster.start(), cluster.start()
    token = await cluster.token(a, "alpha")
    async with Stream(b, token) as stream:
        last = (await send(a, "github", github_pr(1))).json()["ids"][0]
        await stream.events(1)
    auth = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=a.url, headers=auth) as http:
        async with asyncio.timeout(30):  # the cursor is written as the stream's end is seen
            while True:
                held = (await http.get("/api/v1/me")).json()
                if held["stream_cursors"] and held["stream_cursors"][0]["last_event_id"] == last:
                    break
                await asyncio.sleep(0.05)
        assert held["client_id"] == cluster.teams["alpha"].client_id
        assert held["team"] == "alpha"
        assert [c["node"] for c in held["stream_cursors"]] == ["node1"]
        assert held["stream_cursors"][0]["last_event_id"] == last
        assert len(held["tokens"]) == 1 and "access" not in json.dumps(held["tokens"])
        gone = await http.delete("/api/v1/me")
        assert gone.json() == {"revoked_tokens": 1, "forgotten_cursors": 1}
        assert (await http.get("/api/v1/me")).status_code == 401
        assert (await http.get("/api/v1/events/stream")).status_code == 401


async def test_a_client_behind_the_retention_is_told_of_the_gap(cluster: Cluster) -> None:
    async with Store.open(cluster.db) as store:
        old = EventLog(store, clock=lambda: 1000.0)  # received long ago
        await old.append(
            "alpha",
            "github",
            "d-old",
            [Event("issue.opened", "github", "", s) for s in ("o/r#1", "o/r#2", "o/r#3")],
        )
        (kept,) = await EventLog(store).append(
            "alpha", "github", "d-new", [Event("issue.opened", "github", "", "o/r#4")]
        )  # fmt: skip
    a = cluster.start()
    token = await cluster.token(a, "alpha")
    async with Stream(a, token, last_event_id=1) as stream:
        gap = await stream.next_frame()
        assert (gap.event, gap.data) == ("gap", {"after": 1, "first": kept})
        (only,) = await stream.events(1)
        assert (only.id, only.data["subject"]) == (kept, "o/r#4")


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text`` (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


__all__ = ["HubProc"]
