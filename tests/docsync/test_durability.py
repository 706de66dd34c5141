"""A round cut short -- killed with ``kill -9``, or stopped by a failing service -- loses
nothing, and the next round completes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.sdk.errors import RateLimited, ServiceUnavailable, TransportError
from server.hub.docsync import localfs
from tests.docsync.conftest import World
from tests.docsync.fakedrive import FakeDrive, failing

ROOT = Path(__file__).resolve().parents[2]


def _run(db: Path, ws: Path, drive: Path, hang: str = "") -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.docsync.round", str(db), str(ws), str(drive), hang],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _finish(p: subprocess.Popen[str]) -> dict[str, object]:
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0
    report: dict[str, object] = json.loads(out)
    assert report["stopped"] is None
    return report


def _kill_when_hung(p: subprocess.Popen[str], marker: Path) -> None:
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert p.poll() is None, "the round ended before it reached the upload"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    marker.unlink()


@pytest.mark.parametrize("edit", [False, True], ids=["new", "edited"])
@pytest.mark.parametrize("hang", ["upload-before", "upload-after"])
def test_kill_9_mid_upload_then_restart(tmp_path: Path, hang: str, edit: bool) -> None:
    """Killed while an upload is on its way (before the service took it, or after but
    before the answer): the next process redoes the upload, and the round completes with
    both sides whole. An edit's upload that the service had taken is refused when redone
    (its etag is stale): the engine looks again, finds the drive's bytes equal to the local
    ones, and records the agreement rather than a conflict."""
    ws, db, drive_file = tmp_path / "ws", tmp_path / "t.db", tmp_path / "drive.json"
    (ws / "docs").mkdir(parents=True)
    drive = FakeDrive(path=drive_file)
    drive.put("remote.md", "theirs")
    for i in range(5):
        (ws / "docs" / f"f{i}.md").write_text("first" if edit else f"mine {i}")
    if edit:
        _finish(_run(db, ws, drive_file))
        for i in range(5):
            (ws / "docs" / f"f{i}.md").write_text(f"mine {i}")
    p = _run(db, ws, drive_file, hang)
    _kill_when_hung(p, drive_file.with_suffix(".hung"))
    before = {p.name: p.read_text() for p in (ws / "docs").iterdir()}
    assert before.get("f0.md") == "mine 0"  # the local side untouched by the kill

    _finish(_run(db, ws, drive_file))
    _finish(_run(db, ws, drive_file))
    after = FakeDrive.load(drive_file)
    expected = {f"f{i}.md": f"mine {i}".encode() for i in range(5)} | {"remote.md": b"theirs"}
    assert after.files() == expected
    local = {p.name: p.read_bytes() for p in (ws / "docs").iterdir()}
    assert local == expected  # no conflict copy, no stray temporary file
    # and it has settled: a round now writes nothing at the service
    _finish(_run(db, ws, drive_file))
    assert FakeDrive.load(drive_file).log == after.log


@pytest.mark.parametrize(
    "error",
    [
        RateLimited("slow down", retry_at=time.time() + 30, status=429),
        ServiceUnavailable("down", status=503),
        TransportError("connection refused"),
    ],
    ids=["429", "503", "dead"],
)
async def test_a_failing_service_stops_the_round_cleanly(world: World, error: Exception) -> None:
    for i in range(6):
        world.write(f"f{i}.md", str(i))
    world.drive.fail = failing(3, error, methods=("upload",))  # type: ignore[arg-type]
    r = await world.sync.sync()
    assert r.stopped is not None and world.sync.spec.label in r.stopped
    assert len(r.pushed) == 3
    if isinstance(error, RateLimited):
        assert r.retry_at == error.retry_at and "resumes in" in r.stopped
    world.drive.fail = None
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert r.stopped is None and len(r.pushed) == 3  # only what was left
    assert world.remote() == world.local()


async def test_a_failing_changes_request_changes_nothing(world: World) -> None:
    world.write("a.md", "a")
    world.drive.fail = failing(0, ServiceUnavailable("down", status=503))
    r = await world.sync.sync()
    assert r.stopped and world.remote() == {} and world.local() == {"a.md": "a"}


def test_a_half_written_file_never_replaces_the_real_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "guide.md"
    target.write_text("the real one")

    def boom(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(localfs.os, "fsync", boom)
    with pytest.raises(OSError):
        localfs.write_atomic(target, b"half")
    assert target.read_text() == "the real one"
    assert [p.name for p in tmp_path.iterdir()] == ["guide.md"]


async def test_state_survives_a_restart(world: World, tmp_path: Path) -> None:
    """A new engine on the same store knows what was agreed: nothing is transferred again."""
    from server.hub.docsync.engine import DocSync

    world.write("a.md", "a")
    world.drive.put("b.md", "b")
    await world.sync.sync()
    await world.sync.sync()
    again = DocSync(world.sync.state.db, world.drive, world.sync.spec, world.docs.parent)
    world.drive.calls.clear()
    r = await again.sync()
    assert not r.changed and dict(world.drive.calls) == {"changes": 1}
