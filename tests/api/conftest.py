"""One served API per test session (the schema is loaded once, :func:`api_schema`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis

from tests.api.world import ALL, Served, served


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("api-home")
    with pytest.MonkeyPatch.context() as mp:
        for var in list(os.environ):
            if var.startswith("TIELINE_"):
                mp.delenv(var)
        mp.setenv("TIELINE_HOME", str(home))
        with served(home, keepalive=0.5) as s:
            yield s


@pytest.fixture
def client(api: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {ALL}"}) as c:
        yield c


@pytest.fixture
def anonymous(api: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url) as c:
        yield c


@pytest.fixture(scope="session")
def api_schema(api: Served) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(
        f"{api.url}/openapi.json", headers={"Authorization": f"Bearer {ALL}"}
    )
    # The tests send the credentials themselves (or, on purpose, none): a case "missing" the
    # Authorization header would be sent with it and wrongly count as invalid data accepted.
    schema.config.generation.update(with_security_parameters=False)
    return schema
