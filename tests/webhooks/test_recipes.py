"""The automation recipes in the README, as written there, against loopback stand-ins.

IFTTT publishes no contract for its Maker Webhooks service; the stand-in follows the shapes
its documentation gives (https://ifttt.com/maker_webhooks, "Documentation" page of a
connected account): ``POST /trigger/{event}/with/key/{key}`` with a JSON body of at most
``value1``..``value3`` (strings), answered ``200`` with the text ``Congratulations! You've
fired the {event} event``. The key is the account's credential, so it must stay out of the
database and the log.
"""

from __future__ import annotations

import json

from server.hub.events import Event
from server.hub.webhooks.models import MessageState

from .conftest import Kit
from .receiver import Action, always

#: The README's IFTTT template, character for character.
IFTTT_TEMPLATE = "{value1: data.subject, value2: type, value3: data.payload.title}"
IFTTT_KEY = "dK3xYw9QbLrT0mNa7ZpV2s"


async def test_the_ifttt_recipe_fires_a_maker_event_with_three_values(kit: Kit) -> None:
    fired = b"Congratulations! You've fired the tieline_ci event"
    maker = kit.receiver(always(Action(body=fired)))
    url = f"http://127.0.0.1:{maker.port}/trigger/tieline_ci/with/key/{IFTTT_KEY}"
    created = await kit.webhooks.add(url, event_types=["ci.failed"], template=IFTTT_TEMPLATE)
    await kit.bus.publish(
        Event("ci.failed", "github", "octo", "octo/app@main", {"title": "unit tests"})
    )
    await kit.settle()
    (got,) = maker.received
    assert got.target == f"/trigger/tieline_ci/with/key/{IFTTT_KEY}"
    assert got.headers["content-type"] == "application/json"
    assert json.loads(got.body) == {
        "value1": "octo/app@main",
        "value2": "ci.failed",
        "value3": "unit tests",
    }
    (entry,) = await kit.webhooks.log(created.endpoint.id)
    assert entry.message.state is MessageState.DELIVERED
    assert entry.attempts[0].response == fired.decode()
    shown = json.dumps(created.endpoint.to_json())
    assert IFTTT_KEY not in shown and IFTTT_KEY[-4:] in shown
    assert IFTTT_KEY.encode() not in await kit.database_bytes()
