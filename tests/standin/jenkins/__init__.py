"""A local Jenkins stand-in (see :mod:`.standin` for what it models and where each shape
comes from): its state in :mod:`.state`, Jenkins' ``tree=`` filter in :mod:`.tree`."""

from __future__ import annotations

from .standin import DOCUMENTED, STAGE_VIEW, JenkinsStandIn, recorded
from .state import JenkinsState, Stage, branch_job_name
from .tree import apply_tree, parse_tree

__all__ = [
    "DOCUMENTED",
    "STAGE_VIEW",
    "JenkinsStandIn",
    "JenkinsState",
    "Stage",
    "apply_tree",
    "branch_job_name",
    "parse_tree",
    "recorded",
]
