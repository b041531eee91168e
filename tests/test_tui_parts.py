"""Textual-free parts of the notification center: command line, filters, cursors, detail, styles."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifycenter.model.errors import NotifyError
from notifycenter.model.lifecycle import LifecycleChange, Verb
from notifycenter.model.severity import Bucket
from notifycenter.tui.commandline import Command, parse_command, split_ack_argument
from notifycenter.tui.cursors import CursorBook
from notifycenter.tui.detail_model import build_detail
from notifycenter.tui.feed import FeedBuffer
from notifycenter.tui.styles import css_paths, styles_dir
from notifycenter.tui.view_state import ViewState

REPO = Path(__file__).resolve().parent.parent


def test_commands_and_aliases():
    assert parse_command(":ack looking into it") == Command("ack", "looking into it")
    assert parse_command("q") == Command("quit")
    assert parse_command(":filter severitynumber >= 17") == Command(
        "filter", "severitynumber >= 17"
    )
    with pytest.raises(NotifyError) as caught:
        parse_command(":frobnicate")
    assert caught.value.code == "notifycenter-1504"


def test_ack_argument_takes_a_trailing_expiry():
    assert split_ack_argument("on it for 2h") == ("on it", "2h")
    assert split_ack_argument("for 30m") == (None, "30m")
    assert split_ack_argument("waiting for vendor") == ("waiting for vendor", None)
    assert split_ack_argument("") == (None, None)


def test_view_state_quick_tokens_compile_to_cesql_and_are_described():
    view = ViewState().with_quick("sev>=warning src:istio status:unacked timeout")
    assert (
        view.quick is not None and view.quick.status == "unacked" and view.quick.text == "timeout"
    )
    described = view.describe()
    assert (
        "CESQL: " in described and "severitynumber" in described and "status: unacked" in described
    )
    query = view.query()
    assert query.status == "unacked" and query.text == "timeout" and query.predicate is not None


def test_view_state_rejects_a_bad_filter_and_initial_filter_guesses_the_dialect():
    with pytest.raises(NotifyError) as caught:
        ViewState().with_cesql("severitynumber >=")
    assert caught.value.code == "notifycenter-1505"
    assert (
        ViewState().with_initial("severitynumber >= 17 AND source LIKE 'urn:%'").cesql is not None
    )
    assert ViewState().with_initial("sev>=error").quick is not None
    assert ViewState().with_initial("timeout").quick.text == "timeout"


def test_both_filters_must_match():
    view = ViewState().with_quick("src:istio").with_cesql("severitynumber >= 17")
    match = view.predicate()
    base = {"specversion": "1.0", "id": "1", "type": "t"}
    assert match({**base, "source": "urn:meshery:adapter:istio", "severitynumber": 17})
    assert not match({**base, "source": "urn:meshery:adapter:istio", "severitynumber": 13})
    assert not match({**base, "source": "urn:meshery:adapter:consul", "severitynumber": 17})
    assert ViewState(bucket=Bucket.ERRORS).cleared() == ViewState()


def test_cursor_book_per_context_survives_garbage(tmp_path):
    book = CursorBook(tmp_path)
    assert book.load("local") is None
    book.save("local", "0000000000000042")
    book.save("prod", "0000000000000007")
    assert CursorBook(tmp_path).load("local") == "0000000000000042"
    (tmp_path / "tui-cursors.json").write_text("{not json")
    assert CursorBook(tmp_path).load("local") is None


def test_feed_buffer_hands_over_everything_once():
    feed = FeedBuffer()
    feed.push({"n": 1})
    feed.push({"n": 2})
    assert len(feed) == 2
    assert feed.take() == [{"n": 1}, {"n": 2}] and feed.take() == [] and len(feed) == 0


HOSTILE = {
    "specversion": "1.0",
    "id": "evil\u202e1",
    "source": "urn:meshery:adapter:istio",
    "type": "io.meshery.x",
    "severitytext": "ERROR",
    "data": {
        "summary": "[/oops] [@click=app.quit]click me\x1b]52;c;aGVsbG8=\x07 \u202eexe.txt",
        "details": "line one\nline\x1b[31m two",
        "error": {
            "code": "meshery-istio-1002",
            "probableCause": ["cause \x9b1m"],
            "suggestedRemediation": ["first", "second\x07"],
        },
    },
}


def test_detail_is_sanitised_and_complete():
    history = [
        LifecycleChange(
            Verb.ACK,
            "urn:meshery:adapter:istio",
            "evil1",
            "alice\x1b[2J",
            "2026-11-28T09:00:00.000Z",
            "on it",
            "2026-11-28T11:00:00.000Z",
        )
    ]
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    view = build_detail(HOSTILE, history, "acknowledged", now=now, tz=UTC)
    every = json.dumps(
        [
            view.summary,
            view.details,
            view.causes,
            view.remedies,
            view.fields,
            [e.__dict__ for e in view.history],
            view.raw_json,
        ],
        ensure_ascii=False,
    )
    for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert bad not in every
    assert view.summary.startswith("[/oops] [@click=app.quit]click me")
    assert view.code == "meshery-istio-1002" and view.remedies == ("first", "second")
    assert (
        view.history[0].actor == "alice[2J"
        and view.history[0].until == "2026-11-28 11:00:00 +00:00 (in 1h)"
    )
    assert ("source", "urn:meshery:adapter:istio") in view.fields


def test_styles_are_found_in_the_source_tree_and_in_an_installed_package(tmp_path):
    assert styles_dir() == REPO / "styles"
    assert any(p.name == "app.tcss" for p in css_paths())
    # An installed wheel: styles/ sits inside the package directory (pyproject force-include).
    package = tmp_path / "site-packages" / "notifycenter"
    shutil.copytree(REPO / "styles", package / "styles")
    assert styles_dir(package) == package / "styles"
    with pytest.raises(NotifyError) as caught:
        styles_dir(tmp_path / "empty" / "notifycenter")
    assert caught.value.code == "notifycenter-1507"


def test_policy_settings_and_state_modules_do_not_import_textual():
    import subprocess
    import sys

    code = (
        "import sys; import notifycenter.tui.policy, notifycenter.tui.settings, notifycenter.tui.cursors, "
        "notifycenter.tui.commandline, notifycenter.tui.view_state, notifycenter.tui.detail_model, "
        "notifycenter.tui.feed, notifycenter.demo.scenario; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
