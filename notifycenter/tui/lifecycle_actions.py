"""Acknowledge, unack, resolve, reopen, read/unread and archive: which keys apply now, and
what the hub is told. `--readonly` removes them all."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Protocol

from notifycenter.catalogue.tui import LIFECYCLE_FAILED, READONLY
from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import Verb
from notifycenter.store import RowView
from notifycenter.tui.screen import CenterScreen
from notifycenter.tui.session import Session
from notifycenter.tui.work import Work

if TYPE_CHECKING:
    from notifycenter.client import HubClient

LIFECYCLE_ACTIONS = {
    "ack",
    "ack_comment",
    "unack",
    "resolve",
    "reopen",
    "toggle_read",
    "archive",
    "take",
}
ROW_ACTIONS = {"raw", "open_operation", "same_correlation", "mark_range", "select_all"}
REFS_PER_REQUEST = 100_000  # the hub's limit on one lifecycle request's targets
# `:` command -> verb
VERBS = {
    "ack": Verb.ACK,
    "unack": Verb.UNACK,
    "resolve": Verb.RESOLVE,
    "reopen": Verb.REOPEN,
    "read": Verb.READ,
    "unread": Verb.UNREAD,
    "archive": Verb.ARCHIVE,
    "take": Verb.TAKE,
    "release": Verb.RELEASE,
}


class LifecycleHost(Protocol):
    """What sending a lifecycle change needs from the app."""

    @property
    def readonly(self) -> bool: ...

    @property
    def session(self) -> Session: ...

    @property
    def center(self) -> CenterScreen: ...

    def start_worker(self, work: Work, group: str, exclusive: bool = True) -> object: ...

    def show_error(self, error: NotifyError) -> None: ...

    def tell(self, text: str) -> None: ...


class LifecycleSender:
    """Applies a verb to the marked rows (or the highlighted one), every occurrence each
    folds, and says how many changed."""

    def __init__(self, host: LifecycleHost) -> None:
        self.host = host

    def change(
        self,
        verb: Verb,
        comment: str | None = None,
        until: str | None = None,
        rows: list[int] | None = None,
        to: str | None = None,
    ) -> None:
        """`rows` default to the marked rows, or else the highlighted one; `to` is the
        owner an assign names."""
        host = self.host
        if host.readonly:
            host.show_error(READONLY.error(f"{verb.value} is a lifecycle action"))
            return
        if host.session.refused is not None:
            host.show_error(host.session.refused)  # the bad token is not tried again
            return
        if rows is None:
            rows = self.targets()
        store = host.session.store
        # A verb covers the occurrences it would change: a teammate's ack or resolve of
        # one occurrence stays theirs ("resolved 2 occurrences (1 already so)").
        refs = [c for row in rows for c in store.cursors(row, verb=verb)]
        already = sum(store.occurrences(row) for row in rows) - len(refs)
        if refs:
            work = partial(self._send, verb, refs, comment, until, already, to)
            host.start_worker(work, "lifecycle", exclusive=False)

    def targets(self) -> list[int]:
        center = self.host.center
        return center.events.targets() if center.alive else []

    async def _send(
        self,
        verb: Verb,
        refs: list[str],
        comment: str | None,
        until: str | None,
        already: int,
        to: str | None = None,
    ) -> None:
        client = self.host.session.client
        self.host.tell(await send_lifecycle(client, verb, refs, comment, until, already, to))
        if self.host.center.alive:
            self.host.center.events.clear_marks()


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
    already: int = 0,
    to: str | None = None,
) -> str:
    """Tell the hub; returns what to show the operator. `already` counts occurrences
    left out because they were so already."""
    if client is None:
        raise LIFECYCLE_FAILED.error("not connected to a hub yet")
    changed = 0
    for start in range(0, len(refs), REFS_PER_REQUEST):  # one request up to the hub's limit
        chunk = refs[start : start + REFS_PER_REQUEST]
        answer = await client.lifecycle(verb.value, refs=chunk, comment=comment, until=until, to=to)
        changed += int(answer.get("changed", 0))
    return done_text(verb, changed, len(refs) + already)


def done_text(verb: Verb, changed: int, refs: int) -> str:
    """'acknowledged 33 occurrences': a folded row stands for every occurrence it counts."""
    text = f"{verb.past_tense} {changed:,} occurrence{'' if changed == 1 else 's'}"
    return text if changed == refs else f"{text} ({refs - changed:,} already so)"


def status_of(row: RowView) -> str | None:
    return None if row.status is None else str(row.status.value)
