"""Whether a screen reaches the terminal at all.

Textual keeps painting the screen just under the top one (the top one might be see-through)
and forwards what changed there as regions for the top screen to paint again. Under an
opaque screen — an emergency takeover, the operations view — that rewrites cells that did
not change, many times a second while events pour in: the main screen holds its changes
instead until it shows again.
"""

from __future__ import annotations

from typing import Any

from textual.screen import ModalScreen, Screen


def hidden(screen: Screen[Any]) -> bool:
    """A full screen is above `screen`; dialogs (`ModalScreen`: help, error codes) let it
    show through. By class, not by background colour: a screen just pushed has no styles
    yet, and this is asked at that very moment."""
    if not screen.is_attached:
        return True
    stack = screen.app.screen_stack
    if screen not in stack:
        return True
    above = stack[stack.index(screen) + 1 :]
    return any(not isinstance(top, ModalScreen) for top in above)
