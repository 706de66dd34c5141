"""The ``Pipelines`` and ``PipelineControl`` contract, for every connector that declares them
(the subjects and their CI story are in ``conftest.py``): pipelines of a branch newest first,
named by refs a later call can use alone, jobs with what they allow now, logs read by offset
(a running job's log followed to its end), re-runs and hand-started pipelines."""

from __future__ import annotations

from connectors.sdk.capabilities import PipelineControl, Pipelines
from connectors.sdk.ci import Pipeline, RunStatus
from connectors.sdk.models import ItemKind, ItemRef
from tests.capabilities.conftest import CIStory, Subject


def _story(s: Subject) -> CIStory:
    assert s.ci is not None
    return s.ci


async def _branch(s: Subject) -> tuple[str, list[Pipeline]]:
    c: Pipelines = s.connector.capability(Pipelines)
    scope = s.connector.ci_scope(_story(s).repo)
    assert scope is not None
    return scope, list(await c.list_pipelines(scope, branch=_story(s).branch, limit=10))


def _named(listed: list[Pipeline], name: str, *, running: bool = False) -> Pipeline:
    """The story's pipeline called ``name`` (the running one, or the finished one: where
    every run of a job carries the job's name, as Jenkins builds do, the name alone is
    not enough)."""
    return next(p for p in listed if p.name == name and p.finished is not running)


def _fresh(ref: ItemRef) -> ItemRef:
    """The ref as a shell hands it back: connector, host, scope, key and kind only."""
    return ItemRef(
        connector=ref.connector, host=ref.host, scope=ref.scope, key=ref.key, kind=ref.kind
    )


async def test_a_branch_lists_its_pipelines_newest_first(pipelines: Subject) -> None:
    story = _story(pipelines)
    scope, listed = await _branch(pipelines)
    names = [p.name for p in listed]
    assert story.failed_pipeline in names and story.running_pipeline in names
    assert all(p.ref.kind is ItemKind.PIPELINE and p.ref.scope == scope for p in listed)
    assert all(p.branch in (None, story.branch) for p in listed)
    created = [p.created_at for p in listed if p.created_at is not None]
    assert created == sorted(created, reverse=True)
    c: Pipelines = pipelines.connector.capability(Pipelines)
    assert len(await c.list_pipelines(scope, branch=story.branch, limit=1)) == 1


async def test_a_pipeline_read_from_its_ref_alone_has_its_jobs(pipelines: Subject) -> None:
    story = _story(pipelines)
    _, listed = await _branch(pipelines)
    failed = _named(listed, story.failed_pipeline)
    c: Pipelines = pipelines.connector.capability(Pipelines)
    full = await c.get_pipeline(_fresh(failed.ref))
    assert full.ref == failed.ref and full.finished and full.failed
    assert story.failed_job in [j.name for j in full.failed_jobs()]
    assert all(j.ref.kind is ItemKind.JOB for j in full.jobs)
    assert "rerun" in full.actions and "cancel" not in full.actions
    running = await c.get_pipeline(_fresh(_named(listed, story.running_pipeline, running=True).ref))
    assert not running.finished and "cancel" in running.actions


async def test_a_log_is_read_by_offset_and_a_running_one_followed(pipelines: Subject) -> None:
    story = _story(pipelines)
    _, listed = await _branch(pipelines)
    c: Pipelines = pipelines.connector.capability(Pipelines)
    failed = await c.get_pipeline(_named(listed, story.failed_pipeline).ref)
    job = next(j for j in failed.jobs if j.name == story.failed_job)
    log = await c.job_log(_fresh(job.ref))
    assert story.log_line in log.text and log.complete and log.offset == 0
    rest = await c.job_log(job.ref, offset=log.next_offset)
    assert rest.text == "" and rest.complete

    running = await c.get_pipeline(_named(listed, story.running_pipeline, running=True).ref)
    live = running.jobs[0]
    first = await c.job_log(live.ref)
    assert not first.complete and first.next_offset >= len(first.text.encode()) > 0
    story.finish_running()
    more = await c.job_log(live.ref, offset=first.next_offset)
    assert story.more_log in more.text and story.more_log not in first.text and more.complete


async def test_control_reruns_a_pipeline_and_starts_one_by_hand(pipelines: Subject) -> None:
    if not pipelines.connector.provides(PipelineControl):
        return
    story = _story(pipelines)
    scope, listed = await _branch(pipelines)
    control: PipelineControl = pipelines.connector.capability(PipelineControl)
    failed = _named(listed, story.failed_pipeline)
    after = await control.act(failed.ref, "rerun")
    if after is not None:
        assert after.status is not RunStatus.COMPLETED and "cancel" in after.actions

    triggers = list(await control.triggers(scope))
    wanted = next(t for t in triggers if t.name == story.trigger)
    spec = next(i for i in wanted.inputs if i.name == story.trigger_input)
    assert spec.required is story.input_required
    started = await control.trigger(scope, wanted.id, story.branch, {spec.name: "1.2.3"})
    if started is not None:
        assert started.branch in (None, story.branch) and not started.finished


async def _stored_bodies(s: Subject) -> bytes:
    """Every body the subject's HTTP cache holds (its store is the hub's own SQLite)."""
    storage = s.http.stack.storage
    assert storage is not None and storage.connection is not None
    cursor = await storage.connection.cursor()
    await cursor.execute("SELECT chunk_data FROM streams")
    return b"".join(bytes(row[0]) for row in await cursor.fetchall())


async def test_a_log_never_enters_the_http_cache(pipelines: Subject) -> None:
    """Logs are read round the cache (``NO_STORE``): several MB rewritten into the cache file
    on every read of a growing log, and a stored copy answering for it, are what it avoids.
    The pipeline's own answers are cached as usual, which shows the cache was in use."""
    story = _story(pipelines)
    _, listed = await _branch(pipelines)
    c: Pipelines = pipelines.connector.capability(Pipelines)
    failed = await c.get_pipeline(_named(listed, story.failed_pipeline).ref)
    job = next(j for j in failed.jobs if j.name == story.failed_job)
    for _ in range(2):
        assert story.log_line in (await c.job_log(_fresh(job.ref))).text
    stored = await _stored_bodies(pipelines)
    assert story.log_line.encode() not in stored
