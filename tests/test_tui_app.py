"""The notification center against a real hub: what an operator sees and does."""

from __future__ import annotations

import pytest

from notifycenter.client import HubClient
from notifycenter.model.severity import Bucket
from notifycenter.tui.backfill import FIRST_PAGE
from notifycenter.tui.help import binding_rows
from notifycenter.tui.operations import OperationsScreen
from notifycenter.tui.widgets.buckets import BucketCounter
from notifycenter.tui.widgets.header import HeaderBar
from tests import httpclient
from tests.test_tui_helpers import (
    detail_text,
    event,
    fill,
    idle,
    istio_failure,
    make_app,
    post,
    press_until,
    record,
    submit,
    toasts,
    until,
    workers_done,
)

SIZE = (120, 36)


def rows(app) -> int:
    return len(app.center.events.index)


def row(app) -> int:
    highlighted = app.highlighted_row
    assert highlighted is not None
    return highlighted


async def test_main_screen_shows_counts_and_the_remediation(hub, tmp_path):
    post(
        hub.url,
        [
            event(1, "WARNING"),
            event(2, "INFO", source="urn:meshery:cloud:meshery-cloud"),
            event(3, "DEBUG", category="audit"),
            istio_failure(),
        ],
    )
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store.counts()[Bucket.AUDIT].total == 1)
        strip = {c.bucket: str(c.render()) for c in app.query(BucketCounter)}
        assert strip[Bucket.ERRORS] == "1 Errors 1 (1 new)"
        assert strip[Bucket.WARNINGS] == "2 Warnings 1 (1 new)"
        assert strip[Bucket.AUDIT] == "4 Audit 1"
        header = app.query_one(HeaderBar)
        await until(
            pilot, lambda: header.status == "live"
        )  # the first page paints before the stream opens
        assert header.context_name == "test" and header.server == hub.url
        await until(pilot, lambda: "Suggested remediation" in detail_text(app))
        text = detail_text(app)
        assert (
            "meshery-istio-1002" in text
            and "1. Fix the weights" in text
            and "3. Deploy the design" in text
        )
        assert "Probable cause" in text and "correlation  req-42" in text
        await pilot.press("v")
        assert '"specversion": "1.0"' in detail_text(app)
        await pilot.press("v")
        assert "Suggested remediation" in detail_text(app)
        await pilot.press("enter")
        assert app.focused is app.query_one("#detail")
        await pilot.press("escape")
        assert app.focused is app.center.events


async def test_ack_with_comment_and_expiry_reaches_the_hub_and_the_history(hub, tmp_path):
    post(hub.url, [istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await submit(pilot, "A", "on it for 2h")
        await until(pilot, lambda: "ack by anonymous — on it (until" in detail_text(app))
        answer = record(hub.url, "urn:meshery:adapter:istio%23evt-0900")
        assert (
            answer["status"] == "acknowledged" and answer["comment"] == "on it" and answer["until"]
        )
        assert app.store.counts()[Bucket.ERRORS].unacknowledged == 0
        await pilot.press("u")
        await until(pilot, lambda: "unack by anonymous" in detail_text(app))
        assert record(hub.url, "urn:meshery:adapter:istio%23evt-0900")["status"] != "acknowledged"


async def test_marked_rows_are_resolved_read_and_archived_together(hub, tmp_path):
    post(hub.url, [event(1), event(2, source="urn:x"), event(3, source="urn:y")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows(app) == 3)
        await pilot.press("space", "j", "space")
        await pilot.press("r")
        await until(
            pilot,
            lambda: (
                sum(
                    record(hub.url, f"{s}%23evt-000{n}")["status"] == "resolved"
                    for n, s in ((1, "urn:meshery:adapter:istio"), (2, "urn:x"), (3, "urn:y"))
                )
                == 2
            ),
        )
        assert not app.center.events.marked
        await pilot.press("m")  # toggles the highlighted row: resolved rows are read, so unread
        await until(
            pilot,
            lambda: any(
                record(hub.url, f"{s}%23evt-000{n}")["read"] is False
                for n, s in ((2, "urn:x"), (1, "urn:meshery:adapter:istio"))
            ),
        )
        await pilot.press("x")
        await until(pilot, lambda: rows(app) == 2)  # archived rows leave the list


async def test_readonly_removes_every_lifecycle_action(hub, tmp_path):
    post(hub.url, [istio_failure()])
    app = make_app(hub.url, tmp_path, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        ids = {row[2] for row in binding_rows(app)}
        assert not any(i.startswith("lifecycle.") for i in ids) and "view.filter" in ids
        await pilot.press("a", "r", "x")
        await submit(pilot, "colon", "ack")
        await until(pilot, lambda: any("notifycenter-1503" in t for t in toasts(app)))
        assert record(hub.url, "urn:meshery:adapter:istio%23evt-0900")["status"] == "unread"


async def test_quick_filter_shows_its_cesql_and_bad_filters_are_refused(hub, tmp_path):
    post(
        hub.url,
        [
            event(1, "WARNING"),
            event(2, "ERROR", source="urn:meshery:adapter:consul"),
            istio_failure(),
        ],
    )
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows(app) == 3)
        await fill(pilot, "slash", "sev>=error src:istio")
        hint = app.query_one("#prompt-hint")
        await until(pilot, lambda: "severitynumber" in str(hint.render()))
        assert str(hint.render()).startswith("CESQL: ")
        await pilot.press("enter")
        await until(pilot, lambda: rows(app) == 1)
        assert "CESQL: " in str(app.query_one("#filter-bar").render())
        await pilot.press("c")  # escape no longer clears a filter
        await until(pilot, lambda: rows(app) == 3)
        await submit(pilot, "colon", "filter severitynumber >= 17 AND source LIKE '%consul'")
        await until(pilot, lambda: rows(app) == 1)
        await submit(pilot, "colon", "filter severitynumber >=")
        await until(pilot, lambda: any("notifycenter-1505" in t for t in toasts(app)))
        assert rows(app) == 1 and app.is_running


async def test_buckets_errors_only_and_pause(hub, tmp_path):
    post(hub.url, [event(1, "WARNING"), event(2, "ERROR"), event(3, "INFO", source="urn:i")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows(app) == 3)
        await pilot.press("2")
        await until(pilot, lambda: rows(app) == 1)
        await pilot.press("2")
        await until(pilot, lambda: rows(app) == 3)
        await pilot.click("#bucket-infos")
        await until(pilot, lambda: rows(app) == 1)
        await pilot.press("c", "e")
        await until(pilot, lambda: rows(app) == 1)
        await pilot.press("e", "p")
        post(hub.url, [event(n, "ERROR", source=f"urn:p{n}") for n in range(10, 47)])
        await until(pilot, lambda: app.query_one(HeaderBar).paused_count == 37)
        assert "paused — 37 new" in str(app.query_one("#header-paused").render())
        assert rows(app) == 3
        await pilot.press("p")
        await until(pilot, lambda: rows(app) == 40)
        assert app.query_one(HeaderBar).paused_count is None


async def test_help_lists_active_bindings_with_ids_and_keymap_remaps(hub, tmp_path):
    from notifycenter.tui.settings import parse_tui_settings

    post(hub.url, [istio_failure()])
    settings = parse_tui_settings({"keymap": {"lifecycle.ack": "K"}})
    app = make_app(hub.url, tmp_path, settings=settings)
    told: list[str] = []
    app.tell = told.append  # type: ignore[method-assign]  # lifecycle answers time out fast
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await pilot.press("question_mark", "i")  # i: the binding ids behind the compact help
        help_text = str(app.screen.query_one("#help-text").render())
        assert (
            "lifecycle.ack" in help_text and "view.filter" in help_text and ":context" in help_text
        )
        (cursor,) = post(
            hub.url, [event(5, "ERROR", source="urn:while-help", summary="arrived under help")]
        )["cursors"]
        await until(pilot, lambda: app.store.event_count == 2)  # the feed keeps flowing under help
        await until(pilot, lambda: app.center.query_one(HeaderBar).cursor == cursor)
        await pilot.press("escape")
        assert (
            app.store.event(app.highlighted_row)["id"] == "evt-0900"
        )  # the highlight stays on its event
        await pilot.press("g")
        assert app.store.event(app.highlighted_row)["id"] == "evt-0005"
        await pilot.press("a")  # no longer bound
        await pilot.press("K")
        await until(
            pilot, lambda: record(hub.url, "urn:while-help%23evt-0005")["status"] == "acknowledged"
        )
        await until(pilot, lambda: told and workers_done(app, "lifecycle"))
        assert told == ["acknowledged 1 occurrence"]  # had `a` acked too, two answers


@pytest.mark.parametrize(
    "summary",
    [
        "[/oops]",
        "[@click=app.quit]click me",
        "\x1b]52;c;aGVsbG8=\x07",
        "deploy \u202etxt.exe done",
    ],
)
async def test_hostile_text_is_inert_in_detail_and_toasts(hub, tmp_path, summary):
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
        # The hub refuses control characters in attributes: those only reach the data.
        subject = {"subject": summary} if summary.isprintable() else {}
        post(hub.url, [event(1, "CRITICAL", summary=summary, **subject)])
        visible = summary.replace("\x1b", "").replace("\x07", "").replace("\u202e", "")
        await until(pilot, lambda: visible in detail_text(app) and toasts(app))
        shown = detail_text(app) + "".join(toasts(app))
        for bad in ("\x1b", "\x07", "\u202e"):
            assert bad not in shown
        assert any(visible in t for t in toasts(app))
        await pilot.click("#detail")  # markup would make this a link that quits
        await pilot.press("v")
        await until(pilot, lambda: "Raw CloudEvent" in detail_text(app))
        assert app.is_running


async def test_a_hub_claiming_a_quadrillion_events_is_shown_what_it_holds(
    hub, tmp_path, monkeypatch
):
    """The hub's counts size the store's indexes while the backlog loads: a claim no
    machine could hold is not allocated (it raised, or took all memory, before)."""
    real = HubClient.summary

    async def claiming(self):
        summary = await real(self)
        for counts in summary["buckets"].values():
            counts["total"] = counts["total"] * 10**15 or 10**15
        return summary

    monkeypatch.setattr(HubClient, "summary", claiming)
    held = FIRST_PAGE + 50  # more than the first page: the backlog is still loading
    post(hub.url, [event(n) for n in range(1, held + 1)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: rows(app) == held and app.settled)
        await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
        post(hub.url, [event(held + 1)])  # the stream started after the sizing, and goes on
        await until(pilot, lambda: rows(app) == held + 1)
        assert not [n.line() for n in app.notices if "notifycenter-" in n.line()]


async def test_two_centers_on_one_hub_see_each_others_acks(hub, tmp_path):
    post(hub.url, [istio_failure()])
    first, second = (
        make_app(hub.url, tmp_path / "a", name="a"),
        make_app(hub.url, tmp_path / "b", name="b"),
    )
    async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
        await until(one, lambda: first.highlighted_row is not None)
        await until(two, lambda: second.highlighted_row is not None)
        await one.press("a")
        await until(two, lambda: "ack by anonymous" in detail_text(second), timeout=5)
        row = second.store.row(second.highlighted_row)
        assert row.status.value == "acknowledged" and row.acked_by == "anonymous"


async def test_a_restart_brings_the_backlog_as_one_digest(hub, tmp_path):
    post(hub.url, [event(1, "INFO")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: rows(app) == 1 and header.status == "live" and idle(app))
    assert (tmp_path / "tui-cursors.json").exists()  # where this session stopped reading
    post(
        hub.url,
        [
            event(n, "ERROR" if n % 10 == 0 else "NOTICE", source=f"urn:s{n % 7}")
            for n in range(2, 62)
        ],
    )
    again = make_app(hub.url, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: again.store.event_count == 61 and idle(again))
        assert toasts(again) == ["Backlog|while away: 60 events, 6 errors"]


async def test_the_operations_key_opens_the_operations_view(hub, tmp_path):
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.center.alive)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OperationsScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.center)


async def test_a_refused_action_shows_code_cause_and_remedy(hub_factory, tmp_path):
    from notifycenter.config import Target
    from notifycenter.tui.app import NotifyCenterApp

    hub = hub_factory(
        tokens={"look-only-token": ("vic", "viewer"), "producer-token": ("bot", "producer")}
    )
    response = httpclient.post(
        hub.url + "/api/events",
        json=istio_failure(),
        headers={
            "Authorization": "Bearer producer-token",
            "Content-Type": "application/cloudevents+json",
        },
    )
    assert response.status_code == 202
    app = NotifyCenterApp(
        Target(name="prod", server=hub.url, token="look-only-token", source="flag"),
        state_dir=tmp_path,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await pilot.press("a")
        await until(pilot, lambda: any("notifycenter-1103" in t for t in toasts(app)))
        shown = next(t for t in toasts(app) if "notifycenter-1103" in t)
        assert "cause: " in shown and "fix 1: " in shown
        assert app.is_running


async def test_initial_filter_from_the_command_line(hub, tmp_path):
    post(hub.url, [event(1, "WARNING"), istio_failure()])
    app = make_app(hub.url, tmp_path, initial_filter="severitynumber >= 17")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            lambda: app.store.event_count == 2 and app.settled,
        )
        await until(pilot, lambda: rows(app) == 1)
        assert ":filter severitynumber >= 17" in str(app.query_one("#filter-bar").render())


async def test_alerts_ring_the_bell_once_per_coalesced_toast(hub, tmp_path):
    app = make_app(hub.url, tmp_path, takeover=False)  # the toasts, not the emergency view
    rings = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
        post(
            hub.url,
            [
                event(n, "ALERT", source="urn:meshery:operator:x", subject=f"s{n}")
                for n in range(1, 6)
            ],
        )
        await until(pilot, lambda: app.store.event_count == 5 and idle(app))
        assert toasts(app) == ["ALERT|5 new errors from urn:meshery:operator:x"]
        assert rings == [1]
        post(hub.url, [event(9, "WARNING", source="urn:w")])
        await until(pilot, lambda: len(toasts(app)) == 2)
        assert rings == [1]


async def test_command_line_lifecycle_with_comment_and_expiry(hub, tmp_path):
    post(hub.url, [istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.highlighted_row is not None)
        await submit(pilot, "colon", "ack waiting for vendor")
        ref = "urn:meshery:adapter:istio%23evt-0900"
        await until(pilot, lambda: record(hub.url, ref)["comment"] == "waiting for vendor")
        assert record(hub.url, ref)["until"] is None
        await submit(pilot, "colon", "resolve")
        await until(pilot, lambda: record(hub.url, ref)["status"] == "resolved")
        await pilot.press("R")
        await until(pilot, lambda: record(hub.url, ref)["status"] == "acknowledged")
        await until(pilot, lambda: "reopen by anonymous" in detail_text(app))


async def test_correlation_and_operation_links_and_quit(hub, tmp_path):
    from notifycenter.demo.scenario import Scenario

    failed = [e for e in Scenario.fixed().take(20) if e["type"] == "io.meshery.operation.failed"]
    post(
        hub.url,
        [
            event(1, "WARNING", correlationid="req-42", source="urn:a"),
            event(2, "INFO", source="urn:b"),
            istio_failure(),
            *failed,
        ],
    )
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store.event_count == 5)
        await until(pilot, lambda: app.settled and rows(app) == 5)
        await press_until(
            pilot, "j", lambda: app.store.event(row(app)).get("correlationid") == "req-42", 5
        )
        await pilot.press("C")
        await until(pilot, lambda: rows(app) == 2)
        assert "correlationid = 'req-42'" in str(app.query_one("#filter-bar").render())
        await pilot.press("c")
        await until(pilot, lambda: rows(app) == 5)
        await pilot.press("g")
        await press_until(pilot, "j", lambda: "traceparent" in app.store.event(row(app)), 5)
        await pilot.press("O")
        await until(pilot, lambda: isinstance(app.screen, OperationsScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.center)
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
