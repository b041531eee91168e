"""One way to show a moment in the TUI: local time with its offset and how long ago (or
how long until) it is — `2026-11-29 18:02:11 +00:00 (3m ago)`, `… (in 2h)` for an ack's
`until`. An operator over SSH reads both without converting from UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from notifycenter.model.sanitize import sanitize_line

UNITS = (("d", 86400), ("h", 3600), ("m", 60))  # the list's AGE units: 5s, 3m, 2h, 4d


def parse_moment(text: object) -> datetime | None:
    """An RFC 3339 time (`Z` or an offset; a time without one is UTC); None otherwise."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def offset_text(moment: datetime) -> str:
    """`+05:30`, `-08:00`, `+00:00`."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def relative(moment: datetime, now: datetime) -> str:
    """`3m ago`, `in 2h`, `<1m ago`: the list's AGE units from a minute up, so that a
    detail on screen changes (and is repainted) at most once a minute."""
    seconds = int((now - moment).total_seconds())
    if abs(seconds) < 60:
        return "<1m ago" if seconds >= 0 else "in <1m"
    # An age is rounded down (3m59s ago is 3m, as the AGE column says); a time ahead to
    # the nearest unit, so that an ack made "for 2h" a moment ago says in 2h, not in 1h.
    return f"{span(seconds)} ago" if seconds > 0 else f"in {span(-seconds, nearest=True)}"


def span(seconds: int, nearest: bool = False) -> str:
    """`5s`, `3m`, `2h`, `4d`: whole units, rounded down or to the nearest."""
    for unit, size in UNITS:
        if seconds >= size:
            return f"{(seconds + size // 2 if nearest else seconds) // size}{unit}"
    return f"{seconds}s"


def moment_text(value: object, now: datetime, tz: tzinfo | None = None) -> str:
    """The moment in `tz` (None: the terminal's local zone) with its age; a value that is
    not a time is shown as the (sanitised) text it is."""
    moment = parse_moment(value)
    if moment is None:
        return sanitize_line(value if isinstance(value, str) else "", 60)
    try:
        local = moment.astimezone(tz)
    except (OverflowError, ValueError):
        return sanitize_line(str(value), 60)
    return f"{local:%Y-%m-%d %H:%M:%S} {offset_text(local)} ({relative(moment, now)})"
