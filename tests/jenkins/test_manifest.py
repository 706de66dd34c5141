"""The Jenkins manifest and settings: what the hub reads before importing the connector."""

from __future__ import annotations

import pytest

from connectors.jenkins.connector import JenkinsConnector
from connectors.sdk import ConfigError, ConnectorContext, PipelineControl, Pipelines, RepoRef
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry
from connectors.sdk.settings import settings_model

from .wiring import CANARY

M = JenkinsConnector.manifest()


def _connector(**settings: object) -> JenkinsConnector:
    import httpx

    ctx = ConnectorContext(
        http=httpx.AsyncClient(), account="mia", api_url="https://ci.example", settings=settings
    )
    return JenkinsConnector(ctx)


def test_it_registers_with_both_ci_capabilities_implemented() -> None:
    registry = Registry()
    registry.add(JenkinsConnector)  # verifies every declared capability is implemented
    assert registry.manifest("jenkins").capabilities == ("Pipelines", "PipelineControl")
    assert JenkinsConnector.provides(JenkinsConnector, Pipelines)  # type: ignore[arg-type]
    assert JenkinsConnector.provides(JenkinsConnector, PipelineControl)  # type: ignore[arg-type]


def test_it_attaches_to_a_site_and_watches_repositories_with_a_jenkinsfile() -> None:
    assert M.attach.kind == "site"
    assert M.attach.watch_repos is True
    assert M.attach.markers == ("Jenkinsfile",)
    settings = settings_model(M)(site="https://ci.example.com/jenkins/")
    assert settings.site == "https://ci.example.com/jenkins"  # type: ignore[attr-defined]
    assert settings.jobs == [] and settings.folder == ""  # type: ignore[attr-defined]


def test_basic_auth_with_an_api_token_and_its_shape_is_masked() -> None:
    auth = M.auth
    assert auth.methods == ("basic",)
    assert auth.header_for("basic") == ("Authorization", "Basic {basic}")
    assert auth.token_env == "TIELINE_JENKINS_TOKEN"
    assert auth.username_env == "TIELINE_JENKINS_USER"
    assert auth.username_label == "user id"
    assert "API token" in auth.token_help
    import re

    assert any(re.search(p, f"token {CANARY} leaked") for p in auth.token_patterns)
    assert CANARY not in redact(f"token {CANARY} leaked")


def test_ci_scope_maps_repositories_to_job_paths() -> None:
    conn = _connector(jobs=["octo/app=team/app", "Octo/Lib = libs/core/lib "])
    assert conn.ci_scope(RepoRef(host="github.com", owner="octo", name="app")) == "team/app"
    # Repositories compare without case, as code hosts do; spaces around '=' are forgiven.
    assert conn.ci_scope(RepoRef(host="github.com", owner="octo", name="lib")) == "libs/core/lib"
    # Unmapped: the repository's name at the top level, or inside `folder`.
    assert conn.ci_scope(RepoRef(host="github.com", owner="octo", name="web")) == "web"
    foldered = _connector(folder="/team/sub/")
    assert foldered.ci_scope(RepoRef(host="gitlab.com", owner="g/s", name="web")) == "team/sub/web"


@pytest.mark.parametrize("entry", ["octo/app", "=team/app", "octo/app=", "octo/app=/"])
def test_a_malformed_jobs_entry_is_a_configuration_error(entry: str) -> None:
    with pytest.raises(ConfigError, match=r"owner/repo=folder/job"):
        _connector(jobs=[entry])
