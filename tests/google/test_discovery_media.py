"""Media in the discovery-document contract: Drive's upload paths (``mediaUpload``) and
downloads (``supportsMediaDownload``). Each case pairs an upload Google takes with the near
misses it refuses, so the kit cannot pass a connector that uploads the wrong way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.standin.kit import Request
from tests.standin.kit.discovery import DiscoveryContract

DRIVE = DiscoveryContract(Path(__file__).resolve().parents[1] / "contracts/google/drive.v3.json")
B = "tieline-boundary"


def _req(method: str, target: str, body: bytes = b"", **headers: str) -> Request:
    return Request.parse(method, target, {k.replace("_", "-"): v for k, v in headers.items()}, body)


def _multipart(meta: object, media: bytes = b"# Notes\n", first: str = "application/json") -> bytes:
    return (
        f"--{B}\r\ncontent-type: {first}; charset=UTF-8\r\n\r\n{json.dumps(meta)}\r\n"
        f"--{B}\r\ncontent-type: text/markdown\r\n\r\n".encode()
        + media
        + f"\r\n--{B}--\r\n".encode()
    )


RELATED = f"multipart/related; boundary={B}"
SESSION = "upload_id=ADPycdv-abc"


def test_the_document_is_the_pinned_revision_and_names_the_upload_paths() -> None:
    assert DRIVE.revision == "20261106"
    found = DRIVE.find("POST", "/upload/drive/v3/files")
    assert found is not None and found[0].id == "drive.files.create" and found[0].upload
    found = DRIVE.find("PATCH", "/upload/drive/v3/files/f1")
    assert (
        found is not None and found[0].id == "drive.files.update" and found[1] == {"fileId": "f1"}
    )
    found = DRIVE.find("PUT", "/upload/drive/v3/files")
    assert found is not None and found[0].id == "drive.files.create"
    found = DRIVE.find("PATCH", "/drive/v3/files/f1")
    assert found is not None and found[0].upload is None


@pytest.mark.parametrize(
    "req",
    [
        _req(
            "POST",
            "/upload/drive/v3/files?uploadType=multipart&fields=id%2Cversion",
            _multipart({"name": "notes.md", "parents": ["p1"]}),
            content_type=RELATED,
        ),
        _req(
            "PATCH", "/upload/drive/v3/files/f1?uploadType=media", b"\x00\x01", content_type="x/y"
        ),
        _req(
            "POST",
            "/upload/drive/v3/files?uploadType=resumable",
            json.dumps({"name": "big.bin", "parents": ["p1"]}).encode(),
            content_type="application/json; charset=UTF-8",
            x_upload_content_length="6000000",
        ),
        _req("PATCH", "/upload/drive/v3/files/f1?uploadType=resumable"),
        _req(
            "PUT",
            f"/upload/drive/v3/files?uploadType=resumable&{SESSION}",
            b"x" * 10,
            content_range="bytes 0-9/20",
        ),
        _req(
            "PUT",
            f"/upload/drive/v3/files/f1?uploadType=resumable&{SESSION}",
            content_range="bytes */20",
        ),
        _req("GET", "/drive/v3/files/f1?alt=media"),
        _req("GET", "/drive/v3/files/f1/export?mimeType=text%2Fmarkdown"),
    ],
    ids=lambda r: f"{r.method} {r.path}?{r.query}",
)
def test_allowed(req: Request) -> None:
    assert DRIVE.check(req) == []


@pytest.mark.parametrize(
    ("req", "says"),
    [
        (_req("POST", "/upload/drive/v3/files", b"x", content_type="x/y"), "needs uploadType"),
        (_req("POST", "/upload/drive/v3/files?uploadType=chunked", b"x"), "needs uploadType"),
        (_req("PATCH", "/upload/drive/v3/files?uploadType=media", b"x"), "no method"),
        (_req("POST", "/upload/drive/v3/files/f1?uploadType=media", b"x"), "no method"),
        (
            _req(
                "POST",
                "/upload/drive/v3/files?uploadType=multipart",
                b"{}",
                content_type="application/json",
            ),
            "multipart/related",
        ),
        (
            _req(
                "POST",
                "/upload/drive/v3/files?uploadType=multipart",
                _multipart({"name": "a", "parent": "p1"}),
                content_type=RELATED,
            ),
            "unknown field 'parent'",
        ),
        (
            _req(
                "POST",
                "/upload/drive/v3/files?uploadType=multipart",
                _multipart({"name": "a"}, first="text/plain"),
                content_type=RELATED,
            ),
            "not application/json",
        ),
        (
            _req(
                "POST",
                "/upload/drive/v3/files?uploadType=multipart",
                f"--{B}\r\ncontent-type: application/json\r\n\r\n{{}}\r\n--{B}--\r\n".encode(),
                content_type=RELATED,
            ),
            "two parts",
        ),
        (
            _req(
                "POST",
                "/upload/drive/v3/files?uploadType=resumable",
                b"name=x",
                content_type="text/plain",
            ),
            "not application/json",
        ),
        (
            _req("POST", f"/upload/drive/v3/files?uploadType=media&{SESSION}", b"x"),
            "upload_id names",
        ),
        (
            _req(
                "PUT",
                "/upload/drive/v3/files?uploadType=resumable",
                b"x",
                content_range="bytes 0-0/1",
            ),
            "PUT with",
        ),
        (
            _req("PUT", f"/upload/drive/v3/files?uploadType=resumable&{SESSION}", b"xx"),
            "Content-Range",
        ),
        (
            _req(
                "PUT",
                f"/upload/drive/v3/files?uploadType=resumable&{SESSION}",
                b"xx",
                content_range="bytes 0-9/20",
            ),
            "for 2 bytes",
        ),
        (
            _req(
                "PUT",
                f"/upload/drive/v3/files?uploadType=resumable&{SESSION}",
                b"xx",
                content_range="bytes 19-20/20",
            ),
            "past the total",
        ),
        (
            _req(
                "POST",
                "/drive/v3/files?uploadType=multipart",
                b"{}",
                content_type="application/json",
            ),
            "upload path",
        ),
        (_req("GET", "/drive/v3/files?alt=media"), "does not answer alt=media"),
        (_req("GET", "/drive/v3/files/f1/export"), "mimeType is missing"),
    ],
    ids=lambda v: v if isinstance(v, str) else f"{v.method} {v.path}?{v.query}",
)
def test_refused(req: Request, says: str) -> None:
    problems = DRIVE.check(req)
    assert problems, "the contract allowed it"
    assert any(says in p for p in problems), problems


def test_an_upload_over_max_size_is_refused() -> None:
    total = 5497558138880
    req = _req(
        "PUT",
        f"/upload/drive/v3/files?uploadType=resumable&{SESSION}",
        b"x",
        content_range=f"bytes {total}-{total}/*",
    )
    assert any("maxSize" in p for p in DRIVE.check(req))
