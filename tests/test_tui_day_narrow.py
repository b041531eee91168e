"""What a tmux pass at 60 and 120 columns showed: the bucket strip keeps its numbers
whole at 60 columns, and a time's age in the side detail pane is never broken in two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.color import Color
from rich.style import Style
from textual.geometry import Region

from notifycenter.model.severity import Bucket
from notifycenter.tui.help import HelpScreen
from notifycenter.tui.widgets.buckets import BucketCounter
from tests.hubprocess import Hub
from tests.test_tui_helpers import detail_text, event, make_app, post, until


async def test_bucket_counts_stay_whole_at_60_columns(hub: Hub, tmp_path: Path) -> None:
    post(hub.url, [event(n, "ERROR", source=f"urn:s{n}") for n in range(1, 13)])
    post(hub.url, [event(n, "INFO", source=f"urn:s{n}") for n in range(20, 32)])
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(60, 24)) as pilot:
        counters = [
            c for c in app.query(BucketCounter) if c.bucket in (Bucket.ERRORS, Bucket.INFOS)
        ]
        await until(pilot, lambda: all(c.counts == (12, 12) for c in counters))
        await pilot.pause()
        for counter in counters:  # the count still to acknowledge is never cut
            text = str(counter.render())
            assert text.endswith(("(12)", "(12 new)")), text
            assert len(text) <= counter.content_region.width, text


async def test_the_age_of_a_time_is_not_broken_across_lines(hub: Hub, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = (now - timedelta(minutes=8)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    post(hub.url, [event(1, "ERROR", summary="pod crashloop", time=stamp)])
    app = make_app(hub.url, tmp_path, takeover=False, clock=lambda: now, display_tz=UTC)
    async with app.run_test(size=(120, 36)) as pilot:  # the detail pane beside the list
        await until(pilot, lambda: "pod crashloop" in detail_text(app))
        await pilot.pause()
        body = app.center.detail.query_one("#detail-body")
        width, height = body.size
        lines = [strip.text.rstrip() for strip in body.render_lines(Region(0, 0, width, height))]
        shown = [line for line in lines if "(8m" in line or "ago)" in line]
        assert shown and all("(8m ago)" in line for line in shown), lines


async def test_help_at_60_columns_cuts_no_description(hub: Hub, tmp_path: Path) -> None:
    post(hub.url, [event(1, "ERROR")])
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(60, 24)) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        for words in (
            "Errors+warnings",
            "Same correlation",
            "Error code docs",
            "mark: one, a range, all",
        ):
            assert words in text, words
        lines = text.splitlines()
        assert any(line.strip() == "^z Errors+warnings" for line in lines)  # one cell a line


async def test_the_highlighted_warning_stays_readable_while_a_prompt_has_focus(
    hub: Hub, tmp_path: Path
) -> None:
    post(hub.url, [event(1, "WARNING", source="urn:w", summary="sidecar restarted")])
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await pilot.press("colon")  # the list loses the focus, its cursor row stays shown
        await until(pilot, lambda: app.center.prompt.display)
        app.center.events.refresh_rows([app.center.events.index[0]])
        line = app.center.events.render_line(0)
        severity = next(s for s in line if "WRN" in s.text)
        assert severity.style is not None and severity.style.color != severity.style.bgcolor


async def test_sources_stay_readable_without_colour(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    linkerd = "urn:meshery:adapter:linkerd"
    post(hub.url, [event(1, "INFO"), event(2, "WARNING", source=linkerd), event(3, source="urn:t")])
    app = make_app(hub.url, tmp_path, takeover=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == 3)
        await pilot.pause()
        line = app.center.events.render_line(1)  # not the highlighted row
        source = next(s for s in line if "linkerd" in s.text)
        assert source.style is not None and source.style.color and source.style.bgcolor
        assert contrast(source.style) > 100, source.style  # far apart in brightness
        info = next(s for s in app.center.events.render_line(2) if "INF" in s.text)
        assert contrast(info.style) > 100  # a severity is text, not a dark grey
        infos = next(c for c in app.query(BucketCounter) if c.bucket is Bucket.INFOS)
        assert contrast(infos.rich_style) > 100, infos.rich_style


def contrast(style: Style | None) -> float:
    """How far apart text and background are once NO_COLOR greys them (by luminance)."""
    assert style is not None and style.color is not None and style.bgcolor is not None
    return abs(luminance(style.color) - luminance(style.bgcolor))


def luminance(color: Color) -> float:
    red, green, blue = color.get_truecolor()
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_the_detail_severity_reads_by_weight_without_colour() -> None:
    from notifycenter.tui.detail_model import build_detail
    from notifycenter.tui.widgets.detail import render_detail

    content = render_detail(build_detail(event(1, "ERROR")), 80, no_color=True)
    styles = {str(span.style) for span in content.spans if span.start == 0}
    assert styles == {"bold reverse"}  # not $error, a dark grey once colour is gone
