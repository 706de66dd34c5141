"""Folder sync of a 1,000-file folder against a drive that takes time to answer.

Run: ``python -m bench.docsync [--files N] [--latency MS]``. A workspace folder of N (1,000)
files of 1-8 KB in 20 subfolders is linked to the tests' in-memory drive
(:class:`tests.docsync.fakedrive.FakeDrive`), each of whose requests waits LATENCY (20) ms,
as a nearby drive service does. Measured:

* the first sync (every file uploaded; the drive makes the parent folders): time and
  requests;
* the round after it, which reads the first sync's own uploads in the change list (no
  transfer expected);
* an unchanged re-sync: requests (goal: one ``changes`` request) and time, the local side
  being a walk that stats every file and hashes none;
* one file edited on each side: requests and time;
* another checkout of the workspace linked to the same drive folder: its first sync (every
  file downloaded) and its unchanged re-sync.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from server.hub.docsync.engine import DocSync, LinkSpec, Report
from server.hub.store import Store
from tests.docsync.fakedrive import FakeDrive


def _make(docs: Path, files: int) -> None:
    rng = random.Random(7)
    for i in range(files):
        p = docs / f"part{i % 20:02d}" / f"note{i:04d}.md"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rng.randbytes(rng.randint(1024, 8192)))


async def _round(sync: DocSync, drive: FakeDrive, what: str) -> Report:
    drive.calls.clear()
    t0 = time.perf_counter()
    r = await sync.sync()
    ms = (time.perf_counter() - t0) * 1000
    calls = ", ".join(f"{k} {v}" for k, v in sorted(drive.calls.items()))
    print(
        f"{what:<34} {ms:9.0f} ms  {drive.requests():5d} requests ({calls})"
        f"  pushed {len(r.pushed)}, pulled {len(r.pulled)}"
        + (f"  STOPPED: {r.stopped}" if r.stopped else ""),
        flush=True,
    )
    return r


async def run(files: int, latency_ms: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        docs = root / "docs"
        _make(docs, files)
        drive = FakeDrive(latency=latency_ms / 1000)
        spec = LinkSpec(folder="docs", service="fakedrive", remote=FakeDrive.ROOT.path)
        print(f"{files} files, {latency_ms:g} ms per request")
        async with Store.open(Path(tmp) / "t.db") as store:
            sync = DocSync(store, drive, spec, root)
            await _round(sync, drive, "first sync")
            await _round(sync, drive, "the round after (own uploads)")
            await _round(sync, drive, "unchanged re-sync")
            (docs / "part00" / "note0000.md").write_bytes(b"edited here")
            drive.put("part01/note0001.md", b"edited there")
            await _round(sync, drive, "one edit each side")
            await _round(sync, drive, "unchanged re-sync")
            other = Path(tmp) / "clone"
            fresh = DocSync(store, drive, spec, other)
            await _round(fresh, drive, "another checkout's first sync")
            await _round(fresh, drive, "its unchanged re-sync")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=20.0, help="ms per drive request")
    args = ap.parse_args(argv)
    asyncio.run(run(args.files, args.latency))


if __name__ == "__main__":
    main()
