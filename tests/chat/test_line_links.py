"""The code hosts' ``web_urls.lines`` templates name the pages each host documents for a
file's lines at a commit: GitHub's and GitLab's ``#L3-L7`` / ``#L3-7`` anchors on a blob,
Bitbucket Cloud's ``#lines-3:7`` on ``src``."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.manifest import Manifest

ROOT = Path(__file__).resolve().parents[2]

VALUES = {"web": "https://h", "scope": "o/r", "sha": "abc", "path": "a/b.py", "line": 3,
          "end_line": 7}  # fmt: skip


@pytest.mark.parametrize(
    ("connector", "url"),
    [
        ("github", "https://h/o/r/blob/abc/a/b.py#L3-L7"),
        ("gitlab", "https://h/o/r/-/blob/abc/a/b.py#L3-7"),
        ("bitbucket", "https://h/o/r/src/abc/a/b.py#lines-3:7"),
    ],
)
def test_each_code_host_names_its_line_page(connector: str, url: str) -> None:
    m = Manifest.load(ROOT / "connectors" / connector / "manifest.toml")
    assert m.web_urls.lines is not None
    assert m.web_urls.lines.format(**VALUES) == url
