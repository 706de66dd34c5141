"""How a tool's failures reach an agent: the hub's errors with their kind and redacted
message, a crash as an internal error naming only the tool (its text, which may hold
anything, stays in the log)."""

from __future__ import annotations

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from connectors.sdk.errors import AuthError, NotFound, SecretFound, TielineError
from connectors.sdk.redact import register_secret
from server.mcp.errors import WriteRefused
from server.mcp.tools import translated
from server.verbs.base import Missing, UsageError

TOKEN = "ghp_" + "Zx9" * 12


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (UsageError("bad"), "usage"),
        (Missing("gone"), "not_found"),
        (NotFound("gone"), "not_found"),
        (AuthError("sign in"), "auth"),
        (WriteRefused("no"), "refused"),
        (TielineError("other"), "failed"),
    ],
)
def test_hub_errors_keep_their_kind(exc: TielineError, kind: str) -> None:
    with pytest.raises(ToolError) as got, translated("t"):
        raise exc
    assert str(got.value) == f"[{kind}] {exc.message}"


def test_a_secret_in_a_message_is_redacted() -> None:
    register_secret(TOKEN)
    with pytest.raises(ToolError) as got, translated("t"):
        raise AuthError(f"refused {TOKEN}")
    assert TOKEN not in str(got.value) and str(got.value).startswith("[auth] refused ")


def test_a_secret_found_names_what_and_where_never_the_value() -> None:
    with pytest.raises(ToolError) as got, translated("save_snippet"):
        raise SecretFound("looks like a secret", findings=("a GitHub token, line 1",))
    assert str(got.value) == "[secret] looks like a secret (a GitHub token, line 1)"


def test_a_crash_names_only_the_tool(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ToolError) as got, translated("list_issues"):
        raise RuntimeError(f"boom with {TOKEN}")
    assert str(got.value) == "[internal] list_issues failed inside Tieline; see the server log"
    assert "list_issues" in caplog.text
