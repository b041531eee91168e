"""The second peer of `tui_startup.py`: what the notification center's first rows cost
on its own stack, with none of its code.

    .venv/bin/python bench/tui_floor.py http://127.0.0.1:PORT   # run by tui_startup.py

A click command that starts a Textual app; once mounted, one httpx client asks the hub for
`GET /api/summary` and the newest 100 records (`GET /api/events?limit=100`), as the
center's first two requests do, and a line-API list draws them (a `›` gutter mark on the
highlighted row, like bench/tui_bare.py). No validation, no store, no policy: the time
from the process start to its first row is what click, Textual, httpx and the two
answers cost on this machine, the floor under the center's own first rows.
"""

from __future__ import annotations

import ssl
from typing import Any, ClassVar

import click
import httpx
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

import notifycenter  # noqa: F401  as in the center: httpx's command-line tool stays unloaded

FIRST_PAGE = 100  # the center's first page (notifycenter/tui/backfill.py)


class PageList(ScrollView):
    """The newest records' summaries, one line each."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def show(self, records: list[dict[str, Any]]) -> None:
        self.lines = [_line(record) for record in records]
        self.virtual_size = Size(0, len(self.lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if row >= len(self.lines):
            return Strip.blank(self.size.width)
        mark = "›" if row == 0 else " "
        text = f"{mark} {self.lines[row]}"[: self.size.width].ljust(self.size.width)
        return Strip([Segment(text)], self.size.width)


def _line(record: dict[str, Any]) -> str:
    event = record.get("event") or {}
    summary = (event.get("data") or {}).get("summary") if isinstance(event, dict) else None
    return f"{record.get('bucket', '')[:8]:<8} {str(summary or event.get('type', ''))[:90]}"


class FloorApp(App[None]):
    BINDINGS: ClassVar = [Binding("q", "quit")]

    def __init__(self, server: str) -> None:
        super().__init__()
        self.server = server

    def compose(self) -> ComposeResult:
        yield PageList()

    async def on_mount(self) -> None:
        # As the center's client of an http:// hub: no CA bundle read (~50 ms).
        plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        async with httpx.AsyncClient(base_url=self.server, verify=plain) as client:
            (await client.get("/api/summary")).raise_for_status()
            page = (await client.get("/api/events", params={"limit": FIRST_PAGE})).json()
        self.query_one(PageList).show(page["items"])


@click.command()
@click.argument("server")
def main(server: str) -> None:
    FloorApp(server).run()


if __name__ == "__main__":
    main()
