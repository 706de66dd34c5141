"""Which subjects each capability's tests get: CI-only services (no issues, no code) only the
Pipelines ones, and every setup of a connector (``id:variant``) what its connector declares."""

from __future__ import annotations

from .conftest import subjects

CI_ONLY = {
    "jenkins",
    "jenkins:multibranch",
    "jenkins:folder",
    "jenkins:freestyle",
    "jenkins:no-stage-view",
    "circleci",
    "circleci:gitlab",
}


def test_ci_only_subjects_run_the_pipelines_suite_alone() -> None:
    assert set(subjects("Pipelines")) >= CI_ONLY and set(subjects("PipelineControl")) >= CI_ONLY
    assert not CI_ONLY & set(subjects("IssueTracker"))
    assert not CI_ONLY & set(subjects("CodeHost"))


def test_the_other_suites_keep_their_subjects() -> None:
    assert {"gitlab", "bitbucket", "synthetic"} <= set(subjects("Pipelines"))
    assert {"github", "gitlab", "jira", "linear", "bitbucket", "trello", "asana"} <= set(
        subjects("IssueTracker")
    )
    assert {"github", "gitlab", "bitbucket"} <= set(subjects("CodeHost"))
