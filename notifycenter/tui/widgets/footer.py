"""The key footer as one line of text, drawn again only when the keys it shows change.

Textual's `Footer` mounts one widget per key and removes and mounts them all on every
binding refresh — on every highlight move when `check_action` depends on the row. Each
rebuild registered, styled and laid out a dozen widgets: tens of milliseconds of CPU per
key. This footer is a single widget whose `render()` is the whole line; a change of keys
is a repaint, never a layout. Each key is clickable through its style's `@click` action,
built from the app's own key names. Under an opaque screen nothing is drawn (Textual
asks again when its screen is back on top).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

from notifycenter.tui.visibility import hidden

PALETTE_EDGE = "▏"  # between the keys and the command palette's key at the right
HOVER_META = "footer-key"  # the place of the key under the mouse, in its style's meta


@dataclass(frozen=True)
class ShownKey:
    """One key as the footer shows it."""

    key: str  # the key's name, as the app's bindings spell it
    display: str  # as the terminal shows it (`⏎`, `^p`)
    description: str
    action: str
    enabled: bool
    palette: bool = False  # the command palette's key, at the right edge


def shown_keys(screen: Screen[object]) -> tuple[ShownKey, ...]:
    """What a footer of `screen` shows, in order: the first key of each action that is
    shown, as Textual's own footer picks them, then the command palette's key."""
    app = screen.app
    keys: dict[str, ShownKey] = {}
    active = screen.active_bindings
    for _, binding, enabled, _tooltip in active.values():
        if binding.show and binding.action not in keys:
            display = app.get_key_display(binding)
            keys[binding.action] = ShownKey(
                binding.key, display, binding.description, binding.action, enabled
            )
    shown = list(keys.values())
    palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
    if palette is not None:
        _, binding, enabled, _tooltip = palette
        display = app.get_key_display(binding)
        shown.append(
            ShownKey(binding.key, display, binding.description, binding.action, enabled, True)
        )
    return tuple(shown)


def click(key: ShownKey, place: int) -> Style:
    """A key's click: pressed as if typed; a disabled one rings the bell, as Textual's does.
    `place` tells the hover which key the mouse is over."""
    action = f"app.simulate_key({key.key!r})" if key.enabled else "app.bell"
    return Style.from_meta({"@click": action, HOVER_META: place})


class KeyFooter(Widget, can_focus=False):
    """The screen's keys on one line: ` key Description ` each, disabled ones dimmed, the
    command palette's key at the right edge. Styled in `styles/footer.tcss`."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--edge",
        "key-footer--hover",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.auto_links = False  # keys are drawn in their own colours, not as links
        self._shown: tuple[ShownKey, ...] = ()
        self._hovered: int | None = None

    def shown(self) -> list[ShownKey]:
        """The keys the footer draws now, left to right."""
        return list(self._shown)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            return  # unfocused, the app has no focused widget: what is shown stays
        if hidden(screen):
            return  # under an emergency or the operations view: asked again when it is back
        keys = shown_keys(screen)
        if keys != self._shown:
            self._shown = keys
            self.set_class(any(key.palette for key in keys), "-palette")  # its padding
            self.refresh()

    def watch_hover_style(self, _previous: Style, hover_style: Style) -> None:
        place = hover_style.meta.get(HOVER_META)
        if place != self._hovered:
            self._hovered = place
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        hover_style = self.get_component_rich_style("key-footer--hover")
        dim = Style(dim=True)
        left, right = Text(no_wrap=True, end=""), Text(no_wrap=True, end="")
        for place, key in enumerate(self._shown):
            part = Text(no_wrap=True, end="")
            if key.palette:  # as Textual draws it: no padding, an edge on its left
                part.append(PALETTE_EDGE, self.get_component_rich_style("key-footer--edge"))
                part.append(key.display, key_style)
                part.append(f" {key.description}", description_style)
            elif key.description:
                part.append(f" {key.display} ", key_style)
                part.append(f"{key.description} ", description_style)
            else:
                part.append(key.display, key_style)
            if place == self._hovered:
                part.stylize(hover_style)
            part.stylize(click(key, place) if key.enabled else click(key, place) + dim)
            (right if key.palette else left).append_text(part)
        room = self.content_size.width - right.cell_len
        left.truncate(max(room, 0), overflow="crop", pad=True)
        left.append_text(right)
        return left
