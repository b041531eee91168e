"""Output helpers: JSON keeps the text but escapes what a terminal would act on; tables
are sanitised and fit the width."""

from __future__ import annotations

import json

import click
from rich.cells import cell_len

from notifycenter.commands.output import UNLIMITED, compact_time, fit, json_text, render_table

HOSTILE = "Hello \x1b]52;c;aGVsbG8=\x07 \u202eevil [/x] [@click=app.quit] \x9b31m"


def test_json_keeps_the_original_text_with_dangerous_characters_escaped() -> None:
    text = json_text({"summary": HOSTILE, "name": "Zoë ☸ 日本"})
    assert json.loads(text) == {"summary": HOSTILE, "name": "Zoë ☸ 日本"}
    for raw in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert raw not in text
    assert "\\u202e" in text and "\\u009b" in text
    assert "Zoë ☸ 日本" in text  # ordinary text stays readable


def test_json_escapes_characters_outside_the_basic_plane_as_surrogate_pairs() -> None:
    tag = "\U000e0041"  # a format character (Cf) beyond U+FFFF
    text = json_text(["x" + tag])
    assert tag not in text and json.loads(text) == ["x" + tag]


def test_table_cells_are_sanitised_and_brackets_stay_literal() -> None:
    lines = render_table(["SEVERITY", "SUMMARY"], [["ERROR", HOSTILE]], width=200)
    body = lines[1]
    assert not any(ch in body for ch in "\x1b\x07\u202e\x9b")
    assert "[/x] [@click=app.quit]" in body


def test_table_fits_the_terminal_width() -> None:
    rows = [["2026-11-28 09:00:00", "urn:meshery:adapter:istio", "a very long summary " * 20]]
    for line in render_table(["TIME", "SOURCE", "SUMMARY"], rows, width=80):
        assert cell_len(click.unstyle(line)) <= 80
    wide = [
        "2026-11-28 09:00:00",
        "EMERGENCY",
        "acknowledged",
        "someone-with-a-long-name",
        "urn:meshery:adapter:istio:instance-0042",
        "io.meshery.provisioning.istio.virtualservice",
        "x" * 200,
    ]
    headers = ["TIME", "SEVERITY", "STATUS", "ACKED BY", "SOURCE", "TYPE", "SUMMARY"]
    lines = render_table(
        headers, [wide], width=80, caps=[19, 9, 12, 16, 36, 40, 0], keep=(0, 1, 2), cut_left=(4, 5)
    )
    for line in lines:
        assert cell_len(click.unstyle(line)) <= 80
    assert lines[1].startswith("2026-11-28 09:00:00  EMERGENCY  acknowledged")  # kept whole
    assert "…-0042" in lines[1]  # a source keeps its distinctive end
    assert fit("日本語のテキスト", 5).endswith("…") and cell_len(fit("日本語のテキスト", 5)) <= 5


def test_piped_tables_are_not_cut_and_empty_optional_columns_go() -> None:
    rows = [["√ succeeded", "", "urn:meshery:adapter:istio:instance-0042", "y" * 300]]
    header, line = render_table(
        ["STATE", "ACKED BY", "SOURCE", "NAME"],
        rows,
        width=UNLIMITED,
        caps=[10, 16, 5, 0],
        optional=(1,),
        cut_left=(2,),
    )
    assert "ACKED BY" not in header
    assert line.split() == ["√", "succeeded", "urn:meshery:adapter:istio:instance-0042", "y" * 300]


def test_minimums_keep_columns_readable_in_a_narrow_terminal() -> None:
    rows = [["urn:meshery:adapter:istio:instance-0042", "io.meshery.provisioning.istio", "x" * 200]]
    _, line = render_table(
        ["SOURCE", "TYPE", "SUMMARY"], rows, width=60, minimums={0: 14, 1: 14}, cut_left=(0, 1)
    )
    source, type_, _summary = line.split()
    assert cell_len(source) >= 14 and cell_len(type_) >= 14 and cell_len(line) <= 60


def test_compact_time_is_the_time_of_day_today_and_the_date_otherwise() -> None:
    assert compact_time("2026-11-28T09:48:36.123Z", today="2026-11-28") == "09:48:36"
    assert compact_time("2026-11-27T09:48:36.123Z", today="2026-11-28") == "11-27 09:48"
    assert compact_time(None) == ""
