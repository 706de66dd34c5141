"""Malformed input never takes the server down and never goes unanswered.

Hypothesis throws malformed params, unknown URIs, positions past the end and huge lines at
every handler and custom request; each must be answered (a result, or a clear error that is
not an internal error), and the server must still answer a well-formed request afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.lsp.wire import WireClient

METHODS = [
    "textDocument/hover",
    "textDocument/documentLink",
    "textDocument/codeLens",
    "textDocument/completion",
    "textDocument/codeAction",
    "workspace/executeCommand",
    "tieline/panels",
    "tieline/panel/items",
    "tieline/status",
    "tieline/auth/status",
    "tieline/auth/signOut",
    "tieline/auth/signIn",
]
DOC = "file:///fuzz/notes.md"

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
json_any = st.recursive(
    json_leaf,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4)
    ),
    max_leaves=12,
)
position = st.fixed_dictionaries(
    {
        "line": st.integers(-5, 2**31 - 1) | json_leaf,
        "character": st.integers(-5, 2**31) | json_leaf,
    }
)
uri = st.sampled_from([DOC, "file:///nowhere.py", "untitled:1", "", "not a uri", "file:///%%"])
shaped = st.fixed_dictionaries(
    {"textDocument": st.fixed_dictionaries({"uri": uri}), "position": position},
    optional={
        "range": st.fixed_dictionaries({"start": position, "end": position}),
        "context": json_any,
        "command": st.text(max_size=40),
        "arguments": st.lists(json_any, max_size=3),
        "panelId": st.text(max_size=20) | json_leaf,
        "parentId": st.text(max_size=20) | json_leaf,
        "connector": st.sampled_from(["github", "nope", ""]) | json_leaf,
        "host": st.sampled_from(["ghe.example.com", ""]) | json_leaf,
    },
)


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WireClient]:
    home = tmp_path_factory.mktemp("fuzz-home")
    ws = tmp_path_factory.mktemp("fuzz-ws")
    client = WireClient(cwd=Path.cwd(), env={"TIELINE_HOME": str(home)})
    # A cold start (the server process importing and initializing) on a busy machine can take
    # longer than the 10 s a request gets; that is no finding of the fuzzer's.
    init = client.request(
        "initialize", {"processId": None, "rootUri": ws.as_uri(), "capabilities": {}}, wait=60
    )
    assert "result" in init
    client.notify("initialized", {})
    huge = "x" * 20_000 + " #1\n" + "see #12 and GH-7\n" * 50
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": DOC, "languageId": "markdown", "version": 1, "text": huge}},
    )
    yield client
    client.close()


def _check(reply: dict[str, Any]) -> None:
    if "error" in reply:
        err = reply["error"]
        assert err["code"] != -32603, f"internal error: {err['message']}"
        assert isinstance(err["message"], str) and err["message"]
        assert "Traceback" not in err["message"] and not err.get("data")


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(method=st.sampled_from(METHODS), params=st.one_of(shaped, json_any))
def test_malformed_requests_are_answered(wire: WireClient, method: str, params: Any) -> None:
    _check(wire.request(method, params))


def test_server_survives_and_still_answers(wire: WireClient) -> None:
    reply = wire.request(
        "textDocument/hover",
        {"textDocument": {"uri": DOC}, "position": {"line": 1, "character": 6}},
    )
    assert "error" not in reply, reply
    assert wire.proc.poll() is None
