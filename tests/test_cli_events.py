"""`notifycenter events …` against a real hub: list, show, tail, lifecycle verbs, errors,
and untrusted text that must reach the terminal inert."""

from __future__ import annotations

import asyncio
import json
import queue
import re
import subprocess
import sys
import threading

import click
from click.testing import CliRunner, Result

from notifycenter.cli import main
from notifycenter.client import HubClient
from notifycenter.client.builder import build_event
from tests.clirun import notifycenter
from tests.hubprocess import Hub, free_port

SOURCE = "urn:meshery:adapter:istio"
HOSTILE = "Pwned \x1b]52;c;aGVsbG8=\x07 \u202eevil [/x] [@click=app.quit] end"
TERMINAL_CONTROLS = ("\x1b", "\x07", "\u202e", "\x9b")


def cli(hub: Hub, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--server", hub.url, *args], input=input, catch_exceptions=False
    )


def emit(hub: Hub, *events: dict) -> list[str]:
    async def send() -> list[str]:
        async with HubClient(hub.url) as client:
            return (await client.emit_batch(events))["cursors"]

    return asyncio.run(send())


def error_event(summary: str = "Could not provision Istio", **fields: object) -> dict:
    return build_event(
        **{
            "type": "io.meshery.provisioning",
            "source": SOURCE,
            "severity": "error",
            "summary": summary,
            **fields,
        }
    )


def test_list_as_a_table_and_as_json(hub: Hub) -> None:
    emit(hub, error_event(), build_event(type="io.meshery.info", source=SOURCE, summary="All good"))
    table = cli(hub, "events", "list")
    assert table.exit_code == 0
    header, *rows = table.output.splitlines()
    assert header.split() == [
        "CURSOR",
        "TIME",
        "SEVERITY",
        "STATUS",
        "SOURCE",
        "TYPE",
        "SUMMARY",
    ]  # no one acked
    assert "All good" in rows[0] and "Could not provision Istio" in rows[1] and "unread" in rows[1]
    records = json.loads(cli(hub, "-o", "json", "events", "list", "--severity", "warn").output)
    assert len(records) == 1
    assert set(records[0]) == {
        "event",
        "cursor",
        "bucket",
        "status",
        "acknowledged_by",
        "acknowledged_at",
        "comment",
        "until",
        "owner",
    }
    assert records[0]["bucket"] == "errors"
    assert records[0]["event"]["data"]["summary"] == "Could not provision Istio"


def test_ack_with_comment_and_until_shows_who_acked(hub: Hub) -> None:
    [cursor] = emit(hub, error_event())
    acked = cli(hub, "events", "ack", cursor, "--comment", "on it", "--until", "2h")
    assert acked.exit_code == 0 and "acknowledged 1 notification" in acked.output
    table = cli(hub, "events", "list", "--status", "acknowledged")
    assert "anonymous" in table.output and "acknowledged" in table.output
    [record] = json.loads(cli(hub, "-o", "json", "events", "list").output)
    assert (record["status"], record["acknowledged_by"], record["comment"]) == (
        "acknowledged",
        "anonymous",
        "on it",
    )
    assert record["until"] > record["acknowledged_at"]
    assert cli(hub, "events", "list", "--status", "unacked").output.strip() == "No events."
    shown = cli(hub, "events", "show", cursor).output
    assert "acknowledged by anonymous until" in shown and ": on it" in shown


def test_show_numbers_the_remediation(hub: Hub) -> None:
    [cursor] = emit(
        hub,
        error_event(
            code="meshery-istio-1002",
            causes=["istioctl is missing"],
            remedies=["Install istioctl", "Add it to PATH"],
        ),
    )
    shown = cli(hub, "events", "show", cursor).output
    assert "1. Install istioctl" in shown and "2. Add it to PATH" in shown
    assert "meshery-istio-1002" in shown and "istioctl is missing" in shown


def test_an_ambiguous_id_is_refused_and_source_hash_id_is_not(hub: Hub) -> None:
    emit(hub, error_event(id="dup"), error_event(id="dup", source="urn:meshery:adapter:linkerd"))
    ambiguous = cli(hub, "events", "ack", "dup")
    assert ambiguous.exit_code == 1 and "Error notifycenter-" in ambiguous.output
    precise = cli(hub, "events", "ack", f"{SOURCE}#dup")
    assert precise.exit_code == 0 and "acknowledged 1" in precise.output


def test_a_bad_until_is_a_usage_error(hub: Hub) -> None:
    result = cli(hub, "events", "ack", "1", "--until", "two hours")
    assert result.exit_code == 2 and "notifycenter-1212" in result.output


def test_tail_json_is_ndjson_with_lifecycle_events(hub: Hub) -> None:
    [cursor] = emit(hub, error_event())
    cli(hub, "events", "ack", cursor, "--comment", "looking")
    lines = cli(hub, "-o", "json", "events", "tail").output.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["type"] for e in events] == ["io.meshery.provisioning", "io.meshery.notification.ack"]
    assert events[1]["data"]["comment"] == "looking"
    since = cli(hub, "-o", "json", "events", "tail", "--since", cursor).output.splitlines()
    assert [json.loads(line)["type"] for line in since] == ["io.meshery.notification.ack"]


def test_untrusted_text_reaches_the_terminal_inert(hub: Hub) -> None:
    emit(hub, error_event(HOSTILE, details=HOSTILE))
    for args in (("events", "list"), ("events", "tail"), ("events", "show", "1")):
        output = cli(hub, *args).output
        assert not any(ch in output for ch in TERMINAL_CONTROLS), args
        assert "[/x] [@click=app.quit]" in output, args
    [record] = json.loads(cli(hub, "-o", "json", "events", "list").output)
    assert record["event"]["data"]["summary"] == HOSTILE  # JSON keeps the original, escaped


def test_unreachable_hub_exits_1_with_a_catalogued_code() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = notifycenter("--server", url, "events", "list")
    assert done.returncode == 1
    assert (
        "Error notifycenter-1207" in done.stderr
        and url in done.stderr
        and "remediation 1:" in done.stderr
    )


def test_tail_follow_prints_new_events_as_they_arrive(hub: Hub) -> None:
    [first] = emit(hub, error_event("before"))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notifycenter",
            "--server",
            hub.url,
            "-o",
            "json",
            "events",
            "tail",
            "-f",
            "--since",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        errors, output = lines_of(process.stderr), lines_of(process.stdout)
        assert errors.get(timeout=30).startswith("-- live")
        assert json.loads(output.get(timeout=30))["cursor"] == first
        emit(hub, error_event(HOSTILE))
        event = json.loads(output.get(timeout=30))
        assert event["data"]["summary"] == HOSTILE and int(event["cursor"]) > int(first)
        emit(hub, error_event("marker"))
        assert json.loads(output.get(timeout=30))["data"]["summary"] == "marker"  # nothing twice
    finally:
        process.terminate()
        process.wait(10)


def lines_of(stream) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def test_list_filters_combine(hub: Hub) -> None:
    emit(
        hub,
        error_event("Istio failed"),
        build_event(
            type="io.meshery.mesh",
            source="urn:meshery:adapter:linkerd",
            severity="warning",
            summary="Linkerd is slow",
        ),
        build_event(
            type="io.meshery.user.login", source="urn:meshery:server", summary="alice signed in"
        ),
    )

    def summaries(*args: str) -> list[str]:
        result = cli(hub, "-o", "json", "events", "list", *args)
        assert result.exit_code == 0, result.output
        return [r["event"]["data"]["summary"] for r in json.loads(result.output)]

    assert summaries("--source", "urn:meshery:adapter:") == ["Linkerd is slow", "Istio failed"]
    assert summaries("--bucket", "warnings", "--bucket", "errors", "--severity", "error") == [
        "Istio failed"
    ]
    assert summaries("--search", "SIGNED") == ["alice signed in"]
    assert summaries("--filter", "source = 'urn:meshery:server'") == ["alice signed in"]
    assert summaries("--type", "io.meshery.mesh", "--limit", "1") == ["Linkerd is slow"]
    bad = cli(hub, "events", "list", "--filter", "source = ")
    assert bad.exit_code == 1 and "Error notifycenter-13" in bad.output


def test_lifecycle_by_filter_changes_every_match_and_only_those(hub: Hub) -> None:
    emit(
        hub,
        error_event("one"),
        error_event("two"),
        build_event(
            type="io.meshery.mesh",
            source="urn:meshery:adapter:linkerd",
            severity="error",
            summary="other",
        ),
    )
    acked = cli(
        hub, "events", "ack", "--source", SOURCE, "--status", "unacked", "--comment", "bulk"
    )
    assert acked.exit_code == 0 and "acknowledged 2 notifications" in acked.output
    records = json.loads(cli(hub, "-o", "json", "events", "list").output)
    by_summary = {r["event"]["data"]["summary"]: (r["status"], r["comment"]) for r in records}
    assert by_summary == {
        "one": ("acknowledged", "bulk"),
        "two": ("acknowledged", "bulk"),
        "other": ("unread", None),
    }
    neither = cli(hub, "events", "resolve")
    both = cli(hub, "events", "resolve", "1", "--source", SOURCE)
    assert neither.exit_code == both.exit_code == 2 and "notifycenter-1211" in neither.output


def test_tail_prints_archived_events_too_in_log_order(hub: Hub) -> None:
    cursors = emit(hub, error_event("first"), error_event("second"), error_event("third"))
    assert cli(hub, "events", "archive", cursors[1]).exit_code == 0
    whole = [
        json.loads(line)
        for line in cli(hub, "-o", "json", "events", "tail", "--since", "0").output.splitlines()
    ]
    assert [e["cursor"] for e in whole] == sorted(e["cursor"] for e in whole)
    assert [e.get("data", {}).get("summary") for e in whole[:3]] == ["first", "second", "third"]
    assert whole[3]["type"] == "io.meshery.notification.archive" and len(whole) == 4
    last = [
        json.loads(line)
        for line in cli(hub, "events", "tail", "-n", "3", "-o", "json").output.splitlines()
    ]
    assert [e["cursor"] for e in last] == [
        e["cursor"] for e in whole[1:]
    ]  # the archived one included


USAGE_ERRORS = [
    ("events", "list", "--bucket", "bogus"),
    ("events", "list", "--severity", "bogus"),
    ("ops", "list", "--state", "bogus"),
    ("events", "ack", "1", "--until", "banana"),
    ("events", "lsit"),
    ("events", "show"),
    ("-o", "xml", "events", "list"),
    ("ops", "watch", "abc", "--timeout", "soon"),
]


def test_every_usage_error_exits_2_with_code_cause_and_remediation(hub: Hub) -> None:
    for args in USAGE_ERRORS:
        result = cli(hub, *args)
        assert result.exit_code == 2, args
        assert "Error notifycenter-12" in result.output, args
        assert "probable cause:" in result.output and "remediation 1:" in result.output, args
    severity = cli(hub, "events", "list", "--severity", "bogus").output
    assert (
        "notifycenter-1109" not in severity and "is not a severity" in severity
    )  # refused before the hub


def test_output_option_after_the_subcommand(hub: Hub) -> None:
    [cursor] = emit(hub, error_event())
    assert json.loads(cli(hub, "events", "list", "-o", "json").output)[0]["cursor"] == cursor
    assert (
        json.loads(cli(hub, "events", "show", cursor, "--output", "json").output)["cursor"]
        == cursor
    )
    assert json.loads(cli(hub, "events", "tail", "-o", "json").output)["cursor"] == cursor
    assert json.loads(cli(hub, "events", "ack", cursor, "-o", "json").output)["changed"] == 1
    sent = cli(hub, "emit", "--type", "io.meshery.test", "--source", SOURCE, "-o", "json")
    assert json.loads(sent.output)["accepted"] == 1


def test_unknown_and_ambiguous_refs_get_command_line_advice(hub: Hub) -> None:
    emit(hub, error_event(id="dup"), error_event(id="dup", source="urn:meshery:adapter:linkerd"))
    ambiguous = cli(hub, "events", "show", "dup")
    assert ambiguous.exit_code == 1 and "Error notifycenter-1108" in ambiguous.output
    assert (
        f"{SOURCE}#dup" in ambiguous.output
        and "urn:meshery:adapter:linkerd#dup" in ambiguous.output
    )
    assert "notifycenter events list --filter \"id = 'dup'\"" in ambiguous.output
    assert "GET /api/events" not in ambiguous.output
    unknown = cli(hub, "events", "ack", "no-such-event")
    assert unknown.exit_code == 1 and "Error notifycenter-1107" in unknown.output
    assert (
        "notifycenter events list --search" in unknown.output
        and "GET /api/events" not in unknown.output
    )


def test_list_fits_80_columns_and_drops_empty_columns(hub: Hub) -> None:
    emit(
        hub,
        build_event(
            type="io.meshery.provisioning.istio.virtualservice",
            source="urn:meshery:adapter:istio:x1",
            severity="error",
            summary="Could not provision Istio " * 4,
        ),
    )
    result = CliRunner().invoke(
        main, ["--server", hub.url, "events", "list"], env={"COLUMNS": "80"}, catch_exceptions=False
    )
    header, row = result.output.splitlines()
    assert "ACKED BY" not in header
    assert all(len(click.unstyle(line)) <= 80 for line in (header, row))
    # The cursor (the REF other commands take), then today's time of day only.
    assert re.match(r"1 +\d\d:\d\d:\d\d  ERROR", click.unstyle(row))
    source, type_ = re.findall(r"…\S+", row)[:2]  # cut from the left, keeping the distinctive end
    assert source.endswith("istio:x1") and type_.endswith("ualservice")
    assert len(source) >= 14 and len(type_) >= 14


def test_list_says_when_the_limit_cut_it(hub: Hub) -> None:
    cursors = emit(hub, error_event("one"), error_event("two"), error_event("three"))
    cut = notifycenter("--server", hub.url, "events", "list", "--limit", "2")
    assert cut.returncode == 0 and "one" not in cut.stdout
    assert f"… more: use --limit 4 or --before {cursors[1]}" in cut.stderr
    rest = cli(hub, "-o", "json", "events", "list", "--before", cursors[1])
    assert [r["event"]["data"]["summary"] for r in json.loads(rest.output)] == ["one"]


def test_lifecycle_says_what_did_not_change_and_why(hub: Hub) -> None:
    notification, audit = emit(
        hub,
        error_event(),
        build_event(
            type="io.meshery.user.login", source=SOURCE, severity="debug", summary="alice signed in"
        ),
    )
    assert "marked read 1 notification" in cli(hub, "events", "read", notification).output
    again = cli(hub, "events", "read", notification, audit).output
    assert "marked read 0 notifications, 2 unchanged:" in again
    assert f"{SOURCE}#" in again and "already read (status read)" in again
    assert "an audit event: audit events have no lifecycle" in again
    by_filter = cli(hub, "events", "unack", "--source", SOURCE).output
    assert (
        "unacknowledged 0 notifications, 2 unchanged (not acknowledged, or audit events"
        in by_filter
    )
    past = cli(hub, "events", "ack", notification, "--until", "2020-01-01T00:00:00Z")
    assert (
        past.exit_code == 2
        and "Error notifycenter-1215" in past.output
        and "remediation 1:" in past.output
    )


def test_show_names_the_operation_and_how_to_watch_it(hub: Hub) -> None:
    span = "00f067aa0ba902b7"
    [cursor] = emit(
        hub,
        build_event(
            type="io.meshery.operation.started",
            source=SOURCE,
            category="operation",
            summary="Provision Istio started",
            traceparent=f"00-4bf92f3577b34da6a3ce929d0e0e4736-{span}-01",
            data={"operation": {"id": span, "parent": None, "name": "Provision Istio"}},
        ),
    )
    shown = cli(hub, "events", "show", cursor).output
    assert f"Provision Istio ({span})" in shown and f"notifycenter ops watch {span}" in shown
