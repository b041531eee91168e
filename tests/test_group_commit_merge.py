"""Plain appends queued together share one insert: same answers as one by one, on both
backends, and a request that fails takes only itself down."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from notifycenter.catalogue import hub as codes
from notifycenter.hub.log import AppendResult, StoredEntry
from notifycenter.hub.projection import EventIndex
from notifycenter.hub.sqlconn import SqlConnection
from notifycenter.model.errors import NotifyError
from notifycenter.model.event import validate_event
from tests import test_group_commit
from tests.hubprocess import make_event
from tests.test_group_commit import DEADLINE, Log, MakeLog

BAD = "evt-bad"
make_log = test_group_commit.make_log  # the fixture: each test runs on both stores


def one(name: int | str) -> list[dict[str, Any]]:
    return [validate_event(make_event(name)) | {"time": "2026-11-28T09:00:00.000Z"}]


def cursor(seq: int) -> str:
    return f"{seq:016d}"


class Picky:
    """A projection that fails on `evt-bad`: in its stamp, or in a statement of its apply."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.batches: list[list[int]] = []

    def create(self, conn: SqlConnection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS picky (seq BIGINT PRIMARY KEY)")

    def stamp(self, conn: SqlConnection, events: Sequence[dict[str, Any]]) -> None:
        if self.where == "stamp" and any(e["id"] == BAD for e in events):
            raise codes.INVALID_QUERY.error("the stamp refuses evt-bad")

    def apply(self, conn: SqlConnection, entries: Sequence[StoredEntry]) -> None:
        rows = [(e.seq,) for e in entries]
        if self.where == "apply" and any(e.event["id"] == BAD for e in entries):
            rows.append(rows[0])  # a primary-key violation: the database refuses the batch
        try:
            conn.executemany("INSERT INTO picky (seq) VALUES (?)", rows)
        except Exception as exc:
            raise codes.INVALID_QUERY.error(f"the projection refuses evt-bad: {exc}") from None
        self.batches.append([e.seq for e in entries])


async def stored(log: Log) -> list[tuple[int, str, str | None]]:
    found = await log.read(
        lambda conn: conn.execute("SELECT seq, id, actor FROM log ORDER BY seq").fetchall()
    )
    return [(row[0], row[1], row[2]) for row in found]


@pytest.mark.parametrize("where", ["stamp", "apply"])
async def test_eight_single_posts_with_a_duplicate_and_a_bad_one(
    make_log: MakeLog, where: str
) -> None:
    picky = Picky(where)
    log = make_log([EventIndex(), picky])
    await log.open()
    try:
        await asyncio.wait_for(log.append(one(0), "warm-up"), DEADLINE)
        before = log.commits
        names: list[int | str] = [1, 2, 0, 3, "bad", 4, 2, 5]  # 0: stored; 2: twice here
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(log.append(one(n), f"user-{i}") for i, n in enumerate(names)),
                return_exceptions=True,
            ),
            DEADLINE,
        )
        assert log.commits == before + 1  # one group, one durable commit
        bad = answers[4]
        assert isinstance(bad, NotifyError) and bad.code == codes.INVALID_QUERY.code
        good = [a for i, a in enumerate(answers) if i != 4]
        assert all(isinstance(a, AppendResult) for a in good)
        assert [a.cursors for a in good if isinstance(a, AppendResult)] == [
            [cursor(2)],
            [cursor(3)],
            [cursor(1)],  # the first copy's cursor
            [cursor(4)],
            [cursor(5)],
            [cursor(3)],
            [cursor(6)],
        ]
        assert [a.duplicates for a in good if isinstance(a, AppendResult)] == [0, 0, 1, 0, 0, 1, 0]
        assert await stored(log) == [
            (1, "evt-0", "warm-up"),
            (2, "evt-1", "user-0"),
            (3, "evt-2", "user-1"),
            (4, "evt-3", "user-3"),
            (5, "evt-4", "user-5"),
            (6, "evt-5", "user-7"),
        ]
        assert sorted(s for batch in picky.batches for s in batch) == [1, 2, 3, 4, 5, 6]
        after = await asyncio.wait_for(log.append(one(6)), DEADLINE)
        assert after.cursors == [cursor(7)]  # no gap where the bad one was
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)


async def test_single_posts_queued_together_are_stored_as_one_batch(make_log: MakeLog) -> None:
    picky = Picky("nowhere")
    log = make_log([EventIndex(), picky])
    await log.open()
    try:
        await asyncio.wait_for(log.append(one(0)), DEADLINE)
        answers = await asyncio.wait_for(
            asyncio.gather(*(log.append(one(n), f"user-{n}") for n in range(1, 9))), DEADLINE
        )
        assert [a.cursors for a in answers] == [[cursor(n)] for n in range(2, 10)]
        assert picky.batches[-1] == list(range(2, 10))  # one insert, one projection pass
        assert [row[2] for row in await stored(log)][1:] == [f"user-{n}" for n in range(1, 9)]
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)


async def test_a_lifecycle_change_between_appends_keeps_its_place(make_log: MakeLog) -> None:
    log = make_log([EventIndex()])
    await log.open()
    try:
        order: list[str] = []

        def between(txn: Any) -> None:
            order.append(f"job after {txn.log._next_seq - 1}")

        first, _, last = await asyncio.wait_for(
            asyncio.gather(log.append(one(1)), log.write(between), log.append(one(2))), DEADLINE
        )
        assert first.cursors == [cursor(1)] and last.cursors == [cursor(2)]
        assert order == ["job after 1"]  # the write ran after the first append, before the second
    finally:
        await asyncio.wait_for(log.close(), DEADLINE)
