"""The Jenkins stand-in's world: users and their API tokens, jobs (freestyle, Pipeline,
folders, multibranch projects and their branch jobs), builds with logs and stages, the queue,
and the switches a test flips (CSRF, the Stage View plugin, whether a queued build starts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERSION = "2.479.3"
MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
CLASSES = {
    "freestyle": ("hudson.model.FreeStyleProject", "hudson.model.FreeStyleBuild"),
    "pipeline": (
        "org.jenkinsci.plugins.workflow.job.WorkflowJob",
        "org.jenkinsci.plugins.workflow.job.WorkflowRun",
    ),
}
_PARAM_VALUE_CLASS = {
    "StringParameterDefinition": "hudson.model.StringParameterValue",
    "TextParameterDefinition": "hudson.model.TextParameterValue",
    "BooleanParameterDefinition": "hudson.model.BooleanParameterValue",
    "ChoiceParameterDefinition": "hudson.model.StringParameterValue",
    "PasswordParameterDefinition": "hudson.model.PasswordParameterValue",
}
_UNSAFE_IN_NAMES = '%/\\:?#|<>*"!@$^&[];'


def branch_job_name(branch: str) -> str:
    """branch-api's ``NameEncoder``: the job name of a branch."""
    if branch in (".", ".."):
        return "%2E" * len(branch)
    return "".join(f"%{ord(c):02X}" if c in _UNSAFE_IN_NAMES else c for c in branch)


@dataclass
class User:
    id: str
    full_name: str
    tokens: set[str] = field(default_factory=set)
    can_build: bool = True
    can_read: set[str] | None = None  # job full names (and their children); None: all


@dataclass
class Stage:
    id: str
    name: str
    status: str = "SUCCESS"
    start: int = 0
    duration: int = 0


@dataclass
class Build:
    number: int
    cls: str
    result: str | None = "SUCCESS"
    building: bool = False
    timestamp: int = 0
    duration: int = 0
    log: bytes = b""
    stages: list[Stage] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    cause: dict[str, Any] = field(
        default_factory=lambda: {
            "_class": "hudson.model.Cause$UserIdCause",
            "shortDescription": "Started by user Mia Krystof",
            "userId": "mia",
            "userName": "Mia Krystof",
        }
    )
    sha: str | None = None
    branch: str | None = None  # as git's BuildData names it: origin/main
    queue_id: int = 0


@dataclass
class Job:
    full_name: str
    kind: str  # freestyle | pipeline | folder | multibranch
    display_name: str = ""
    parameters: list[dict[str, Any]] = field(default_factory=list)
    builds: list[Build] = field(default_factory=list)  # newest first
    next_number: int = 1
    buildable: bool = True

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]


@dataclass
class QueueItem:
    id: int
    job: str
    parameters: dict[str, str]
    since: int
    cancelled: bool = False
    number: int | None = None  # the build, once it started


class JenkinsState:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.jobs: dict[str, Job] = {}
        self.queue: dict[int, QueueItem] = {}
        self.next_queue_id = 100
        self.clock_ms = 1_733_100_000_000
        self.auto_start = True  # a queued build starts at once (else: ``start``)
        self.csrf = True  # the crumb issuer is on
        self.token_exempt = True  # API-token requests need no crumb (Jenkins 2.96+)
        self.stage_view = True  # the Pipeline Stage View plugin is installed
        self.sessions: dict[str, str] = {}  # session id -> user
        self.crumbs_issued = 0

    def tick(self) -> int:
        self.clock_ms += 60_000
        return self.clock_ms

    # -- seeding ------------------------------------------------------------------------------
    def add_user(self, id: str, full_name: str, token: str) -> User:
        u = self.users.setdefault(id, User(id, full_name))
        u.tokens.add(token)
        return u

    def add_folder(self, full_name: str) -> Job:
        return self._add(Job(full_name, "folder"))

    def add_job(
        self,
        full_name: str,
        kind: str = "freestyle",
        *,
        parameters: list[dict[str, Any]] | None = None,
    ) -> Job:
        return self._add(Job(full_name, kind, parameters=list(parameters or [])))

    def add_multibranch(self, full_name: str, branches: list[str]) -> Job:
        project = self._add(Job(full_name, "multibranch"))
        for b in branches:
            self._add(Job(f"{full_name}/{branch_job_name(b)}", "pipeline", display_name=b))
        return project

    def branch_job(self, project: str, branch: str) -> Job:
        return self.jobs[f"{project}/{branch_job_name(branch)}"]

    def _add(self, job: Job) -> Job:
        parent = job.full_name.rpartition("/")[0]
        if parent and parent not in self.jobs:
            self.add_folder(parent)
        self.jobs[job.full_name] = job
        return job

    def add_build(
        self,
        job: str,
        *,
        result: str | None = "SUCCESS",
        log: str = "",
        stages: list[Stage] | None = None,
        parameters: dict[str, Any] | None = None,
        sha: str | None = None,
        branch: str | None = None,
        duration: int = 42_000,
    ) -> Build:
        j = self.jobs[job]
        building = result is None
        b = Build(
            number=j.next_number,
            cls=CLASSES[j.kind][1],
            result=result,
            building=building,
            timestamp=self.tick(),
            duration=0 if building else duration,
            log=log.encode(),
            stages=list(stages or []),
            parameters=self._values(j, parameters or {}),
            sha=sha,
            branch=branch,
        )
        j.next_number += 1
        j.builds.insert(0, b)
        return b

    def _values(self, job: Job, given: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for d in job.parameters:
            name = d["name"]
            value = given.get(name, d.get("defaultParameterValue", {}).get("value"))
            cls = _PARAM_VALUE_CLASS.get(d["type"], "hudson.model.StringParameterValue")
            if d["type"] == "BooleanParameterDefinition" and isinstance(value, str):
                value = value == "true"
            entry: dict[str, Any] = {"_class": cls, "name": name}
            if d["type"] != "PasswordParameterDefinition":
                entry["value"] = value
            out.append(entry)
        return out

    def build(self, job: str, number: int) -> Build:
        for b in self.jobs[job].builds:
            if b.number == number:
                return b
        raise KeyError(number)

    def append_log(self, job: str, number: int, text: str) -> None:
        self.build(job, number).log += text.encode()

    def finish(self, job: str, number: int, result: str = "SUCCESS") -> None:
        b = self.build(job, number)
        b.building, b.result = False, result
        for stage in b.stages:  # what was still running ends with the build
            if stage.status in ("IN_PROGRESS", "PAUSED_PENDING_INPUT"):
                stage.status = {"SUCCESS": "SUCCESS", "ABORTED": "ABORTED"}.get(result, "FAILED")
            elif stage.status == "NOT_EXECUTED" and result == "SUCCESS":
                stage.status = "SUCCESS"
        b.duration = self.tick() - b.timestamp
        b.log += f"Finished: {result}\n".encode()

    def enqueue(self, job: str, parameters: dict[str, str]) -> QueueItem:
        item = QueueItem(self.next_queue_id, job, parameters, self.tick())
        self.next_queue_id += 1
        self.queue[item.id] = item
        if self.auto_start:
            self.start(item.id)
        return item

    def start(self, item_id: int) -> Build:
        item = self.queue[item_id]
        b = self.add_build(item.job, result=None, parameters=item.parameters, log="Started\n")
        b.queue_id = item.id
        item.number = b.number
        return b
