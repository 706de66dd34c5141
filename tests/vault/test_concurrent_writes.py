"""Two processes writing the same vault file at once lose no record."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from keyring.backends import fail
from pydantic import SecretStr

from server.hub.vault import Credentials, open_vault

N = 40


def _writer(file: str, home: str, login: str, go: Any) -> None:
    import os

    os.environ["TIELINE_HOME"] = home
    vault = open_vault(
        "file", keyring_backend=fail.Keyring(), file=Path(file),
        env={"TIELINE_VAULT_PASSPHRASE": "race"}, scrypt_n=2**10,
    )  # fmt: skip
    go.wait(30)  # both writers start together, so their writes interleave
    for i in range(N):
        vault.save(
            Credentials(
                connector="github",
                host="github.com",
                login=f"{login}{i}",
                access_token=SecretStr(f"tok-{login}-{i}"),
                method="token",
            )
        )


def test_concurrent_writers_keep_every_record(tmp_path: Path, tieline_home: Path) -> None:
    file = str(tmp_path / "vault.json")
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    procs = [
        ctx.Process(target=_writer, args=(file, str(tieline_home), who, go)) for who in ("a", "b")
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    vault = open_vault(
        "file", keyring_backend=fail.Keyring(), file=Path(file),
        env={"TIELINE_VAULT_PASSPHRASE": "race"}, scrypt_n=2**10,
    )  # fmt: skip
    logins = {a.login for a in vault.accounts("github")}
    assert logins == {f"{w}{i}" for w in "ab" for i in range(N)}
    for w in "ab":
        for i in range(N):
            creds = vault.load(
                next(a for a in vault.accounts("github") if a.login == f"{w}{i}").account
            )
            assert creds is not None
            assert creds.access_token.get_secret_value() == f"tok-{w}-{i}"
