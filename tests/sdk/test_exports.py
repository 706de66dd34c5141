"""The sdk's lazy exports hand out what they name, whatever was imported first."""

from __future__ import annotations

import importlib
import subprocess
import sys


def test_redact_is_the_function_even_after_its_module_was_imported() -> None:
    # A fresh interpreter: the order of imports is the point.
    code = (
        "import connectors.sdk.redact\n"
        "from connectors.sdk import redact\n"
        "assert callable(redact) and redact('x') == 'x', redact\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_lazy_name_resolves() -> None:
    sdk = importlib.import_module("connectors.sdk")
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name
