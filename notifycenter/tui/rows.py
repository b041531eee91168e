"""One event-list row as a `Strip`: columns, glyphs, age, responsive widths.

Every string comes from an event, so it is sanitised again here (cheap: the store already
did) and only ever placed in `Segment`s as plain text: nothing is parsed as markup.
The severity column reads without colour: a glyph and a three-letter word. The list
shows each row's AGE (k9s style: 5s, 3m, 2h, 4d); the detail gives the full local time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from notifycenter.model.lifecycle import Status
from notifycenter.model.names import short_source
from notifycenter.model.sanitize import sanitize_line
from notifycenter.model.severity import Bucket, Severity
from notifycenter.store import RowView

ELLIPSIS = "…"
NARROW = 100  # below this width the type column goes
SLIM = 72  # below this the status and source columns narrow: the summary keeps its room
WIDE = 140  # from this width an OWNER column shows who each notification is assigned to
OWNER_WIDTH = 12
AGE_WIDTH = 4  # "59s", "23h", "364d"

# Glyphs from WGL4 that Fira Code and DejaVu Sans Mono draw too, so that no terminal font
# shows a box; the word after the glyph tells the severity without colour or glyph.
SEVERITY_LABELS: Mapping[Severity, str] = {
    Severity.EMERGENCY: "♦ EMR",
    Severity.ALERT: "♦ ALR",
    Severity.CRITICAL: "♦ CRT",
    Severity.ERROR: "■ ERR",
    Severity.WARNING: "▲ WRN",
    Severity.NOTICE: "● NTC",
    Severity.INFO: "● INF",
    Severity.SUCCESS: "√ OK",
    Severity.DEBUG: "· DBG",
}
AUDIT_LABEL = "· AUD"
_TYPE_PREFIXES = ("io.meshery.",)


@dataclass(frozen=True, slots=True)
class Columns:
    """Cell widths of each column for one list width (0 hides a column)."""

    width: int
    age: int
    severity: int
    status: int
    source: int
    type: int
    owner: int = 0

    @property
    def summary(self) -> int:
        widths = (self.age, self.severity, self.status, self.owner, self.source, self.type)
        fixed = GUTTER + sum(w + 1 for w in widths if w)
        return max(self.width - fixed, 0)

    @property
    def age_offset(self) -> int:
        """Where the AGE cells start: a change of age repaints only those."""
        return GUTTER


GUTTER = 2  # "›" marks the cursor row and "•" a marked row, so both read without colour


def columns_for(width: int) -> Columns:
    """Columns by priority as the width shrinks: the type goes first, then status and
    source narrow (a source by its name alone), so a 60-column list keeps 22 cells of
    summary. The status
    column fits `ack:anonymous` from 72 columns; the detail pane names any actor in full."""
    if width < SLIM:
        return Columns(width, age=AGE_WIDTH, severity=5, status=13, source=10, type=0)
    if width < NARROW:
        return Columns(
            width, age=AGE_WIDTH, severity=5, status=13, source=min(16, max(width // 6, 8)), type=0
        )
    owner = OWNER_WIDTH if width >= WIDE else 0
    return Columns(
        width,
        age=AGE_WIDTH,
        severity=5,
        status=14,
        source=18,
        type=min(28, width // 6),
        owner=owner,
    )


@dataclass(frozen=True)
class RowStyles:
    """Rich styles for the parts of a row, taken from the widget's component classes."""

    base: Style = field(default_factory=Style)
    cursor: Style = field(default_factory=lambda: Style(reverse=True))
    marked: Style = field(default_factory=lambda: Style(bold=True))
    time: Style = field(default_factory=Style)
    buckets: Mapping[Bucket, Style] = field(default_factory=dict)
    unread: Style = field(default_factory=lambda: Style(bold=True))
    handled: Style = field(default_factory=lambda: Style(dim=True))
    acknowledged: Style = field(default_factory=Style)
    source: Style = field(default_factory=Style)
    type: Style = field(default_factory=Style)
    count: Style = field(default_factory=Style)


def fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` cells, ending a cut with an ellipsis."""
    if width <= 0:
        return ""
    size = len(text) if text.isascii() else cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    return set_cell_size(text, width - 1) + ELLIPSIS


def fit_tail(text: str, width: int) -> str:
    """As `fit`, but keep the end: the last parts of a type or source name say the most."""
    if width <= 0:
        return ""
    size = len(text) if text.isascii() else cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    tail = text[-(width - 1) :]
    while cell_len(tail) > width - 1:
        tail = tail[1:]
    return fit(ELLIPSIS + tail, width)


def severity_label(severity: Severity, bucket: Bucket) -> str:
    return AUDIT_LABEL if bucket is Bucket.AUDIT else SEVERITY_LABELS[severity]


def status_label(row: RowView) -> str:
    if row.status is None:
        return ""
    if row.status is Status.ACKNOWLEDGED:
        return "ack:" + sanitize_line(row.acked_by or "?", 64)
    return row.status.value


def format_time(
    row_time: datetime | None, now: datetime, wide: bool, tz: tzinfo | None = None
) -> str:
    """`14:03:22` today; `Nov 27` (or `Nov 27 14:03` when wide) on another day."""
    if row_time is None:
        return "—"
    local, today = row_time.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return local.strftime("%H:%M:%S")
    if local.year != today.year and not wide:
        return local.strftime("%Y-%m")
    return local.strftime("%b %d %H:%M" if wide else "%b %d")


def age(row_time: datetime | None, now: datetime) -> str:
    """k9s's AGE: `5s`, `3m`, `2h`, `4d`; a time ahead of the clock is `0s`."""
    if row_time is None:
        return "—"
    seconds = max(int((now - row_time).total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def short_type(event_type: str) -> str:
    for prefix in _TYPE_PREFIXES:
        if event_type.startswith(prefix) and len(event_type) > len(prefix):
            return event_type[len(prefix) :]
    return event_type


def fold_label(row: RowView) -> str:
    """` ×3`, or ` ×3 (1 acked, 1 resolved)` while some occurrences are handled one by
    one and some not."""
    if row.count < 2:
        return ""
    if not row.mixed:
        return f" ×{row.count:,}"
    parts = [
        f"{n:,} {word}"
        for n, word in (
            (row.acked, "acked"),
            (row.resolved, "resolved"),
            (row.archived, "archived"),
        )
        if n
    ]
    return f" ×{row.count:,} ({', '.join(parts)})"


def source_label(source: str, width: int) -> str:
    """The short name (`meshery/server`), or its name part alone (`meshery`) when the
    column is too narrow for both."""
    short = short_source(sanitize_line(source))
    if cell_len(short) > width and "/" in short:
        return short.split("/", 1)[0]
    return short


def render_row(
    row: RowView,
    columns: Columns,
    styles: RowStyles,
    *,
    highlighted: bool,
    now: datetime,
    tz: tzinfo | None = None,
    show_count: bool = True,
    silenced: bool = False,
) -> Strip:
    """The row as one line of exactly `columns.width` cells. `show_count` False leaves the
    fold count out (a view whose filter may match only some occurrences). `silenced`: it
    arrived under a hub silence; an unhandled one says so instead of read/unread."""
    over = styles.cursor if highlighted else (styles.marked if row.marked else None)

    def cell(text: str, style: Style) -> Segment:
        combined = styles.base + style
        return Segment(text, combined + over if over is not None else combined)

    status = row.status
    quiet = silenced and status in (Status.UNREAD, Status.READ)
    status_style = (
        styles.handled
        if quiet
        else styles.unread
        if status is Status.UNREAD
        else styles.acknowledged
        if status is Status.ACKNOWLEDGED
        else styles.handled
    )
    count = fold_label(row) if show_count else ""
    parts = [
        cell(("›" if highlighted else " ") + ("•" if row.marked else " "), Style()),
        cell(fit(age(row.time, now), columns.age) + " ", styles.time),
        cell(
            fit(severity_label(row.severity, row.bucket), columns.severity) + " ",
            styles.buckets.get(row.bucket, Style()),
        ),
        cell(fit("silenced" if quiet else status_label(row), columns.status) + " ", status_style),
    ]
    if columns.owner:
        owner = "@" + sanitize_line(row.owner, 64) if row.owner else ""
        parts.append(cell(fit(owner, columns.owner) + " ", styles.source))
    parts += [
        cell(fit(source_label(row.source, columns.source), columns.source) + " ", styles.source),
    ]
    if columns.type:
        parts.append(
            cell(fit_tail(short_type(sanitize_line(row.type)), columns.type) + " ", styles.type)
        )
    summary_width = max(columns.summary - cell_len(count), 0)
    summary_style = styles.unread if status is Status.UNREAD else Style()
    parts.append(cell(fit(sanitize_line(row.summary), summary_width), summary_style))
    if count:
        parts.append(cell(count, styles.count))
    # Very narrow lists may not fit the fixed columns: cut the line, never overflow it.
    return Strip(parts).crop(0, columns.width).extend_cell_length(columns.width)
