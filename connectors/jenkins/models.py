"""Jenkins' wire types: the parts of its JSON API answers the connector reads.

Jenkins serialises its Java objects (Stapler's ``@Exported`` properties) and names each one's
class in ``_class``; what a job or a build carries depends on its class and on the plugins
installed, so every field is optional and unknown ones are ignored. The client asks for
exactly these fields with ``tree=`` (:data:`JOB_TREE`, :data:`BUILD_TREE`), which keeps the
answers small on controllers with thousands of builds.

Sources: the remote access API page (https://www.jenkins.io/doc/book/using/remote-access-api/,
``tree``, ``{M,N}`` ranges, ``_class``), each instance's ``/api`` pages, and recorded answers in
python-jenkins' and jenkinsapi's test suites (queue items, builds with git ``BuildData``,
crumbs). Stages are the Pipeline Stage View plugin's ``wfapi/describe`` (its own OpenAPI file).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
#: Other containers of jobs: a Folders-plugin folder, an organisation folder.
FOLDERS = (
    "com.cloudbees.hudson.plugins.folder.Folder",
    "jenkins.branch.OrganizationFolder",
)
PIPELINE_RUN = "org.jenkinsci.plugins.workflow.job.WorkflowRun"
PARAMETERS_PROPERTY = "hudson.model.ParametersDefinitionProperty"
PARAMETERS_ACTION = "hudson.model.ParametersAction"

#: A build's fields, for lists and for one build alike.
BUILD_FIELDS = (
    "_class,number,url,result,building,inProgress,timestamp,duration,estimatedDuration,"
    "displayName,fullDisplayName,queueId,"
    "actions[_class,causes[_class,shortDescription],"
    "lastBuiltRevision[SHA1,branch[SHA1,name]],parameters[_class,name,value]]"
)
#: The parameters a job takes.
PROPERTY_FIELDS = (
    "property[_class,parameterDefinitions[_class,name,type,description,choices,"
    "defaultParameterValue[name,value]]]"
)
#: A job's fields: what it is, and the parameters it takes.
JOB_FIELDS = (
    f"_class,name,fullName,displayName,fullDisplayName,url,buildable,inQueue,{PROPERTY_FIELDS}"
)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class JCause(_Wire):
    cls: str = Field(default="", alias="_class")
    short_description: str = Field(default="", alias="shortDescription")


class JBranch(_Wire):
    sha1: str | None = Field(default=None, alias="SHA1")
    name: str | None = None


class JRevision(_Wire):
    sha1: str | None = Field(default=None, alias="SHA1")
    branch: list[JBranch] = Field(default_factory=list)


class JParameterValue(_Wire):
    cls: str = Field(default="", alias="_class")
    name: str
    #: Absent for passwords and files: Jenkins never sends their values back.
    value: Any = None


class JAction(_Wire):
    """One of a build's actions. Jenkins lists an empty ``{}`` for every action whose class
    the tree did not select fields of; only a few carry anything the connector reads."""

    cls: str = Field(default="", alias="_class")
    causes: list[JCause] = Field(default_factory=list)
    #: The git plugin's ``BuildData``: the commit and the branches it was built as.
    last_built_revision: JRevision | None = Field(default=None, alias="lastBuiltRevision")
    parameters: list[JParameterValue] = Field(default_factory=list)


class JBuild(_Wire):
    cls: str = Field(default="", alias="_class")
    number: int
    url: str | None = None
    #: ``SUCCESS``, ``UNSTABLE``, ``FAILURE``, ``NOT_BUILT``, ``ABORTED``; null while running.
    result: str | None = None
    building: bool = False
    in_progress: bool | None = Field(default=None, alias="inProgress")
    timestamp: int | None = None  # start, epoch milliseconds
    duration: int = 0  # milliseconds; 0 while running
    estimated_duration: int | None = Field(default=None, alias="estimatedDuration")
    display_name: str | None = Field(default=None, alias="displayName")
    full_display_name: str | None = Field(default=None, alias="fullDisplayName")
    queue_id: int | None = Field(default=None, alias="queueId")
    actions: list[JAction | None] = Field(default_factory=list)

    @property
    def causes(self) -> list[JCause]:
        return [c for a in self.actions if a is not None for c in a.causes]

    @property
    def revision(self) -> JRevision | None:
        for a in self.actions:
            if a is not None and a.last_built_revision is not None:
                return a.last_built_revision
        return None

    @property
    def parameters(self) -> list[JParameterValue]:
        return [
            p
            for a in self.actions
            if a is not None and (a.cls == PARAMETERS_ACTION or a.parameters)
            for p in a.parameters
        ]


class JParameterDefinition(_Wire):
    cls: str = Field(default="", alias="_class")
    name: str
    #: The definition's class's simple name: ``StringParameterDefinition``, ...
    type: str = ""
    description: str | None = None
    choices: list[str] | None = None
    default_value: JParameterValue | None = Field(default=None, alias="defaultParameterValue")


class JProperty(_Wire):
    cls: str = Field(default="", alias="_class")
    parameter_definitions: list[JParameterDefinition] = Field(
        default_factory=list, alias="parameterDefinitions"
    )


class JJobRef(_Wire):
    """A job as a container lists it (``jobs[...]``), with its newest build and its
    parameters when asked."""

    cls: str = Field(default="", alias="_class")
    name: str
    url: str | None = None
    last_build: JBuild | None = Field(default=None, alias="lastBuild")
    properties: list[JProperty | None] = Field(default_factory=list, alias="property")

    @property
    def parameter_definitions(self) -> list[JParameterDefinition]:
        return [d for p in self.properties if p is not None for d in p.parameter_definitions]


class JJob(_Wire):
    cls: str = Field(default="", alias="_class")
    name: str | None = None
    full_name: str | None = Field(default=None, alias="fullName")
    display_name: str | None = Field(default=None, alias="displayName")
    full_display_name: str | None = Field(default=None, alias="fullDisplayName")
    url: str | None = None
    buildable: bool | None = None
    in_queue: bool | None = Field(default=None, alias="inQueue")
    builds: list[JBuild] = Field(default_factory=list)
    jobs: list[JJobRef] = Field(default_factory=list)
    properties: list[JProperty | None] = Field(default_factory=list, alias="property")

    @property
    def multibranch(self) -> bool:
        return self.cls == MULTIBRANCH

    @property
    def parameter_definitions(self) -> list[JParameterDefinition]:
        return [d for p in self.properties if p is not None for d in p.parameter_definitions]


class JExecutable(_Wire):
    cls: str = Field(default="", alias="_class")
    number: int
    url: str | None = None


class JQueueTask(_Wire):
    name: str | None = None
    url: str | None = None


class JQueueItem(_Wire):
    """``/queue/item/N/api/json``: ``Queue$WaitingItem``/``BlockedItem``/``BuildableItem``
    while waiting, ``Queue$LeftItem`` once it left the queue (with ``executable``, the
    build, unless it was ``cancelled``). Jenkins forgets left items after about 5 minutes."""

    cls: str = Field(default="", alias="_class")
    id: int
    why: str | None = None
    blocked: bool = False
    buildable: bool = False
    cancelled: bool = False
    in_queue_since: int | None = Field(default=None, alias="inQueueSince")
    executable: JExecutable | None = None
    task: JQueueTask | None = None


class JStage(_Wire):
    """A stage in ``wfapi/describe``. ``status``: ``NOT_EXECUTED``, ``ABORTED``, ``SUCCESS``,
    ``IN_PROGRESS``, ``PAUSED_PENDING_INPUT``, ``FAILED``, ``SKIPPED``, ``UNSTABLE``."""

    id: str
    name: str
    status: str = "NOT_EXECUTED"
    start_time_millis: int | None = Field(default=None, alias="startTimeMillis")
    duration_millis: int | None = Field(default=None, alias="durationMillis")


class JRunDescription(_Wire):
    id: str | None = None
    name: str | None = None
    status: str | None = None
    stages: list[JStage] = Field(default_factory=list)


class JCrumb(_Wire):
    crumb: str
    crumb_request_field: str = Field(alias="crumbRequestField")


class JUser(_Wire):
    """``/me/api/json``: the signed-in user."""

    id: str | None = None
    full_name: str | None = Field(default=None, alias="fullName")
    absolute_url: str | None = Field(default=None, alias="absoluteUrl")
