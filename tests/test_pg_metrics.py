"""`/metrics` on PostgreSQL: the log's size is the database's, not an absent SQLite file's."""

from __future__ import annotations

import re

import psycopg

from tests import httpclient as http
from tests.conftest import HubFactory
from tests.hubprocess import make_event, post_batch
from tests.waiting import wait_until


def log_size(url: str) -> float:
    text = http.get(url + "/metrics").text
    found = re.search(r"^notifycenter_log_size_bytes (\S+)$", text, re.MULTILINE)
    assert found, text
    return float(found.group(1))


def test_metrics_report_the_postgresql_database_size(
    hub_factory: HubFactory, pg_database: str
) -> None:
    hub = hub_factory(database=pg_database)
    assert post_batch(hub.url, [make_event(n) for n in range(50)]).status_code == 202
    with psycopg.connect(pg_database) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    assert row is not None
    actual = float(row[0])
    # The figure is read behind scrapes (never on the event loop): it settles at once.
    shown = wait_until(
        lambda: (size := log_size(hub.url)) > 0 and size, timeout=10, what="a database size"
    )
    assert actual / 2 < shown < actual * 2
