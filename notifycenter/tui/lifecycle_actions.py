"""Acknowledge, unack, resolve, reopen, read/unread and archive: which keys apply now, and
what the hub is told. `--readonly` removes them all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifycenter.catalogue.tui import LIFECYCLE_FAILED
from notifycenter.model.lifecycle import Verb
from notifycenter.store import RowView

if TYPE_CHECKING:
    from notifycenter.client import HubClient

LIFECYCLE_ACTIONS = {"ack", "ack_comment", "unack", "resolve", "reopen", "toggle_read", "archive"}
ROW_ACTIONS = {"raw", "open_operation", "same_correlation"}
# `:` command -> verb
VERBS = {
    "ack": Verb.ACK,
    "unack": Verb.UNACK,
    "resolve": Verb.RESOLVE,
    "reopen": Verb.REOPEN,
    "read": Verb.READ,
    "unread": Verb.UNREAD,
    "archive": Verb.ARCHIVE,
}


def action_state(action: str, *, readonly: bool, has_row: bool) -> bool | None:
    """For `check_action`: read-only removes lifecycle keys (False); with no row
    highlighted, row keys are greyed out (None)."""
    if action in LIFECYCLE_ACTIONS and readonly:
        return False
    if (action in LIFECYCLE_ACTIONS or action in ROW_ACTIONS) and not has_row:
        return None
    return True


async def send_lifecycle(
    client: HubClient | None,
    verb: Verb,
    refs: list[str],
    comment: str | None = None,
    until: str | None = None,
) -> str:
    """Tell the hub; returns what to show the operator."""
    if client is None:
        raise LIFECYCLE_FAILED.error("not connected to a hub yet")
    answer = await client.lifecycle(verb.value, refs=refs, comment=comment, until=until)
    return done_text(verb, int(answer.get("changed", 0)), len(refs))


def done_text(verb: Verb, changed: int, refs: int) -> str:
    """'acknowledged 33 occurrences': a folded row stands for every occurrence it counts."""
    text = f"{verb.past_tense} {changed:,} occurrence{'' if changed == 1 else 's'}"
    return text if changed == refs else f"{text} ({refs - changed:,} already so)"


def status_of(row: RowView) -> str | None:
    return None if row.status is None else str(row.status.value)
