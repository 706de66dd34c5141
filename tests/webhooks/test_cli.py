"""``tieline webhooks ...`` end to end in this process: a real hub on the test's home, a file
vault, and a loopback receiver. Secrets appear once (add, rotate-secret) and verify with the
Standard Webhooks reference library."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from server.cli import main

from .receiver import Action, Receiver, always


def tieline(monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("TIELINE_VAULT_BACKEND", "file")
    monkeypatch.setenv("TIELINE_VAULT_PASSPHRASE", "webhooks cli")
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["webhooks", *args])
    return code, out.getvalue(), err.getvalue()


def as_json(text: str) -> Any:
    return json.loads(text)


def test_the_webhooks_verbs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        return tieline(monkeypatch, tmp_path, *args)

    with Receiver() as r:
        code, out, _ = run("add", r.url, "--event", "ci.*", "--description", "n8n", "--json")
        assert code == 0, out
        added = as_json(out)
        eid, secret = added["endpoint"]["id"], added["secret"]
        assert secret.startswith("whsec_") and added["endpoint"]["event_types"] == ["ci.*"]

        code, out, _ = run("list", "--json")
        (listed,) = as_json(out)["endpoints"]
        assert listed["id"] == eid and "secret" not in json.dumps(listed)
        code, out, _ = run("list")
        assert eid in out and secret not in out

        code, out, err = run("test", eid)
        assert code == 0, err
        assert out.split()[1] == "success"
        got = r.received[-1]
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"

        code, out, _ = run("log", eid, "--json")
        (msg,) = as_json(out)["messages"]
        assert msg["state"] == "delivered" and msg["attempts"] == 1
        (attempt,) = msg["history"]
        assert attempt["status"] == 200 and attempt["trigger"] == "test"

        code, out, _ = run("replay", msg["id"])
        assert code == 0 and r.ids()[-2:] == [msg["id"], msg["id"]]

        code, out, _ = run("rotate-secret", eid)
        new_secret = out.strip()
        assert code == 0 and new_secret.startswith("whsec_") and new_secret != secret
        run("test", eid)
        got = r.received[-1]
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        Webhook(secret).verify(got.body, got.headers)
        Webhook(new_secret).verify(got.body, got.headers)

        code, out, _ = run("disable", eid, "--reason", "maintenance", "--json")
        assert as_json(out)["endpoint"]["disabled_reason"] == "maintenance"
        code, out, _ = run("enable", eid, "--json")
        assert as_json(out)["endpoint"]["enabled"] is True

        r.script = always(Action(status=500))
        code, out, err = run("test", eid)
        assert code == 1 and "http_error 500" in out
        r.script = always(Action())
        code, out, _ = run("log", eid)
        assert "http_error" in out and "500" in out

        # the failed test has retries queued; recover sends failed ones (none yet) -> 0
        code, out, _ = run("recover", eid, "--since", "1h", "--json")
        assert code == 0 and as_json(out)["recovered"] == 0

        code, out, _ = run("remove", eid, "--json")
        assert as_json(out) == {"removed": eid}
        code, out, err = run("log", eid)
        assert code == 5 and "no webhook endpoint" in err


def test_bad_input_gives_clear_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = tieline(monkeypatch, tmp_path, "add", "ftp://example.com/x")
    assert code == 4 and "http://" in err
    code, _, err = tieline(monkeypatch, tmp_path, "add", "http://10.0.0.8/hook")
    assert code == 1 and "private" in err
    code, _, err = tieline(
        monkeypatch, tmp_path, "add", "http://127.0.0.1:9/x", "--template", "a ||"
    )
    assert code == 4 and "JMESPath" in err
    code, _, err = tieline(monkeypatch, tmp_path, "add", "http://127.0.0.1:9/a b")
    assert code == 4 and "percent-encode" in err
    code, _, err = tieline(monkeypatch, tmp_path, "add", "http://user:pw@127.0.0.1:9/")
    assert code == 4 and "user name" in err and "pw" not in err
    code, _, err = tieline(monkeypatch, tmp_path, "recover", "ep_x", "--since", "yesterday")
    assert code == 2 and "--since" in err
    code, _, err = tieline(monkeypatch, tmp_path, "replay", "msg_nope")
    assert code == 5
