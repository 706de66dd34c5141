"""Secret flagging: every installed service's token shapes (from the manifests), private
keys, and literal passwords; code that only names a password is not flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.errors import SecretFound
from connectors.sdk.manifest import Manifest
from server.hub.snippets.secrets import SecretScanner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    manifests = [Manifest.load(p) for p in sorted((ROOT / "connectors").glob("*/manifest.toml"))]
    return SecretScanner.from_manifests(manifests)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("token = 'ghp_" + "a1B2" * 9 + "'", "a GitHub token"),
        ("export GITLAB=glpat-" + "x1Y2z3" * 4, "a GitLab token"),
        ("key: lin_api_" + "Q" * 40, "a Linear token"),
        ("jira ATATT3" + "xF" * 20, "a Jira token"),
        ("CCIPAT_" + "a" * 30, "a CircleCI token"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n", "a private key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
        ("-----BEGIN PRIVATE KEY-----", "a private key"),
        ('password = "hunter2"', "a password"),
        ("db:\n  password: s3cretValue", "a password"),
        ("postgres://app@db/x?password=hunter22&ssl=1", "a password"),
        ("PASSWORD=correcthorse", "a password"),
        ('{"api_key": "abc123def"}', "a password"),
        ("Authorization: Bearer " + "k" * 30, "an HTTP Authorization value"),
    ],
)
def test_flagged(scanner: SecretScanner, text: str, kind: str) -> None:
    found = scanner.scan(text)
    assert kind in {f.kind for f in found}, found


@pytest.mark.parametrize(
    "text",
    [
        'password = os.environ["DB_PASSWORD"]',
        "password=${1:password}",
        "password = getpass.getpass()",
        "password: $DB_PASSWORD",
        "def login(user, password):\n    return check(password)",
        "password=None",
        "# the password field",
        'password = ""',
        "password=<your password>",
    ],
)
def test_not_flagged(scanner: SecretScanner, text: str) -> None:
    assert scanner.scan(text) == [], text


def test_findings_name_the_line_never_the_value(scanner: SecretScanner) -> None:
    text = "a\nb\ntoken = ghp_" + "Z9" * 15 + "\n"
    assert [str(f) for f in scanner.scan(text)] == ["a GitHub token (line 3)"]
    with pytest.raises(SecretFound) as err:
        scanner.check(text)
    assert "Z9Z9" not in err.value.message and err.value.findings == ("a GitHub token (line 3)",)
