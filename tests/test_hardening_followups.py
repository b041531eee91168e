"""Hardening follow-ups: operation numbers, plug-in authorisation, filters compiled off the
event loop, the spool warning, and the list text search agreeing with the hub's q=."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

with warnings.catch_warnings():  # Starlette's notice about httpx2, at import: not our concern
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from notifycenter.catalogue import hub as hub_codes
from notifycenter.hub.app import create_app
from notifycenter.hub.auth import Permission
from notifycenter.hub.hubstate import Hub
from notifycenter.hub.responses import answer
from notifycenter.hub.settings import HubSettings, Role, Token
from notifycenter.model.lifecycle import format_time
from notifycenter.model.operations import Phase, fold_events, operation_view
from tests import httpclient

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
OP = "00f067aa0ba902b7"


def _op_event(phase: str, at: float, operation: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"e-{phase}-{at}",
        "source": "urn:x",
        "type": f"io.meshery.operation.{phase}",
        "time": format_time(T0 + timedelta(seconds=at)),
        "data": {"summary": phase, "operation": {"id": OP, "name": "op", **operation}},
    }


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "Infinity", float("inf"), 10**400])
def test_operation_done_and_total_ignore_non_finite_numbers(bad: object) -> None:
    index = fold_events(
        [
            _op_event(Phase.STARTED.value, 0, {"total": 4}),
            _op_event(Phase.PROGRESS.value, 5, {"done": 1}),
            _op_event(Phase.PROGRESS.value, 9, {"done": bad, "total": bad}),
        ]
    )
    record = index.get(OP)
    assert record is not None
    view = operation_view(record, T0 + timedelta(seconds=10))
    assert (view["done"], view["total"]) == (1, 4)
    assert view["progress"] == 0.25


VIEWER = "viewer-secret-1"
PROBE = "/api/followups-probe"


class _NoProjection:
    """A plug-in with no table of its own."""

    def create(self, conn: Any) -> None:
        pass

    def apply(self, conn: Any, entries: Any) -> None:
        pass


def projection() -> _NoProjection:
    """This module is also a hub plug-in, authorising its route with `hub.require`."""
    return _NoProjection()


def routes(hub: Hub) -> list[Route]:
    async def probe(request: Request) -> Response:
        return answer({"user": hub.require(request, Permission.READ).user})

    return [Route(PROBE, probe, methods=["GET"])]


def _secured_app(tmp_path: Any, plugins: tuple[str, ...]) -> TestClient:
    settings = HubSettings(
        data_dir=tmp_path, bind="127.0.0.1:0", tokens={VIEWER: Token("val", Role.VIEWER)}
    )
    return TestClient(create_app(settings, plugins))


def _codes(client: TestClient, path: str, secrets: list[str]) -> list[tuple[int, str | None]]:
    answers = [client.get(path, headers={"authorization": f"Bearer {s}"}) for s in secrets]
    return [(r.status_code, r.json().get("code")) for r in answers]


UNAUTH, THROTTLED = hub_codes.UNAUTHENTICATED.code, hub_codes.TOO_MANY_FAILED_LOGINS.code


def test_wrong_tokens_on_api_operations_are_throttled(tmp_path: Any) -> None:
    with _secured_app(tmp_path, ("notifycenter.hub.operations",)) as client:
        guesses = _codes(client, "/api/operations", [f"guess-{n}" for n in range(6)])
        assert guesses == [(401, UNAUTH)] * 5 + [(429, THROTTLED)]
        assert _codes(client, "/api/operations", [VIEWER]) == [(429, THROTTLED)]


def test_a_plugin_route_authorised_by_hub_require_is_throttled_and_counted(
    tmp_path: Any,
) -> None:
    with _secured_app(tmp_path, (__name__,)) as client:
        assert client.get(PROBE, headers={"authorization": f"Bearer {VIEWER}"}).json() == {
            "user": "val"
        }
        guesses = _codes(client, PROBE, [f"guess-{n}" for n in range(6)])
        assert guesses == [(401, UNAUTH)] * 5 + [(429, THROTTLED)]
        assert _codes(client, PROBE, [VIEWER]) == [(429, THROTTLED)]
        metrics = client.get("/metrics").text
    assert f'notifycenter_auth_refused_total{{code="{UNAUTH}"}} 5.0' in metrics
    assert f'notifycenter_auth_refused_total{{code="{THROTTLED}"}} 2.0' in metrics


def test_run_says_the_spooled_events_wait_for_the_same_source_and_hub(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from notifycenter.commands import run

    class _Refused:
        server, source, spool_path = "http://hub-a:8080", "urn:job", "/spool/hub-a"

        def close(self, timeout: float) -> bool:
            return False

    run._close(_Refused())  # type: ignore[arg-type]
    said = " ".join(capsys.readouterr().err.split())
    assert "with source urn:job and hub http://hub-a:8080" in said


# Close to the largest chain accepted (notifycenter-1318): about 0.7 s to compile.
HUGE_FILTER = " OR ".join(["s='x'"] * 1800)


def test_healthz_answers_promptly_while_huge_filters_compile(hub: Any) -> None:
    import threading
    import time

    statuses: list[int] = []

    def listing() -> None:
        with httpclient.sync_client(base_url=hub.url, timeout=60) as client:
            statuses.append(client.get("/api/events", params={"filter": HUGE_FILTER}).status_code)

    # Four at once: about 3 s of compiling, which the event loop used to do itself.
    listings = [threading.Thread(target=listing) for _ in range(4)]
    for thread in listings:
        thread.start()
    slowest, deadline = 0.0, time.monotonic() + 60
    with httpclient.sync_client(base_url=hub.url, timeout=60) as probe:
        while any(t.is_alive() for t in listings) and time.monotonic() < deadline:
            began = time.monotonic()
            assert probe.get("/healthz").status_code == 200
            slowest = max(slowest, time.monotonic() - began)
    for thread in listings:
        thread.join(60)
    assert statuses == [200] * 4
    assert slowest < 2.0, f"/healthz took {slowest:.1f} s while filters compiled"


def _stored(n: int, details: str | None, subject: str = "pod/a") -> dict[str, Any]:
    data: dict[str, Any] = {"summary": "Deploy failed"}
    if details is not None:
        data["details"] = details
    return {
        "specversion": "1.0",
        "id": f"ev-{n}",
        "source": "urn:x",
        "type": "io.x.deploy",
        "subject": subject,
        "time": format_time(T0 + timedelta(seconds=n)),
        "cursor": f"{n:016d}",
        "data": data,
    }


def test_the_list_text_search_finds_words_only_in_details_or_subject() -> None:
    from notifycenter.store import EventStore, ViewQuery

    store = EventStore()
    store.add([_stored(1, "Quota EXCEEDED\nin ns-7"), _stored(2, None, subject="Gateway/Edge")])
    found = {
        w: [store.event(r)["id"] for r in store.select(ViewQuery(text=w))]
        for w in (
            "exceeded\nin",
            "gateway/e",
            "deploy failed",
            "nowhere",
        )
    }
    assert found == {
        "exceeded\nin": ["ev-1"],
        "gateway/e": ["ev-2"],
        "deploy failed": ["ev-2", "ev-1"],
        "nowhere": [],
    }


def test_a_repeat_with_other_details_is_found_by_its_newest_details() -> None:
    from notifycenter.store import EventStore, ViewQuery

    store = EventStore()
    store.add([_stored(1, "first attempt"), _stored(2, "second attempt")])
    assert len(store) == 1  # one row, two occurrences

    def hits(word: str) -> int:
        return len(store.select(ViewQuery(text=word)))

    assert (hits("second"), hits("first")) == (1, 0)
    store.add([_stored(3, "first attempt")])
    assert (hits("second"), hits("first")) == (0, 1)


def test_details_are_searched_across_many_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from notifycenter.store import details

    monkeypatch.setattr(details, "CHUNK_BYTES", 64)
    column = details.DetailsColumn()
    for row in range(0, 300, 3):
        column.add(row, details.searchable(f"Step {row} done"))
    column.replace(9, "step 9 undone")
    column.replace(12, "step 12 done")  # the same again: nothing kept apart
    mask = column.mask_containing("STEP 2", 300)
    assert [r for r, hit in enumerate(mask) if hit] == [
        r for r in range(0, 300, 3) if str(r).startswith("2")
    ]
    assert [r for r, hit in enumerate(column.mask_containing("undone", 300)) if hit] == [9]
    assert column._latest == {9: "step 9 undone"}


def test_hub_settings_take_the_config_files_hub_table_as_the_schema_reads_it(
    isolated_environment: Any,
) -> None:
    from notifycenter.hub.config import resolve_settings

    (isolated_environment / "config.toml").write_text(
        '[hub]\nalertmanager-url = "http://alertmanager:9093/"\naccept-json = true\n'
        'stall-after = "15m"\n'
    )
    from_file = resolve_settings()
    # The schema's form of the URL: silences are posted to <url>/api/v2/silences.
    assert from_file.alertmanager_url == "http://alertmanager:9093"
    assert from_file.accept_json is True
    assert from_file.stall_after == timedelta(minutes=15)
    overridden = resolve_settings(accept_json=False, alertmanager_url="http://am:1")
    assert (overridden.accept_json, overridden.alertmanager_url) == (False, "http://am:1")
