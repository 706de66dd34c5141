"""The names of the ``tieline/*`` methods, apart from their models.

Handlers are registered under these names before ``initialize`` is answered, when the
pydantic models of :mod:`.tieline_protocol` (which re-exports every name here, and remains
the one definition of the protocol) are not loaded yet.
"""

from __future__ import annotations

PANELS = "tieline/panels"
PANEL_ITEMS = "tieline/panel/items"
PANEL_CHANGED = "tieline/panel/changed"
STATUS = "tieline/status"
STATUS_CHANGED = "tieline/status/changed"
AUTH_SIGN_IN = "tieline/auth/signIn"
AUTH_SIGN_OUT = "tieline/auth/signOut"
AUTH_STATUS = "tieline/auth/status"
CONNECTORS = "tieline/connectors"
CI_ACT = "tieline/ci/act"
CI_TRIGGERS = "tieline/ci/triggers"
CI_TRIGGER = "tieline/ci/trigger"
LOG = "tieline/log"
LOG_CHANGED = "tieline/log/changed"
