"""What an operator meets first: an unreachable hub, a bad --filter, toasts, a small
terminal, long text, big logs, operations, and the flush under load."""

from __future__ import annotations

from notifycenter.client.emitter import Emitter
from notifycenter.config import Target
from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Bucket
from notifycenter.store import StoreChange
from notifycenter.tui.app import NotifyCenterApp
from notifycenter.tui.feed import FeedBuffer
from notifycenter.tui.widgets.detail import DetailPane, capped
from notifycenter.tui.widgets.header import HeaderBar, state_text
from tests import httpclient
from tests.hubprocess import free_port
from tests.test_tui_helpers import (
    detail_text,
    event,
    idle,
    istio_failure,
    make_app,
    post,
    submit,
    toasts,
    until,
)

SIZE = (120, 36)
SMALL = (80, 24)


def rows(app) -> int:
    return len(app.center.events.index)


def settled(app) -> bool:
    return app.settled


def header_text(app, part: str) -> str:
    return str(app.query_one(f"#header-{part}").render())


def test_the_header_counts_attempts_of_a_first_connection_too():
    assert state_text("connecting", 0) == "○ connecting"
    assert state_text("connecting", 3) == "◇ reconnecting (attempt 3)"
    assert state_text("reconnecting", 1) == "◇ reconnecting (attempt 1)"
    assert state_text("live", 0) == "● live"


async def test_an_unreachable_hub_shows_attempts_and_one_toast(tmp_path):
    app = make_app(f"http://127.0.0.1:{free_port()}", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: header.attempt >= 3)
        assert "◇ reconnecting (attempt" in header_text(app, "state")
        unreachable = [t for t in toasts(app) if "notifycenter-1501" in t]
        assert len(unreachable) == 1
        assert "cause:" in unreachable[0] and "fix 1:" in unreachable[0]


async def test_switching_to_an_unreachable_context_clears_the_previous_hub(
    hub, isolated_environment, tmp_path
):
    post(hub.url, [istio_failure()])
    down = f"http://127.0.0.1:{free_port()}"
    (isolated_environment / "config.toml").write_text(
        f'current-context = "up"\n[contexts.up]\nserver = "{hub.url}"\n[contexts.down]\nserver = "{down}"\n'
    )
    app = NotifyCenterApp(
        Target(name="up", server=hub.url, token=None, source="context"), state_dir=tmp_path
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Suggested remediation" in detail_text(app))
        await submit(pilot, "colon", "context down")
        await until(pilot, lambda: app.query_one(HeaderBar).context_name == "down")
        await until(pilot, lambda: app.query_one(HeaderBar).attempt >= 1)
        assert rows(app) == 0 and app.store.event_count == 0
        assert detail_text(app) == "Nothing selected."
        assert all(count.total == 0 for count in app.store.counts().values())
        assert "Errors 0" in str(app.query_one("#bucket-errors").render())
        assert header_text(app, "cursor") == ""


async def test_a_bad_filter_on_the_command_line_is_refused_like_slash(hub, tmp_path):
    post(hub.url, [event(1), event(2, "WARNING", source="urn:x")])
    app = make_app(hub.url, tmp_path, initial_filter="sev>=bogus")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: any("notifycenter-1505" in t and "bogus" in t for t in toasts(app))
        )
        await until(pilot, lambda: settled(app) and rows(app) == 2)
        assert app.view.describe() == "" and not app.query_one("#filter-bar").display


async def test_toasts_wait_while_help_is_open(hub, tmp_path):
    post(hub.url, [event(1, "INFO")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query_one(HeaderBar).status == "live" and settled(app))
        await pilot.press("question_mark")
        post(hub.url, [event(2, "ERROR", source="urn:under-help", summary="arrived under help")])
        # Taken in, and its toast waiting in the policy rather than shown.
        await until(pilot, lambda: app.store.event_count == 2 and not app.session.policy.quiet)
        assert not any("arrived under help" in t for t in toasts(app))
        await pilot.press("escape")
        await until(pilot, lambda: any("arrived under help" in t for t in toasts(app)))


async def test_enter_gives_the_detail_the_screen_and_escape_gives_it_back(hub, tmp_path):
    post(hub.url, [istio_failure()])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: "Suggested remediation" in detail_text(app))
        pane = app.query_one(DetailPane)
        small = pane.size.height
        await pilot.press("enter")
        await until(pilot, lambda: app.center.detail_full and pane.size.height > small)
        assert app.focused is pane
        await pilot.press("escape")
        await until(pilot, lambda: not app.center.detail_full)
        assert app.focused is app.center.events


async def test_readonly_says_so_in_the_header(hub, tmp_path):
    app = make_app(hub.url, tmp_path, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query_one("#header-readonly").display)
        assert header_text(app, "readonly") == "read-only"
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # The context is named in the same step that shows (or hides) read-only.
        await until(pilot, lambda: app.query_one(HeaderBar).context_name == "test")
        assert not app.query_one("#header-readonly").display


async def test_a_long_filter_shows_whole_and_an_empty_result_names_it(hub, tmp_path):
    post(hub.url, [event(1), event(2, "WARNING", source="urn:x")])
    long_cesql = " OR ".join(f"source = 'urn:meshery:adapter:number-{n}'" for n in range(6))
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: settled(app) and rows(app) == 2)
        await submit(pilot, "slash", "sev>=warning src:istio type:io.meshery")
        await submit(pilot, "colon", f"filter {long_cesql}")
        await until(pilot, lambda: settled(app) and rows(app) == 0)
        bar = app.query_one("#filter-bar")
        shown = "".join(line.text for line in bar.render_lines(bar.region.reset_offset))
        assert "number-5'" in shown and "sev>=warning" in shown  # both filters, whole
        assert bar.size.height > 1
        assert detail_text(app).startswith("No events match ") and ":filter" in detail_text(app)


async def test_same_correlation_replaces_the_filter(hub, tmp_path):
    post(hub.url, [istio_failure(), event(1, "WARNING", source="urn:a", correlationid="req-42")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: settled(app) and rows(app) == 2)
        await submit(pilot, "slash", "src:istio")
        await until(pilot, lambda: settled(app) and rows(app) == 1)
        await pilot.press("C")
        await until(pilot, lambda: settled(app) and rows(app) == 2)
        assert app.view.quick is None and "req-42" in app.view.describe()


async def test_a_long_summary_leaves_room_for_the_remediation(hub, tmp_path):
    failure = istio_failure()
    failure["data"] = {**failure["data"], "summary": "very long " * 500}
    post(hub.url, [failure])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Suggested remediation" in detail_text(app))
        lines = detail_text(app).splitlines()
        assert lines[1].endswith("…") or len(lines[1]) < 400
        assert any("error code" in line for line in lines[:8])
        assert len(capped("x" * 5000, 40)) <= 3 * 40


async def test_records_first_then_the_stream_with_history_on_demand(hub, tmp_path):
    post(
        hub.url,
        [
            event(n, "WARNING", source=f"urn:s{n % 7}", summary=f"number {n}")
            for n in range(1, 2501)
        ],
    )
    httpclient.post(
        f"{hub.url}/api/lifecycle/ack",
        json={"refs": ["urn:s1#evt-2500"], "comment": "on it"},
        timeout=10,
    )
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.store.event_count == 2500 and settled(app), timeout=30)
        events = app.center.events
        assert app.store.event(events.index[0])["id"] == "evt-2500"
        assert app.store.event(events.index[-1])["id"] == "evt-0001"  # oldest last, after the pages
        await until(pilot, lambda: "ack by anonymous — on it" in detail_text(app))
        post(hub.url, [event(3000, "ERROR", source="urn:new", summary="streamed after the pages")])
        await until(pilot, lambda: app.store.event_count == 2501 and settled(app))
        await pilot.press("g")
        assert app.store.event(events.highlighted_row_id)["id"] == "evt-3000"


async def test_a_flush_takes_a_bounded_batch_and_fold_counts_do_not_refilter(hub, tmp_path):
    feed = FeedBuffer()
    feed.push_all({"n": n} for n in range(5000))
    assert [len(feed.take(2000)) for _ in range(3)] == [2000, 2000, 1000] and len(feed) == 0
    post(hub.url, [event(1)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: settled(app) and rows(app) == 1)
        row = app.highlighted_row
        app.flusher.apply(StoreChange(changed_rows={row}, counts_changed=True))
        assert not app.flusher.refilter_wanted
        app.flusher.apply(StoreChange(changed_rows={row}, status_rows={row}, counts_changed=True))
        assert app.flusher.refilter_wanted


async def test_pause_holds_toasts_and_resume_brings_one_digest(hub, tmp_path):
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
        await pilot.press("p")
        post(hub.url, [event(n, "ERROR", source=f"urn:paused{n}") for n in range(1, 4)])
        # Taken in, and counted for the digest rather than toasted.
        await until(pilot, lambda: app.store.event_count == 3 and not app.session.policy.quiet)
        assert not any("urn:paused" in t for t in toasts(app))
        await pilot.press("p")
        await until(pilot, lambda: any("while away: 3 events, 3 errors" in t for t in toasts(app)))
        assert not any("urn:paused" in t for t in toasts(app))


async def test_operation_events_include_sub_operations_and_completions_toast(hub, tmp_path):
    from notifycenter.tui.operations import OperationsScreen

    app = make_app(hub.url, tmp_path)
    emitter = Emitter(hub.url, source="urn:meshery:server:local", data_dir=tmp_path / "spool")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.query_one(HeaderBar).status == "live")
            deploy = emitter.operation("Deploy bookinfo").start()
            step = deploy.child("Install CRDs").start()
            step.succeed()
            emitter.operation("Unrelated").start()
            deploy.fail(
                NotifyError(
                    code="meshery-istio-1002",
                    short_description=["apply failed"],
                    suggested_remediation=["Fix the weights"],
                )
            )
            assert emitter.flush(10)
            await until(pilot, lambda: app.store.event_count == 5 and settled(app))
            await until(
                pilot,
                lambda: any(
                    "meshery-istio-1002" in t and "Remediation: Fix the weights" in t
                    for t in toasts(app)
                ),
            )
            app.post_message(OperationsScreen.EventsRequested(deploy.id, None, "Deploy bookinfo"))
            await until(pilot, lambda: bool(app.view.operation_spans) and settled(app))
            await until(
                pilot, lambda: rows(app) == 4
            )  # started, failed; the child's started, succeeded
            assert "operation Deploy bookinfo" in str(app.query_one("#filter-bar").render())
    finally:
        emitter.close()


async def test_acks_say_how_many_occurrences_and_new_rows_above_are_counted(hub, tmp_path):
    post(hub.url, [event(n, source=f"urn:s{n}") for n in range(1, 60)])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: settled(app) and rows(app) == 59)
        await pilot.press("a")
        await until(pilot, lambda: any("acknowledged 1 occurrence" in t for t in toasts(app)))
        await pilot.press(*"j" * 30)
        await until(pilot, lambda: app.center.events.scroll_offset.y > 0)
        post(hub.url, [event(100 + n, source=f"urn:late{n}") for n in range(3)])
        await until(pilot, lambda: app.query_one(HeaderBar).new_above == 3)
        assert header_text(app, "new") == "↑ 3 new"
        assert app.store.counts()[Bucket.ERRORS].total == 62


async def test_a_backlog_longer_than_the_first_page_is_counted_whole(hub, tmp_path):
    post(hub.url, [event(1, "INFO")])
    app = make_app(hub.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(HeaderBar)
        await until(pilot, lambda: rows(app) == 1 and header.status == "live" and idle(app))
    post(
        hub.url,
        [
            event(n, "ERROR" if n % 10 == 0 else "NOTICE", source=f"urn:s{n % 7}")
            for n in range(2, 1502)
        ],
    )
    again = make_app(hub.url, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: again.store.event_count == 1501 and idle(again), timeout=30)
        assert toasts(again) == ["Backlog|while away: 1,500 events, 150 errors"]
