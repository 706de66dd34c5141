"""The references tests' ``Papers`` connector, written only against ``connectors.sdk``: the
papers of the JSON file ``$PAPERSFAKE_FILE`` (``{doi: Paper as JSON}``), read at every call,
so a server process and the test share one "service"."""

from __future__ import annotations

import json
import os
from pathlib import Path

from connectors.sdk import CheckResult, Connector, NotFound
from connectors.sdk.papers import Paper, PaperId, PaperScheme


class PapersFake(Connector):
    manifest_path = Path(__file__).with_name("papersfake.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    def paper_schemes(self) -> frozenset[PaperScheme]:
        return frozenset({"doi"})

    async def paper(self, ref: PaperId) -> Paper:
        data = json.loads(_read(os.environ["PAPERSFAKE_FILE"]))
        found = data.get(ref.value.lower())
        if found is None:
            raise NotFound(f"no work has the DOI {ref.value}")
        return Paper.model_validate(found)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()
