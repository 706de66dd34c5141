"""Domain events reach the editor: a message where a person would want one, panel refreshes,
lens refreshes, and one sign-in prompt when credentials stop working."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from server.hub.events import Event, EventKind, pushed

from ..server import TielineServer, client_supports_code_lens_refresh

log = logging.getLogger("tieline.lsp")

MESSAGES: dict[str, tuple[str, str, types.MessageType]] = {
    # kind -> (notifications.<switch>, text, level)
    EventKind.PULL_REQUEST_REVIEW_REQUESTED: (
        "review_requested",
        "Review requested: {subject} {title}",
        types.MessageType.Info,
    ),
    EventKind.CHECK_SUITE_FAILED: (
        "check_failed",
        "Checks failed: {subject} {title}",
        types.MessageType.Warning,
    ),
    EventKind.ISSUE_ASSIGNED: (
        "issue_assigned",
        "Assigned to you: {subject} {title}",
        types.MessageType.Info,
    ),
    EventKind.PULL_REQUEST_MERGED: (
        "pull_request_merged",
        "Merged: {subject} {title}",
        types.MessageType.Info,
    ),
    EventKind.ISSUE_CLOSED: ("issue_closed", "Closed: {subject} {title}", types.MessageType.Info),
}


def panels_changed(ls: TielineServer) -> None:
    from .. import tieline_protocol as proto
    from ..tieline_methods import PANEL_CHANGED
    from .panels import PANELS

    for panel in (p[0] for p in PANELS if p[0] != "snippets"):  # not a service's data
        ls.protocol.notify(PANEL_CHANGED, proto.PanelChangedParams(panel_id=panel).wire())


def refresh_lenses(ls: TielineServer) -> None:
    if client_supports_code_lens_refresh(ls):
        ls.workspace_code_lens_refresh(None)


def subscribe(ls: TielineServer, hub: object) -> None:
    from server.hub.hub import Hub

    assert isinstance(hub, Hub)
    prompted: set[str] = set()

    def on_event(event: Event) -> None:
        spec = MESSAGES.get(event.kind)
        if spec is None or pushed(event):  # anyone's; the sync it asks for tells of mine
            return
        switch, text, level = spec
        if not getattr(hub.config.notifications, switch, False):
            return
        title = str(event.payload.get("title") or "")
        ls.window_show_message(
            types.ShowMessageParams(
                type=level, message=text.format(subject=event.subject, title=title).strip()
            )
        )

    def on_sync(event: Event) -> None:
        panels_changed(ls)
        refresh_lenses(ls)

    async def ask_to_sign_in(event: Event) -> None:
        host = str(event.payload.get("host") or event.subject)
        service = str(event.payload.get("service") or event.connector)
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=f"Tieline: {service} ({host}) no longer accepts your credentials.",
                actions=[types.MessageActionItem(title="Sign in again")],
            )
        )
        if choice is not None:
            from .auth import sign_in_interactive

            try:
                await sign_in_interactive(ls, event.connector, host)
            except Exception as exc:  # shown, never raised into the event loop
                message = getattr(exc, "message", type(exc).__name__)
                ls.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Error, message=f"Sign-in failed: {message}"
                    )
                )

    def on_auth(event: Event) -> None:
        """Prompt once per account, in the background: the sync that found the bad
        credentials must not wait for the person to answer."""
        if event.account in prompted:
            return  # once per account: a prompt, not a loop
        prompted.add(event.account)
        panels_changed(ls)
        how = event.payload.get("how")
        if isinstance(how, str):  # no sign-in flow here (the team hub's token): say what to do
            service = str(event.payload.get("service") or event.connector)
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=f"Tieline: {service} ({event.subject}) refused its token. {how}",
                )
            )
            return
        task = asyncio.ensure_future(ask_to_sign_in(event))
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

    from .ci import subscribe as ci_messages

    ci_messages(ls, hub)  # a pipeline of my branch finished: with its log and page
    from .ci_diagnostics import subscribe as ci_diagnostics

    ci_diagnostics(ls, hub)  # and the errors its failed jobs' logs point at, as diagnostics
    from .calendar import subscribe as calendar_reminders

    calendar_reminders(ls, hub)  # a meeting starts soon: with its join link
    from .focus import subscribe as focus

    focus(ls, hub)  # focus blocks of the calendar, the period's end, restores after a restart
    from .docsync import subscribe as docsync

    docsync(ls, hub)  # linked folders' rounds, and their conflicts with the ways out

    from .chat import subscribe as chat

    chat(ls, hub)  # mentions as notifications, and chat.notify's events to channels

    from .mail import subscribe as mail_polls

    mail_polls(ls, hub)  # the Inbox's shown views, polled while the panel is open
    from .consent import subscribe as consent_offers

    consent_offers(ls, hub)  # a feature's first use of a permission not yet given
    from .tasks import subscribe as tasks

    tasks(ls, hub)  # workspace task runs: progress, panel, their errors as diagnostics
    from .semantic import subscribe as semantic

    semantic(ls, hub)  # once indexed by meaning, what a sync changed is embedded after it
    hub.bus.subscribe("*", on_event)
    hub.bus.subscribe(EventKind.SYNC_COMPLETED, on_sync)
    hub.bus.subscribe(EventKind.AUTH_REQUIRED, on_auth)
    from .panels import status_changed

    # The team hub link came up, fell back to polling, or wants a token: the shells ask again.
    hub.teamlink.status_changed = lambda _st: status_changed(ls, "team_hub")
