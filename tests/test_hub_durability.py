"""An answered event survives `kill -9`: every accepted event is there, in order, once."""

from __future__ import annotations

import threading

from tests import httpclient
from tests.hubprocess import BATCH, HubProcess, make_event


def test_every_accepted_event_survives_kill_9_in_order_once(process_hub: HubProcess) -> None:
    hub = process_hub
    accepted: dict[str, str] = {}  # cursor -> id, from 202 answers only
    lock = threading.Lock()

    def producer(worker: int) -> None:
        with httpclient.sync_client(base_url=hub.url, timeout=10) as client:
            for n in range(60):
                events = [make_event(f"{worker}-{n}-{k}") for k in range(5)]
                response = client.post("/api/events", json=events, headers={"content-type": BATCH})
                assert response.status_code == 202
                with lock:
                    accepted.update(
                        zip(response.json()["cursors"], (e["id"] for e in events), strict=False)
                    )

    threads = [threading.Thread(target=producer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hub.kill()  # right after the last 202: no graceful shutdown, no checkpoint
    hub.start()

    stored: list[dict] = []
    before = None
    for _page in range(10):  # 1,200 events in pages of 1,000
        params = {"limit": "1000", **({"before": before} if before else {})}
        page = httpclient.get(hub.url + "/api/events", params=params).json()
        stored += page["items"]
        before = page["next"]
        if before is None:
            break
    else:
        raise AssertionError("the listing never ended")
    cursors = [item["cursor"] for item in reversed(stored)]
    assert len(accepted) == 4 * 60 * 5
    assert cursors == sorted(accepted)  # in order, each once, nothing missing or extra
    assert {item["cursor"]: item["event"]["id"] for item in stored} == accepted
