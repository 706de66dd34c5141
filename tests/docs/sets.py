"""Fixtures of the docs tests (shared with ``tests/lsp/test_docs.py``): real documentation
sets, built in the test session: Sphinx builds a small project's HTML
and ``objects.inv``, and doc2dash turns that build into a Dash docset -- the same tools and
formats a user's sets come from."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.hub.docs import stdlib
from tests.standin.docs_site import DocsSite
from tests.standin.kit import serving

CONF = """project = "Spam"
version = release = "2.1"
html_theme = "basic"
"""
INDEX = """Spam
====

.. py:module:: spam

The spam package.

.. py:function:: eggs(n)

   Fry *n* eggs.

.. py:class:: Pan(size)

   A frying pan.

   .. py:method:: heat(level)

      Heat the pan to *level*.

.. py:data:: SIZES

   The sizes a pan comes in.

.. py:module:: spam.tins

.. py:function:: open_tin(tin)

   Open a tin of spam.

.. glossary::

   spamming
      Sending the same thing again and again.
"""


@dataclass(frozen=True)
class Built:
    html: Path  # the Sphinx HTML build (objects.inv inside)
    docset: Path  # spam.docset, made by doc2dash from that build

    @property
    def inventory(self) -> Path:
        return self.html / "objects.inv"


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("spam-docs")
    src = root / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(INDEX)
    html = root / "html"
    _run(sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(html))
    _run(sys.executable, "-m", "doc2dash", "-q", "-n", "spam", "-d", str(root), str(html))
    return Built(html=html, docset=root / "spam.docset")


@pytest.fixture(scope="session")
def stdlib_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter's standard library index, built once (in its child process)."""
    folder = tmp_path_factory.mktemp("stdlib")
    asyncio.run(stdlib.load_or_build(folder))
    return stdlib.cache_file(folder)


def with_stdlib(data_dir: Path, index: Path) -> None:
    """Install ``index`` where a library on ``data_dir`` looks for it."""
    dest = data_dir / "docs" / "stdlib"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(index, dest / index.name)


@pytest.fixture
def site() -> Iterator[DocsSite]:
    with serving(DocsSite()) as s:
        yield s
