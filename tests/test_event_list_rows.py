"""Row rendering: columns at 80 and 120 cells, labels that read without colour, time."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.cells import cell_len

from notifycenter.model.lifecycle import Status
from notifycenter.model.severity import Bucket, Severity
from notifycenter.store import RowView
from notifycenter.tui.rows import (
    AUDIT_LABEL,
    SEVERITY_LABELS,
    RowStyles,
    columns_for,
    fit,
    fit_tail,
    format_time,
    render_row,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def row(**changes: object) -> RowView:
    values: dict[str, object] = {
        "row_id": 1,
        "cursor": "0000000000000001",
        "time_ms": int(NOW.timestamp() * 1000) - 60_000,
        "severity": Severity.ERROR,
        "bucket": Bucket.ERRORS,
        "status": Status.UNREAD,
        "acked_by": None,
        "source": "urn:meshery:adapter:istio",
        "type": "io.meshery.provisioning.istio.virtualservice",
        "subject": "",
        "summary": "Could not provision Istio",
        "code": "",
        "count": 1,
        "marked": False,
    }
    values.update(changes)
    return RowView(**values)  # type: ignore[arg-type]


def text(view: RowView, width: int, highlighted: bool = False) -> str:
    return render_row(
        view, columns_for(width), RowStyles(), highlighted=highlighted, now=NOW, tz=UTC
    ).text


def test_every_width_gets_exactly_its_cells() -> None:
    for width in (40, 80, 99, 100, 120, 200):
        assert cell_len(text(row(summary="日本語の要約 " * 20, count=1234), width)) == width


def test_labels_read_without_colour() -> None:
    assert "■ ERR" in text(row(), 80) and "unread" in text(row(), 80)
    assert "♦ CRT" in text(row(severity=Severity.CRITICAL), 80)
    assert "√ OK" in text(row(severity=Severity.SUCCESS, bucket=Bucket.INFOS), 80)
    assert "▲ WRN" in text(row(severity=Severity.WARNING, bucket=Bucket.WARNINGS), 80)
    assert "● INF" in text(row(severity=Severity.INFO, bucket=Bucket.INFOS), 80)
    assert "· AUD" in text(row(severity=Severity.INFO, bucket=Bucket.AUDIT, status=None), 80)
    assert "ack:alice" in text(row(status=Status.ACKNOWLEDGED, acked_by="alice"), 80)
    assert text(row(), 80, highlighted=True).startswith("›")
    assert text(row(marked=True), 80)[1] == "•"


def test_narrow_drops_the_type_and_keeps_the_count() -> None:
    narrow, wide = text(row(count=12), 80), text(row(count=12), 120)
    assert "virtualservice" not in narrow and "virtualservice" in wide
    assert narrow.rstrip().endswith("×12") and wide.rstrip().endswith("×12")
    assert "istio/adapter" in narrow  # the URN's last parts, name first


def test_time_is_short_today_and_dated_otherwise() -> None:
    assert (
        format_time(datetime(2026, 11, 28, 8, 59, 1, tzinfo=UTC), NOW, wide=False, tz=UTC)
        == "08:59:01"
    )
    assert (
        format_time(datetime(2026, 11, 27, 8, 59, tzinfo=UTC), NOW, wide=False, tz=UTC) == "Nov 27"
    )
    assert (
        format_time(datetime(2026, 11, 27, 8, 59, tzinfo=UTC), NOW, wide=True, tz=UTC)
        == "Nov 27 08:59"
    )
    assert format_time(None, NOW, wide=True) == "—"


def test_fit_cuts_with_an_ellipsis_and_counts_wide_characters() -> None:
    assert fit("abcdef", 4) == "abc…" and fit("ab", 4) == "ab  "
    assert cell_len(fit("日本語テキスト", 6)) == 6
    assert fit_tail("io.meshery.provision.istio", 10) == "…ion.istio"


# Drawn by Fira Code, DejaVu Sans Mono and the Linux console's WGL4 fonts alike
# (fc-query's charset of each); ✖ ✔ ‼ ⚠ are missing from at least one of them.
COMMON_GLYPHS = set("■▲●♦√·•›…×↑—")


def test_severity_glyphs_exist_in_common_terminal_fonts() -> None:
    labels = [*SEVERITY_LABELS.values(), AUDIT_LABEL]
    for label in labels:
        glyph, word = label.split(" ")
        assert glyph in COMMON_GLYPHS and word.isascii() and word.isupper(), label
    assert len({label.split(" ")[1] for label in labels}) == len(
        labels
    )  # words alone tell them apart
    shown = text(row(count=3, marked=True), 80, highlighted=True)
    assert all(ch.isascii() or ch in COMMON_GLYPHS for ch in shown)


def test_the_ack_actor_is_readable_at_80_columns() -> None:
    for width in (80, 120):
        shown = text(row(status=Status.ACKNOWLEDGED, acked_by="anonymous", count=4), width)
        assert "ack:anonymous " in shown and shown.rstrip().endswith("×4")
    assert "ack:a-very-lo…" in text(
        row(status=Status.ACKNOWLEDGED, acked_by="a-very-long-name"), 120
    )


def test_counts_can_be_left_out() -> None:
    shown = render_row(
        row(count=5),
        columns_for(80),
        RowStyles(),
        highlighted=False,
        now=NOW,
        tz=UTC,
        show_count=False,
    ).text
    assert "×" not in shown
