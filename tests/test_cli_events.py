"""`notifycenter events …` against a real hub: list, show, tail, lifecycle verbs, errors,
and untrusted text that must reach the terminal inert."""

from __future__ import annotations

import asyncio
import json
import queue
import subprocess
import sys
import threading

from click.testing import CliRunner, Result

from notifycenter.cli import main
from notifycenter.client import HubClient
from notifycenter.client.builder import build_event
from tests.hubprocess import HubProcess, free_port

SOURCE = "urn:meshery:adapter:istio"
HOSTILE = "Pwned \x1b]52;c;aGVsbG8=\x07 \u202eevil [/x] [@click=app.quit] end"
TERMINAL_CONTROLS = ("\x1b", "\x07", "\u202e", "\x9b")


def cli(hub: HubProcess, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--server", hub.url, *args], input=input, catch_exceptions=False)


def emit(hub: HubProcess, *events: dict) -> list[str]:
    async def send() -> list[str]:
        async with HubClient(hub.url) as client:
            return (await client.emit_batch(events))["cursors"]

    return asyncio.run(send())


def error_event(summary: str = "Could not provision Istio", **fields: object) -> dict:
    return build_event(**{"type": "io.meshery.provisioning", "source": SOURCE, "severity": "error",
                          "summary": summary, **fields})


def test_list_as_a_table_and_as_json(hub: HubProcess) -> None:
    emit(hub, error_event(), build_event(type="io.meshery.info", source=SOURCE, summary="All good"))
    table = cli(hub, "events", "list")
    assert table.exit_code == 0
    header, *rows = table.output.splitlines()
    assert header.split() == ["TIME", "SEVERITY", "STATUS", "ACKED", "BY", "SOURCE", "TYPE", "SUMMARY"]
    assert "All good" in rows[0] and "Could not provision Istio" in rows[1] and "unread" in rows[1]
    records = json.loads(cli(hub, "-o", "json", "events", "list", "--severity", "warn").output)
    assert len(records) == 1
    assert set(records[0]) == {"event", "cursor", "status", "acknowledged_by", "acknowledged_at", "comment"}
    assert records[0]["event"]["data"]["summary"] == "Could not provision Istio"


def test_ack_with_comment_and_until_shows_who_acked(hub: HubProcess) -> None:
    [cursor] = emit(hub, error_event())
    acked = cli(hub, "events", "ack", cursor, "--comment", "on it", "--until", "2h")
    assert acked.exit_code == 0 and "acknowledged 1 notification" in acked.output
    table = cli(hub, "events", "list", "--status", "acknowledged")
    assert "anonymous" in table.output and "acknowledged" in table.output
    [record] = json.loads(cli(hub, "-o", "json", "events", "list").output)
    assert (record["status"], record["acknowledged_by"], record["comment"]) == ("acknowledged", "anonymous", "on it")
    assert cli(hub, "events", "list", "--status", "unacked").output.strip() == "No events."
    shown = cli(hub, "events", "show", cursor).output
    assert "acknowledged by anonymous until" in shown and ": on it" in shown


def test_show_numbers_the_remediation(hub: HubProcess) -> None:
    [cursor] = emit(hub, error_event(code="meshery-istio-1002", causes=["istioctl is missing"],
                                     remedies=["Install istioctl", "Add it to PATH"]))
    shown = cli(hub, "events", "show", cursor).output
    assert "1. Install istioctl" in shown and "2. Add it to PATH" in shown
    assert "meshery-istio-1002" in shown and "istioctl is missing" in shown


def test_an_ambiguous_id_is_refused_and_source_hash_id_is_not(hub: HubProcess) -> None:
    emit(hub, error_event(id="dup"), error_event(id="dup", source="urn:meshery:adapter:linkerd"))
    ambiguous = cli(hub, "events", "ack", "dup")
    assert ambiguous.exit_code == 1 and "Error notifycenter-" in ambiguous.output
    precise = cli(hub, "events", "ack", f"{SOURCE}#dup")
    assert precise.exit_code == 0 and "acknowledged 1" in precise.output


def test_a_bad_until_is_a_usage_error(hub: HubProcess) -> None:
    result = cli(hub, "events", "ack", "1", "--until", "two hours")
    assert result.exit_code == 2 and "notifycenter-1212" in result.output


def test_tail_json_is_ndjson_with_lifecycle_events(hub: HubProcess) -> None:
    [cursor] = emit(hub, error_event())
    cli(hub, "events", "ack", cursor, "--comment", "looking")
    lines = cli(hub, "-o", "json", "events", "tail").output.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["type"] for e in events] == ["io.meshery.provisioning", "io.meshery.notification.ack"]
    assert events[1]["data"]["comment"] == "looking"
    since = cli(hub, "-o", "json", "events", "tail", "--since", cursor).output.splitlines()
    assert [json.loads(line)["type"] for line in since] == ["io.meshery.notification.ack"]


def test_untrusted_text_reaches_the_terminal_inert(hub: HubProcess) -> None:
    emit(hub, error_event(HOSTILE, details=HOSTILE))
    for args in (("events", "list"), ("events", "tail"), ("events", "show", "1")):
        output = cli(hub, *args).output
        assert not any(ch in output for ch in TERMINAL_CONTROLS), args
        assert "[/x] [@click=app.quit]" in output, args
    [record] = json.loads(cli(hub, "-o", "json", "events", "list").output)
    assert record["event"]["data"]["summary"] == HOSTILE  # JSON keeps the original, escaped


def test_unreachable_hub_exits_1_with_a_catalogued_code() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([sys.executable, "-m", "notifycenter", "--server", url, "events", "list"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "Error notifycenter-1207" in done.stderr and url in done.stderr and "remediation 1:" in done.stderr


def test_tail_follow_prints_new_events_as_they_arrive(hub: HubProcess) -> None:
    [first] = emit(hub, error_event("before"))
    process = subprocess.Popen([sys.executable, "-m", "notifycenter", "--server", hub.url, "-o", "json",
                                "events", "tail", "-f", "--since", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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


def test_list_filters_combine(hub: HubProcess) -> None:
    emit(hub, error_event("Istio failed"),
         build_event(type="io.meshery.mesh", source="urn:meshery:adapter:linkerd", severity="warning",
                     summary="Linkerd is slow"),
         build_event(type="io.meshery.user.login", source="urn:meshery:server", summary="alice signed in"))

    def summaries(*args: str) -> list[str]:
        result = cli(hub, "-o", "json", "events", "list", *args)
        assert result.exit_code == 0, result.output
        return [r["event"]["data"]["summary"] for r in json.loads(result.output)]

    assert summaries("--source", "urn:meshery:adapter:") == ["Linkerd is slow", "Istio failed"]
    assert summaries("--bucket", "warnings", "--bucket", "errors", "--severity", "error") == ["Istio failed"]
    assert summaries("--search", "SIGNED") == ["alice signed in"]
    assert summaries("--filter", "source = 'urn:meshery:server'") == ["alice signed in"]
    assert summaries("--type", "io.meshery.mesh", "--limit", "1") == ["Linkerd is slow"]
    bad = cli(hub, "events", "list", "--filter", "source = ")
    assert bad.exit_code == 1 and "Error notifycenter-13" in bad.output


def test_lifecycle_by_filter_changes_every_match_and_only_those(hub: HubProcess) -> None:
    emit(hub, error_event("one"), error_event("two"),
         build_event(type="io.meshery.mesh", source="urn:meshery:adapter:linkerd", severity="error", summary="other"))
    acked = cli(hub, "events", "ack", "--source", SOURCE, "--status", "unacked", "--comment", "bulk")
    assert acked.exit_code == 0 and "acknowledged 2 notifications" in acked.output
    records = json.loads(cli(hub, "-o", "json", "events", "list").output)
    by_summary = {r["event"]["data"]["summary"]: (r["status"], r["comment"]) for r in records}
    assert by_summary == {"one": ("acknowledged", "bulk"), "two": ("acknowledged", "bulk"), "other": ("unread", None)}
    neither = cli(hub, "events", "resolve")
    both = cli(hub, "events", "resolve", "1", "--source", SOURCE)
    assert neither.exit_code == both.exit_code == 2 and "notifycenter-1211" in neither.output
