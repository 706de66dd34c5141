"""TLS served by the hub itself (``ssl_certfile``/``ssl_keyfile``), for a team that runs no
reverse proxy: a certificate made here for 127.0.0.1, trusted by the client alone."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import Cluster, github_pr, signed


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tieline hub test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = tmp / "hub.crt", tmp / "hub.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


async def test_the_hub_serves_tls_itself(cluster: Cluster) -> None:
    certfile, keyfile = _certificate(cluster.tmp)
    a = cluster.start(TIELINE_HUB_SSL_CERTFILE=str(certfile), TIELINE_HUB_SSL_KEYFILE=str(keyfile))
    assert a.url.startswith("https://127.0.0.1:")
    trust = ssl.create_default_context(cafile=str(certfile))
    async with httpx.AsyncClient(base_url=a.url, verify=trust) as http:
        assert (await http.get("/healthz")).status_code == 200
        path, body, headers = signed("github", github_pr(1))
        assert (await http.post(path, content=body, headers=headers)).status_code == 200
    async with httpx.AsyncClient(base_url=a.url) as http:  # the system's trust: refused
        try:
            await http.get("/healthz")
            raise AssertionError("an untrusted certificate was accepted")
        except httpx.ConnectError:
            pass
