"""The key footer, rebuilt only when the keys it shows change.

Textual's `Footer` removes and mounts every key widget each time any binding refresh is
asked for — on every highlight move when `check_action` depends on the row. That costs
tens of milliseconds of CPU per key and rewrites the footer line on the terminal, for a
footer that usually looks exactly the same. Under an opaque screen it is not rebuilt at
all (Textual asks again when its screen is back on top).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

from notifycenter.tui.visibility import hidden

# What one shown key looks like: key, label, action, enabled, tooltip, group.
ShownKey = tuple[str, str, str, bool, str, object]


def shown_keys(screen: Screen[object]) -> tuple[ShownKey, ...]:
    """The keys a footer of `screen` draws, in order, as Footer.compose reads them."""
    return tuple(
        (binding.key, binding.description, binding.action, enabled, tooltip, binding.group)
        for _, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    """A `Footer` that skips the rebuild when the keys it would show are the ones shown."""

    def __init__(self, *, id: str | None = None, compact: bool = False) -> None:
        super().__init__(id=id, compact=compact)
        self._shown: tuple[ShownKey, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # nothing is rebuilt: what is shown stays known
            return
        if hidden(screen):
            return  # under an emergency or the operations view: asked again when it is back
        keys = shown_keys(screen)
        if keys == self._shown and self._bindings_ready:
            return
        self._shown = keys
        super().bindings_changed(screen)
