"""`notifycenter emit` against a real hub: flags, stdin, files, arrays, and usage errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from notifycenter.cli import main
from notifycenter.client import HubClient
from tests.hubprocess import Hub

SOURCE = "urn:meshery:adapter:istio"


def cli(hub: Hub, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--server", hub.url, *args], input=input, catch_exceptions=False
    )


def stored(hub: Hub, source: str = SOURCE) -> list[dict]:
    async def fetch() -> list[dict]:
        async with HubClient(hub.url) as client:
            page = await client.list(source=source, limit=1000)
        return [r["event"] for r in sorted(page.items, key=lambda r: int(r["cursor"]))]

    return asyncio.run(fetch())


def test_emit_from_flags(hub: Hub, tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"metadata": {"cluster": "prod-eu"}}')
    result = cli(
        hub,
        "emit",
        "--type",
        "io.meshery.provisioning.istio",
        "--source",
        SOURCE,
        "--severity",
        "alert",
        "--category",
        "system",
        "--subject",
        "mesh/prod",
        "--summary",
        "Could not provision Istio",
        "--details",
        "istioctl exited 1",
        "--code",
        "meshery-istio-1002",
        "--cause",
        "istioctl is missing",
        "--remediation",
        "Install istioctl",
        "--remediation",
        "Add it to PATH",
        "--data",
        f"@{payload}",
        "--correlation-id",
        "req-7",
        "--id",
        "evt-1",
    )
    assert result.exit_code == 0, result.output
    assert "accepted 1, duplicates 0" in result.output and f"{SOURCE}#evt-1" in result.output
    [event] = stored(hub)
    assert (event["id"], event["severitytext"], event["subject"], event["correlationid"]) == (
        "evt-1",
        "ALERT",
        "mesh/prod",
        "req-7",
    )
    assert event["data"]["metadata"] == {"cluster": "prod-eu"}
    assert event["data"]["error"]["suggestedRemediation"] == ["Install istioctl", "Add it to PATH"]


def test_json_output_is_the_hubs_answer_and_a_repeat_is_a_duplicate(hub: Hub) -> None:
    args = ["-o", "json", "emit", "--type", "io.meshery.test", "--source", SOURCE, "--id", "same"]
    first = json.loads(cli(hub, *args).output)
    second = json.loads(cli(hub, *args).output)
    assert first["accepted"] == 1 and second == {
        "accepted": 0,
        "duplicates": 1,
        "cursors": first["cursors"],
    }


def test_emit_a_cloudevent_from_stdin_in_a_real_process(hub: Hub) -> None:
    event = {
        "specversion": "1.0",
        "id": "from-stdin",
        "source": SOURCE,
        "type": "io.meshery.test",
        "data": {"summary": "piped in"},
    }
    done = subprocess.run(
        [sys.executable, "-m", "notifycenter", "--server", hub.url, "emit", "-"],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [e["id"] for e in stored(hub)] == ["from-stdin"]


def test_an_array_from_a_file_is_one_batch_in_order(hub: Hub, tmp_path: Path) -> None:
    events = [
        {"specversion": "1.0", "id": f"b{n}", "source": SOURCE, "type": "io.meshery.test"}
        for n in range(3)
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events))
    result = cli(hub, "emit", "--file", str(path))
    assert result.exit_code == 0 and "accepted 3" in result.output
    assert [e["id"] for e in stored(hub)] == ["b0", "b1", "b2"]


def test_one_bad_event_rejects_the_whole_batch(hub: Hub, tmp_path: Path) -> None:
    events = [
        {"specversion": "1.0", "id": "ok", "source": SOURCE, "type": "io.meshery.test"},
        {"specversion": "1.0", "id": "bad", "source": SOURCE},
    ]
    result = cli(hub, "emit", "-", input=json.dumps(events))
    assert result.exit_code == 1
    assert "Error notifycenter-1001" in result.output and "remediation 1:" in result.output
    assert stored(hub) == []


def test_usage_errors_exit_2_with_a_code(hub: Hub) -> None:
    missing = cli(hub, "emit", "--type", "io.meshery.test")
    assert (
        missing.exit_code == 2
        and "notifycenter-1211" in missing.output
        and "--source" in missing.output
    )
    both = cli(hub, "emit", "-", "--type", "x", input="{}")
    assert both.exit_code == 2 and "notifycenter-1211" in both.output


def test_bad_input_exits_1_with_a_code(hub: Hub, tmp_path: Path) -> None:
    bad_json = cli(hub, "emit", "--type", "t", "--source", SOURCE, "--data", "{not json")
    assert bad_json.exit_code == 1 and "notifycenter-1209" in bad_json.output
    no_file = cli(hub, "emit", "--file", str(tmp_path / "missing.json"))
    assert no_file.exit_code == 1 and "notifycenter-1210" in no_file.output
    bad_severity = cli(hub, "emit", "--type", "t", "--source", SOURCE, "--severity", "loud")
    assert bad_severity.exit_code == 1 and "notifycenter-1004" in bad_severity.output


def test_emit_waits_out_a_rate_limit_as_retry_after_asks(hub_factory, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(
        '[[token]]\ntoken = "slow-token"\nuser = "prod"\nrole = "producer"\nrate = 1\nburst = 1\n'
    )
    hub = hub_factory(extra_args=["--token-file", str(tokens)])
    for n in range(
        3
    ):  # the second and third are over the limit: the hub answers 429 with Retry-After
        result = CliRunner().invoke(
            main,
            [
                "--server",
                hub.url,
                "--token",
                "slow-token",
                "emit",
                "--type",
                "io.meshery.test",
                "--source",
                SOURCE,
                "--id",
                f"r{n}",
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        assert "accepted 1" in result.output
