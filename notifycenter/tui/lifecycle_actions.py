"""Acknowledge, unack, resolve, reopen, read/unread and archive: the selection's lifecycle.

A mixin of the app: keys and `:` commands land here; `--readonly` removes them all.
"""

from __future__ import annotations

from typing import Any

from textual import work

from notifycenter.catalogue.tui import LIFECYCLE_FAILED, READONLY
from notifycenter.model.lifecycle import Verb
from notifycenter.tui.widgets.prompt import PromptBar

LIFECYCLE_ACTIONS = {"ack", "ack_comment", "unack", "resolve", "reopen", "toggle_read", "archive"}
ROW_ACTIONS = {"raw", "open_operation", "same_correlation"}


class LifecycleActions:
    """Needs the app's `store`, `client`, `readonly`, `_ui`, `_highlighted`, `_targets`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only removes lifecycle keys; with nothing selected they are greyed out."""
        if action in LIFECYCLE_ACTIONS:
            if self.readonly:
                return False
            if not self.is_mounted or self._highlighted() is None:
                return None
        if action in ROW_ACTIONS and self.is_mounted and self._highlighted() is None:
            return None
        return True

    def action_ack(self) -> None:
        self.change(Verb.ACK)

    def action_ack_comment(self) -> None:
        self._ui.query_one(PromptBar).open("comment")

    def action_unack(self) -> None:
        self.change(Verb.UNACK)

    def action_resolve(self) -> None:
        self.change(Verb.RESOLVE)

    def action_reopen(self) -> None:
        self.change(Verb.REOPEN)

    def action_archive(self) -> None:
        self.change(Verb.ARCHIVE)

    def action_toggle_read(self) -> None:
        row = self._highlighted()
        unread = row is not None and status_of(self.store.row(row)) == "unread"
        self.change(Verb.READ if unread else Verb.UNREAD)

    def change(self, verb: Verb, comment: str | None = None, until: str | None = None) -> None:
        if self.readonly:
            self.show_error(READONLY.error(f"{verb.value} is a lifecycle action"))
            return
        # A row folds repeats of one notification: the action covers each occurrence.
        refs = [cursor for row in self._targets() for cursor in self.store.cursors(row)]
        if refs:
            self._send_lifecycle(verb, refs, comment, until)

    @work(group="lifecycle", exit_on_error=False)
    async def _send_lifecycle(
        self, verb: Verb, refs: list[str], comment: str | None, until: str | None
    ) -> None:
        if self.client is None:
            raise LIFECYCLE_FAILED.error("not connected to a hub yet")
        answer = await self.client.lifecycle(verb.value, refs=refs, comment=comment, until=until)
        self.notify(
            done_text(verb, int(answer.get("changed", 0)), len(refs)), timeout=2, markup=False
        )
        if self._alive():
            self._event_list().clear_marks()


def done_text(verb: Verb, changed: int, refs: int) -> str:
    """'acknowledged 33 occurrences': a folded row stands for every occurrence it counts."""
    text = f"{verb.past_tense} {changed:,} occurrence{'' if changed == 1 else 's'}"
    return text if changed == refs else f"{text} ({refs - changed:,} already so)"


def status_of(row: Any) -> str | None:
    status = getattr(row, "status", None)
    return getattr(status, "value", status)
