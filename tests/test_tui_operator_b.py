"""The operator's day in the notification center: status views that mean what the hub
means, folded repeats that show their mixed state, an exact digest, readable rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.geometry import Region

from notifycenter.client import HubClient
from notifycenter.model.severity import Bucket
from notifycenter.tui.policy import NotificationPolicy, PolicySettings
from notifycenter.tui.rows import age, short_source
from notifycenter.tui.widgets.buckets import BucketCounter
from notifycenter.tui.widgets.drawer import NotificationDrawer
from notifycenter.tui.widgets.header import HeaderBar
from notifycenter.tui.widgets.statusline import StatusLine
from tests import httpclient
from tests.test_tui_helpers import (
    event,
    idle,
    make_app,
    post,
    submit,
    toasts,
    until,
    workers_done,
)

SIZE = (120, 36)


def shown(app) -> list[str]:
    """The list's rows as the operator reads them."""
    events = app.center.events
    return [events.render_line(y).text for y in range(min(len(events.index), 30))]


def listed(app) -> set[str]:
    return {app.store.row(row).summary for row in app.center.events.index}


def hub_events(url: str, **params: str) -> list[dict]:
    answer = httpclient.get(f"{url}/api/events", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def errors_counter(app) -> BucketCounter:
    return next(c for c in app.query(BucketCounter) if c.bucket is Bucket.ERRORS)


async def test_status_tokens_show_what_the_hub_shows_and_who_acked(hub, tmp_path):
    accepted = post(hub.url, [event(n, summary=f"failure {n}") for n in range(1, 4)])
    async with HubClient(hub.url) as client:
        await client.lifecycle("ack", refs=[accepted["cursors"][0]], comment="on it")
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == 3)
        for token, hub_status in (
            ("acked", "acknowledged"),
            ("acknowledged", "acknowledged"),
            ("read", "read"),
            ("unacked", "unacked"),
        ):
            await submit(pilot, "slash", f"status:{token}")
            wanted = {e["event"]["data"]["summary"] for e in hub_events(hub.url, status=token)}
            assert wanted == {
                e["event"]["data"]["summary"] for e in hub_events(hub.url, status=hub_status)
            }
            await until(pilot, lambda wanted=wanted: app.settled and listed(app) == wanted)
            await pilot.press("c")
        await submit(pilot, "slash", "status:acked")
        await until(pilot, lambda: len(app.center.events.index) == 1)
        assert "ack:anonymous" in shown(app)[0] and "failure 1" in shown(app)[0]
        await pilot.press("c")
        await submit(pilot, "slash", "status:nope")
        await until(pilot, lambda: any("notifycenter-1305" in t for t in toasts(app)))
        assert app.is_running


async def test_acking_one_of_three_repeats_leaves_two_to_handle(hub, tmp_path):
    repeats = [event(n, summary="disk full on node-3") for n in (1, 2, 3)]
    for n, repeat in enumerate(repeats):
        repeat["type"] = "io.meshery.test.disk"
        repeat["time"] = f"2026-11-28T09:00:0{n}.000Z"
    accepted = post(hub.url, repeats)
    app = make_app(hub.url, tmp_path)
    told: list[str] = []
    app.tell = told.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store.event_count == 3 and idle(app))
        assert len(app.center.events.index) == 1 and "×3" in shown(app)[0]
        async with HubClient(hub.url) as client:  # a teammate acks one occurrence
            await client.lifecycle("ack", refs=[accepted["cursors"][1]])
            summary = await client.summary()
        await until(pilot, lambda: "×3 (1 acked)" in shown(app)[0])
        assert summary["buckets"]["errors"]["unacknowledged"] == 2
        assert errors_counter(app).counts == (3, 2)
        await pilot.press("e")  # the two unhandled ones are still errors to handle
        await until(pilot, lambda: app.settled and len(app.center.events.index) == 1)
        assert "×3 (1 acked)" in shown(app)[0]
        await pilot.press("e", "a")
        await until(pilot, lambda: told and workers_done(app, "lifecycle"))
        assert told == ["acknowledged 2 occurrences (1 already so)"]
        await until(pilot, lambda: errors_counter(app).counts == (3, 0))
        assert "(1 acked)" not in shown(app)[0] and "ack:anonymous" in shown(app)[0]
        async with HubClient(hub.url) as client:  # and unacking one brings back exactly one
            await client.lifecycle("unack", refs=[accepted["cursors"][0]])
            summary = await client.summary()
        await until(pilot, lambda: "×3 (2 acked)" in shown(app)[0])
        assert summary["buckets"]["errors"]["unacknowledged"] == 1
        assert errors_counter(app).counts == (3, 1)


async def test_a_restart_digest_counts_exactly_what_arrived(hub, tmp_path):
    post(hub.url, [event(1, "INFO")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: header.status == "live" and idle(app))
    for away, first in ((3, 10), (5, 20), (1, 30)):
        post(
            hub.url,
            [event(n, "ERROR" if n == first else "NOTICE") for n in range(first, first + away)],
        )
        again = make_app(hub.url, tmp_path)
        async with again.run_test(size=SIZE) as pilot:
            await until(
                pilot,
                lambda again=again: any("while away" in t for t in toasts(again)) and idle(again),
            )
            word = "event" if away == 1 else "events"
            assert toasts(again) == [f"Backlog|while away: {away} {word}, 1 error"]


async def test_without_colour_errors_and_the_selected_bucket_stand_out(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    post(hub.url, [event(1, "INFO", summary="routine"), event(2, "ERROR", summary="broken")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == 2 and app.settled)
        assert app.no_color
        lines = [app.center.events.render_line(y) for y in range(2)]

        def label_style(word: str):
            for line in lines:
                for segment in line:
                    if word in segment.text:
                        return segment.style
            raise AssertionError(word)

        assert label_style("ERR").reverse and label_style("ERR").bold
        assert not label_style("INF").reverse
        await pilot.press("1")
        errors = errors_counter(app)
        await until(
            pilot,
            lambda: (
                errors.has_class("-selected")
                and errors.styles.text_style.reverse
                and errors.styles.text_style.underline
            ),
        )


async def test_rows_at_60_columns_show_age_readable_source_and_room_for_the_summary(hub, tmp_path):
    now = [datetime(2026, 11, 28, 9, 30, tzinfo=UTC)]
    post(
        hub.url,
        [
            event(
                1,
                source="urn:meshery:server:meshery",
                summary="Connection to the Kubernetes API server was refused",
                time="2026-11-28T09:27:00.000Z",
            )
        ],
    )
    app = make_app(hub.url, tmp_path, clock=lambda: now[0], display_tz=UTC)
    async with app.run_test(size=(60, 24)) as pilot:
        await until(pilot, lambda: len(app.center.events.index) == 1 and app.settled)
        line = shown(app)[0]
        assert line[2:].split()[0] == "3m" and " meshery " in line  # its name, not …er:meshery
        assert "Connection to the Ku" in line  # 22 cells of summary, not 16
        events = app.center.events
        repainted: list[Region] = []
        original = events.refresh

        def record(*regions, **options):
            repainted.extend(regions)
            return original(*regions, **options)

        events.refresh = record  # type: ignore[method-assign]
        now[0] += timedelta(seconds=20)  # still 3m: nothing to redraw
        events._refresh_ages()
        assert repainted == []
        now[0] += timedelta(seconds=41)  # 4m: only the AGE cells of that line
        events._refresh_ages()
        assert [(r.width, r.height) for r in repainted] == [(4, 1)]
        await until(pilot, lambda: shown(app)[0][2:].split()[0] == "4m")


def test_age_reads_like_k9s():
    now = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    ages = [age(now - timedelta(seconds=s), now) for s in (5, 185, 7300, 4 * 86400 + 5)]
    assert ages == ["5s", "3m", "2h", "4d"]
    assert age(now + timedelta(hours=1), now) == "0s" and age(None, now) == "—"
    assert short_source("urn:meshery:adapter:istio") == "istio/adapter"
    assert short_source("https://alerts.example.com/api/v2/alerts") == "alerts.example.com/alerts"
    assert short_source("httpbin-canary") == "httpbin-canary"


async def test_notifications_go_to_the_status_line_and_drawer_never_over_the_screen(hub, tmp_path):
    post(hub.url, [event(1, "ERROR", summary="etcd is out of space")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.query_one(StatusLine)
        # The first event loaded and the stream live: idle alone holds before the first page
        # arrives, a second event posted before the stream is live may come in as a loaded
        # record (never told), and two events arriving together are told as one.
        header = app.query_one(HeaderBar)
        await until(
            pilot, lambda: header.status == "live" and app.store.event_count == 1 and idle(app)
        )
        post(hub.url, [event(2, "ERROR", summary="etcd lost its leader")])
        await until(pilot, lambda: "etcd lost its leader" in status.text)
        assert not app._notifications  # no toast covers the list or the detail
        drawer = app.query_one(NotificationDrawer)
        assert not drawer.display or not drawer.is_open
        main = app.center.query_one("#main")
        main_height = main.size.height
        await pilot.press("n")
        await until(
            pilot, lambda: drawer.is_open and "etcd lost its leader" in str(drawer.render())
        )
        # list and detail make room: nothing is covered
        await until(pilot, lambda: main.size.height < main_height)
        await pilot.press("n")
        await until(pilot, lambda: not drawer.is_open)


def test_routine_successes_are_quiet_by_default():
    def done(kind: str) -> dict:
        return {"type": f"io.meshery.operation.{kind}", "source": "urn:x", "severitytext": "INFO"}

    quiet = NotificationPolicy()
    assert not quiet.wants(done("succeeded")) and quiet.wants(done("failed"))
    assert not quiet.wants(event(1, "SUCCESS")) and quiet.wants(event(2, "ERROR"))
    loud = NotificationPolicy(PolicySettings(successes=True))
    assert loud.wants(done("succeeded")) and loud.wants(event(1, "SUCCESS"))
