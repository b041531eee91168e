"""`:silence 2h [comment]`: a hub silence on the highlighted event's source and type.

The silence lives on the hub, so every notification center and subscription goes quiet
for what it matches, not just this one. `--readonly` refuses it like a lifecycle action.
"""

from __future__ import annotations

from functools import partial

from notifycenter.catalogue import silences as codes
from notifycenter.catalogue.tui import LIFECYCLE_FAILED, READONLY
from notifycenter.model.lifecycle import parse_duration
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.silences import source_type_filter
from notifycenter.tui.lifecycle_actions import LifecycleHost

USAGE = "silence the highlighted event's source and type: :silence 2h [comment]"


def split_silence_argument(argument: str) -> tuple[str, str | None]:
    """`2h istio upgrade` -> ("2h", "istio upgrade"); refuses a missing duration."""
    duration, _, comment = argument.strip().partition(" ")
    if not duration or parse_duration(duration) is None:
        raise codes.INVALID_SILENCE_COMMAND.error(
            f":silence {argument.strip()[:40]!r}: start with a duration such as 2h"
        )
    return duration, comment.strip() or None


def silence_highlighted(host: LifecycleHost, argument: str) -> None:
    """Create the silence in a worker; the status line says what was silenced until when."""
    if host.readonly:
        host.show_error(READONLY.error(":silence changes what everyone is notified of"))
        return
    duration, comment = split_silence_argument(argument)
    row = host.center.events.highlighted_row_id if host.center.alive else None
    if row is None:
        raise codes.SILENCE_NO_TARGET.error(":silence needs a highlighted event")
    event = host.session.store.event(row)
    source, kind = event.get("source"), event.get("type")
    if not isinstance(source, str) or not isinstance(kind, str):
        raise codes.SILENCE_NO_TARGET.error("the highlighted event has no source or type")
    work = partial(_create, host, source_type_filter(source, kind), duration, comment, source)
    host.start_worker(work, "silence", exclusive=False)


async def _create(
    host: LifecycleHost, expression: str, duration: str, comment: str | None, source: str
) -> None:
    client = host.session.client
    if client is None:
        raise LIFECYCLE_FAILED.error("not connected to a hub yet")
    made = await client.add_silence(expression, duration=duration, comment=comment)
    host.tell(
        f"silenced {sanitize_line(source, 80)} (this type) until {made['ends'][11:16]} UTC"
        f" for everyone: silence {made['id'][:8]}"
    )
