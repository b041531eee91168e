"""What an operator can do about a REF the hub cannot resolve: the hub's advice speaks of
its API, the command line's names the commands and, for an ambiguous id, the candidates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from notifycenter.client.hub import HubClient
from notifycenter.client.sync import call_hub
from notifycenter.config import Target
from notifycenter.model import wire
from notifycenter.model.errors import NotifyError

T = TypeVar("T")
EVENT_NOT_FOUND, AMBIGUOUS_REF = "notifycenter-1107", "notifycenter-1108"
MAX_CANDIDATES = 20


def call_with_refs(
    target: Target, refs: Sequence[str], action: Callable[[HubClient], Awaitable[T]]
) -> T:
    """`call_hub`, with command-line advice added to an unknown or ambiguous REF."""
    try:
        return call_hub(target, action)
    except NotifyError as error:
        if error.code not in (EVENT_NOT_FOUND, AMBIGUOUS_REF):
            raise
        ref = str(error.extra.get("ref") or next(iter(refs), ""))
        if error.code == EVENT_NOT_FOUND:
            error.suggested_remediation = not_found_advice(ref)
        else:
            error.suggested_remediation = ambiguous_advice(
                ref, call_hub(target, lambda hub: candidates(hub, ref))
            )
        raise error from None


def not_found_advice(ref: str) -> list[str]:
    return [
        "Check the REF: a cursor (42 or 0000000000000042), source#id, or an event id",
        (
            "Find the event with `notifycenter events list --search TEXT` (archived ones: add --status archived)"
            " and copy its cursor or source#id"
        ),
        "Check that this is the hub the event was sent to: `notifycenter config view`",
    ]


def ambiguous_advice(ref: str, matches: list[str]) -> list[str]:
    advice = [f"Name one of them as source#id: {', '.join(matches)}"] if matches else []
    listing = (
        f'List them with `notifycenter events list --filter "id = {cesql_string(ref)}"`, '
        "or find the event with `notifycenter events list --search TEXT`, and copy its cursor"
    )
    return [*advice, listing]


async def candidates(hub: HubClient, event_id: str) -> list[str]:
    """The `source#id` refs of every event with this id, archived ones included."""
    found: list[str] = []
    for status in (None, "archived"):
        page = await hub.list(
            filter=f"id = {cesql_string(event_id)}", status=status, limit=MAX_CANDIDATES
        )
        found += [ref_of(record) for record in page.items]
    return sorted(set(found))


def ref_of(record: wire.Record) -> str:
    event = record.get("event", {})
    return f"{event.get('source', '')}#{event.get('id', '')}"


def cesql_string(text: str) -> str:
    """A CESQL string literal (quotes escaped with a backslash)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
