"""The CI models every provider maps into: what a pipeline's summary and failures say."""

from __future__ import annotations

from connectors.sdk.ci import Job, Pipeline, RunStatus
from connectors.sdk.models import CheckConclusion, ItemKind, ItemRef


def _ref(key: str, kind: ItemKind) -> ItemRef:
    return ItemRef(connector="ci", host="ci.example", scope="octo/app", key=key, kind=kind)


def _job(name: str, conclusion: CheckConclusion, *, allow_failure: bool = False) -> Job:
    return Job(
        ref=_ref(name, ItemKind.JOB),
        name=name,
        status=RunStatus.COMPLETED,
        conclusion=conclusion,
        stage="test",
        allow_failure=allow_failure,
    )


def test_a_failure_allowed_to_fail_neither_fails_the_summary_nor_is_listed() -> None:
    p = Pipeline(
        ref=_ref("1", ItemKind.PIPELINE),
        name="ci",
        status=RunStatus.COMPLETED,
        conclusion=CheckConclusion.SUCCESS,
        branch="main",
        jobs=(
            _job("lint", CheckConclusion.SUCCESS),
            _job("flaky", CheckConclusion.FAILURE, allow_failure=True),
        ),
    )
    s = p.summary()
    assert (s.total, s.passed, s.failed, s.overall) == (2, 2, 0, CheckConclusion.SUCCESS)
    assert p.failed_jobs() == () and not p.failed


def test_a_pipeline_without_jobs_counts_as_one_run_and_failed_jobs_are_named() -> None:
    running = Pipeline(ref=_ref("2", ItemKind.PIPELINE), name="build", status=RunStatus.RUNNING)
    assert running.summary().overall is CheckConclusion.PENDING and not running.finished
    failed = running.model_copy(
        update={
            "status": RunStatus.COMPLETED,
            "conclusion": CheckConclusion.FAILURE,
            "jobs": (_job("unit", CheckConclusion.FAILURE), _job("e2e", CheckConclusion.SUCCESS)),
        }
    )
    assert failed.failed and [j.name for j in failed.failed_jobs()] == ["unit"]
    assert failed.summary().failed == 1
