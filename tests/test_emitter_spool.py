"""The spool on its own: order, acknowledgement, crash leftovers and ownership."""

from __future__ import annotations

from pathlib import Path

from notifycenter.client.spool import Spool, spool_name_for


def lines(*names: str) -> list[bytes]:
    return [f'{{"id": "{name}"}}'.encode() for name in names]


def test_appended_lines_come_back_in_order_until_committed(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path, "p")
    spool.append(lines("a", "b", "c"))
    batch = spool.peek(2, 1 << 20)
    assert batch.lines == lines("a", "b") and spool.count == 3
    spool.commit(batch)
    assert spool.peek(10, 1 << 20).lines == lines("c")
    spool.commit(spool.peek(10, 1 << 20))
    assert spool.count == 0 and spool.peek(10, 1 << 20).lines == []
    spool.append(lines("d"))
    assert spool.peek(10, 1 << 20).lines == lines("d")


def test_partial_commit_keeps_the_rest(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path, "p")
    spool.append(lines("a", "b", "c"))
    spool.commit(spool.peek(3, 1 << 20), 1)
    assert spool.peek(3, 1 << 20).lines == lines("b", "c") and spool.count == 2


def test_a_new_owner_replays_what_was_not_acknowledged(tmp_path: Path) -> None:
    first = Spool.open(tmp_path, "p")
    first.append(lines("a", "b", "c"))
    first.commit(first.peek(1, 1 << 20))
    first.close()
    second = Spool.open(tmp_path, "p")
    assert second.folder == first.folder and second.count == 2
    assert second.peek(10, 1 << 20).lines == lines("b", "c")


def test_a_line_torn_by_a_crash_is_dropped(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path, "p")
    spool.append(lines("a"))
    spool.close()
    with (tmp_path / "p" / "events.ndjson").open("ab") as out:
        out.write(b'{"id": "tor')
    again = Spool.open(tmp_path, "p")
    assert again.count == 1 and again.peek(10, 1 << 20).lines == lines("a")


def test_a_spool_in_use_is_not_shared(tmp_path: Path) -> None:
    owner = Spool.open(tmp_path, "p")
    other = Spool.open(tmp_path, "p")
    assert other.folder.name == "p.1" and owner.folder.name == "p"
    other.close()
    owner.close()


def test_peek_respects_the_size_limit_but_returns_at_least_one(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path, "p")
    spool.append(lines("aaaa", "bbbb"))
    assert len(spool.peek(10, 5).lines) == 1


def test_spool_names_are_safe_folder_names() -> None:
    assert spool_name_for("urn:meshery:adapter:istio") == "urn_meshery_adapter_istio"
    assert spool_name_for("../../etc") == "etc"
    assert spool_name_for("///") == "default"
