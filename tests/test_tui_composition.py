"""The app before its screen is up and after it is gone: state set early is shown, late
work finds nothing to break."""

from __future__ import annotations

from notifycenter.model.severity import Bucket
from notifycenter.tui.widgets.buckets import BucketCounter
from tests.hubprocess import free_port
from tests.test_tui_helpers import make_app, until

SIZE = (100, 30)


async def test_a_view_chosen_before_the_screen_is_up_is_shown_once_it_is(tmp_path):
    app = make_app(f"http://127.0.0.1:{free_port()}", tmp_path)
    assert not app.center.alive
    app.action_bucket("errors")  # used to raise: the "not mounted yet" check never fired
    app.on_resize()
    assert app.check_action("ack", ()) is None  # nothing highlighted yet: greyed out
    async with app.run_test(size=SIZE) as pilot:
        errors = app.query_one("#bucket-errors", BucketCounter)
        await until(pilot, lambda: errors.has_class("-selected"))
        assert app.view.bucket is Bucket.ERRORS


async def test_a_view_change_after_the_app_closed_is_ignored(tmp_path):
    app = make_app(f"http://127.0.0.1:{free_port()}", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.center.alive)
    assert not app.center.alive
    app.action_errors_only()  # a worker finishing late must not raise
    assert app.view.errors_only and app.highlighted_row is None
