"""The owner in the notification center's parts: the list row, the detail, the quick
filter and the store's selection of `owner:me`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifycenter.catalogue.filters import INVALID_QUICK_FILTER
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import quick_filter
from notifycenter.model.lifecycle import Status, Verb, format_time, lifecycle_event
from notifycenter.store import EventStore
from notifycenter.tui.detail_model import build_detail
from notifycenter.tui.expiry_notice import expired_ack_notices
from notifycenter.tui.rows import WIDE, RowStyles, columns_for, render_row
from notifycenter.tui.view_state import ViewState

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SOURCE = "urn:meshery:adapter:istio"


def _event(n: int) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": f"e{n}",
        "source": SOURCE,
        "type": "io.meshery.provisioning",
        "severitytext": "ERROR",
        "severitynumber": 17,
        "time": format_time(NOW),
        "cursor": f"{n:016d}",
        "data": {"summary": f"failure {n}"},
    }


def _change(
    verb: Verb, n: int, cursor: int, actor: str, to: str | None = None
) -> dict[str, object]:
    event = lifecycle_event(
        verb,
        SOURCE,
        f"e{n}",
        actor=actor,
        hub_source="urn:hub",
        event_id=f"l{cursor}",
        at=format_time(NOW),
        to=to,
    )
    return {**event, "cursor": f"{cursor:016d}"}


@pytest.fixture
def store() -> EventStore:
    held = EventStore(clock=lambda: NOW)
    held.add([_event(1), _event(2), _event(3)])
    held.add([_change(Verb.ACK, 1, 4, "alice"), _change(Verb.TAKE, 1, 5, "alice")])
    held.add([_change(Verb.ASSIGN, 2, 6, "alice", to="bo\x1b[31mb")])
    return held


def _ids(store: EventStore, text: str) -> list[str]:
    return [store.event(row)["id"] for row in store.select(ViewState().with_quick(text).query())]


def test_owner_me_follows_the_user_the_store_is_logged_in_as(store: EventStore) -> None:
    store.user = "alice"
    assert _ids(store, "owner:me") == ["e1"]
    assert _ids(store, "owner:none") == ["e3"]
    assert _ids(store, "owner:alice failure") == ["e1"]
    store.user = "bob"
    assert _ids(store, "owner:me") == []
    store.add([_change(Verb.RELEASE, 1, 7, "bob")])
    assert _ids(store, "owner:none") == ["e3", "e1"]


def test_owner_tokens_are_checked() -> None:
    assert quick_filter("owner:me src:istio").owner == "me"
    assert quick_filter("src:istio").owner is None
    for bad in ("-owner:alice", "owner>alice"):
        with pytest.raises(NotifyError) as refused:
            quick_filter(bad)
        assert refused.value.code == INVALID_QUICK_FILTER.code


def test_a_wide_list_shows_the_owner_column_with_inert_text(store: EventStore) -> None:
    def line(row_id: int, width: int) -> str:
        view = store.row(row_id)
        return render_row(
            view, columns_for(width), RowStyles(), highlighted=False, now=NOW, tz=UTC
        ).text

    first, second = store.find("1"), store.find("2")
    assert first is not None and second is not None
    assert store.row(first).owner == "alice"
    assert "@alice" in line(first, WIDE) and "@alice" not in line(first, WIDE - 1)
    assert "\x1b" not in line(second, WIDE) and "@bo" in line(second, WIDE)
    assert len(line(first, WIDE)) == WIDE


def test_the_detail_names_the_owner_and_whom_an_assign_named(store: EventStore) -> None:
    row = store.find("2")
    assert row is not None
    view = build_detail(store.event(row), store.history(row), "acknowledged", now=NOW, tz=UTC)
    fields = dict(view.fields)
    assert fields["owner"].startswith("bo") and "\x1b" not in fields["owner"]
    assert view.history[-1].verb.startswith("assign to bo")
    released = build_detail(
        store.event(row), [*store.history(row), _change(Verb.RELEASE, 2, 9, "bob")], now=NOW
    )
    assert "owner" not in dict(released.fields)


def _expiry(n: int, cursor: int) -> dict[str, object]:
    event = lifecycle_event(
        Verb.UNACK,
        SOURCE,
        f"e{n}",
        actor="notifycenter",
        hub_source="urn:hub",
        event_id=f"l{cursor}",
        at=format_time(NOW),
        comment="ack expired",
    )
    return {**event, "cursor": f"{cursor:016d}"}


def test_the_user_whose_ack_expired_gets_one_notice(store: EventStore) -> None:
    store.add([_change(Verb.ACK, 3, 7, "carol")])
    expiries = [_expiry(1, 8), _expiry(3, 9)]
    store.user = "alice"  # acked and owns e1
    (notice,) = expired_ack_notices(store, expiries)
    assert notice.title == "Ack expired" and '"failure 1"' in notice.message
    store.user = "bob"  # owns e2, whose ack did not expire; acked nothing
    assert expired_ack_notices(store, expiries) == []
    store.user = "carol"
    assert "failure 3" in expired_ack_notices(store, expiries)[0].message
    # An unack by a person is no expiry.
    store.user = "alice"
    assert expired_ack_notices(store, [_change(Verb.UNACK, 1, 10, "bob")]) == []
    store.add(expiries)
    row = store.find("1")
    assert row is not None and store.row(row).status is Status.READ
