""" "Your ack on … expired": the notice an operator gets when the hub lets their timed ack
lapse (an `unack` by `notifycenter`, comment "ack expired"), so it does not go unseen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from notifycenter.model.lifecycle import ACK_EXPIRED, HUB_ACTOR, Verb
from notifycenter.store import EventStore
from notifycenter.store.received import lifecycle_change
from notifycenter.tui.policy import Toast

TITLE = "Ack expired"
SUMMARY_SHOWN = 60


def expired_ack_notices(store: EventStore, events: Iterable[Mapping[str, Any]]) -> list[Toast]:
    """One notice for the expiries among `events` of acks the store's user held or of
    notifications they own. Call it before the store applies `events`: it reads who held
    each ack from the state the unack is about to clear."""
    user = store.user or "anonymous"
    mine: list[str] = []
    for event in events:
        change = lifecycle_change(event)
        if (
            change is None
            or change.verb is not Verb.UNACK
            or change.actor != HUB_ACTOR
            or change.comment != ACK_EXPIRED
        ):
            continue
        row = store.find_event(change.target_source, change.target_id)
        state = None if row is None else store.state(row)
        if row is not None and state is not None and user in (state.acked_by, state.owner):
            mine.append(store.row(row).summary[:SUMMARY_SHOWN])
    if not mine:
        return []
    if len(mine) == 1:
        return [
            Toast(TITLE, f'your ack on "{mine[0]}" expired: it needs attention again', "warning")
        ]
    return [Toast(TITLE, f"your acks on {len(mine)} notifications expired", "warning")]
