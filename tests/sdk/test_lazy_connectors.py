"""Start-up stays flat with the number of connectors installed: opening the hub reads every
manifest but imports no connector's code; a connector module loads only when a session for
it is built. Run in a fresh interpreter, since other tests import the connectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, json, sys
from pathlib import Path
from server.hub.hub import Hub

async def main(folder):
    hub = await Hub.open(folders=[folder], store_path=folder / "t.db", environ={},
                         cache_dir=folder / "cache")
    try:
        ids = hub.registry.ids()
        hub.scan_context_for(folder / "x.py")
        hub.scanner.scan("# PROJ-7 and #1", language_id="python", uri="file:///x.py", version=1)
        before = sorted(m for m in sys.modules if m.startswith("connectors.") and
                        not m.startswith("connectors.sdk") and
                        m.endswith((".connector", ".client", ".models")))
        loaded = [i for i in ids if hub.registry.loaded(i)]
        hub.registry.get("linear")  # what building a session does first
        after = sorted(m for m in sys.modules if m.startswith("connectors.linear."))
        return {"ids": ids, "loaded": loaded, "before": before, "after": after}
    finally:
        await hub.close()

print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
"""


def test_no_connector_code_before_a_session_needs_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TIELINE_HOME": str(tmp_path)},
    )
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"github", "gitlab", "jira", "linear"} <= set(got["ids"])
    assert got["before"] == [], "connector code imported at hub open"
    assert got["loaded"] == []
    assert "connectors.linear.connector" in got["after"]
