"""The Jenkins stand-in itself: ``tree=`` as Jenkins documents it, and the documented shapes
refusing what Jenkins does not document (so the connector's tests mean something)."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.standin.jenkins import JenkinsStandIn, apply_tree, branch_job_name, parse_tree

from .wiring import CANARY, USER, seeded

BUILDS = {
    "_class": "J",
    "name": "app",
    "builds": [{"_class": "B", "number": n, "x": 1} for n in (3, 2, 1)],
}


@pytest.mark.parametrize(
    ("tree", "numbers"),
    [
        ("builds[number]", [3, 2, 1]),
        ("builds[number]{0,2}", [3, 2]),
        ("builds[number]{1,}", [2, 1]),
        ("builds[number]{,1}", [3]),
        ("builds[number]{2}", [1]),
    ],
)
def test_tree_ranges_as_the_remote_access_api_documents_them(tree: str, numbers: list[int]) -> None:
    got = apply_tree(BUILDS, parse_tree(tree))
    assert got == {"_class": "J", "builds": [{"_class": "B", "number": n} for n in numbers]}


@pytest.mark.parametrize("bad", ["", "builds[", "builds[number", "a,,b", "x{}", "a]"])
def test_a_malformed_tree_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_tree(bad)


def test_branch_names_encode_as_branch_api_does() -> None:
    assert branch_job_name("feature/x y") == "feature%2Fx y"
    assert branch_job_name("50%") == "50%25"
    assert branch_job_name("..") == "%2E%2E"


def _get(jk: JenkinsStandIn, path: str, **params: str) -> httpx.Response:
    auth = base64.b64encode(f"{USER}:{CANARY}".encode()).decode()
    return httpx.get(jk.url + path, params=params, headers={"authorization": f"Basic {auth}"})


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/job/app/api/json", {"tree": "name", "depht": "1"}),  # a typo Jenkins would ignore
        ("/job/app/1/logText/progressiveText", {"start": "-1"}),
        ("/job/app/lastBuild/consoleText", {}),  # permalinks are not what the connector sends
        ("/job//api/json", {}),
        ("/job/app/1/wfapi/changesets", {}),  # not in the Stage View plugin's description
        ("/api/json", {}),
    ],
)
def test_undocumented_requests_fail(
    jenkins: JenkinsStandIn, path: str, params: dict[str, str]
) -> None:
    seeded(jenkins).state.add_job("app")
    r = _get(jenkins, path, **params)
    assert r.status_code == 400 and r.headers["x-jenkins"]
    assert jenkins.violations
    jenkins.violations.clear()  # expected here: the fixture would fail the test on them


def test_documented_requests_pass(jenkins: JenkinsStandIn) -> None:
    seeded(jenkins).state.add_job("app", "pipeline")
    jenkins.state.add_build("app")
    for path, params in [
        ("/job/app/api/json", {"tree": "name,builds[number]{0,1}"}),
        ("/job/app/1/api/json", {"depth": "1"}),
        ("/job/app/1/wfapi/describe", {}),
        ("/job/app/1/consoleText", {}),
        ("/whoAmI/api/json", {}),
    ]:
        assert _get(jenkins, path, **params).status_code == 200, path
    assert jenkins.violations == []
