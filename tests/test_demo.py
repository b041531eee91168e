"""`notifycenter demo`: realistic simulated traffic, reproducible, and runnable without the TUI."""

from __future__ import annotations

import re
from collections import Counter

from click.testing import CliRunner

from notifycenter.cli import main
from notifycenter.demo.scenario import Scenario
from notifycenter.model.event import bucket_of_event, describe, validate_event
from notifycenter.model.severity import Bucket
from tests import httpclient


def test_scenario_is_valid_varied_and_reproducible():
    events = Scenario.fixed().take(400)
    assert events == Scenario.fixed().take(400)
    assert len({e["id"] for e in events}) == 400
    buckets = Counter(bucket_of_event(validate_event(e)) for e in events)
    assert all(buckets[b] > 5 for b in Bucket), buckets
    sources = {e["source"] for e in events}
    assert {
        "urn:meshery:adapter:istio",
        "urn:meshery:adapter:linkerd",
        "urn:meshery:adapter:consul",
        "urn:meshery:cloud:meshery-cloud",
    } <= sources
    types = {e["type"] for e in events}
    assert {
        "io.meshery.remote.user.signup",
        "io.meshery.design.saved",
        "io.meshery.policy.violation",
        "io.meshery.health.degraded",
        "io.meshery.operation.failed",
    } <= types


def test_the_istio_provisioning_failure_carries_a_meshkit_error_inside_an_operation():
    events = Scenario.fixed().take(20)
    failed = [e for e in events if e["type"] == "io.meshery.operation.failed"]
    child = next(e for e in failed if e["data"]["operation"].get("parent"))
    root = next(e for e in failed if not e["data"]["operation"].get("parent"))
    text = describe(validate_event(child))
    assert text.code == "meshery-istio-1002"
    assert text.causes and len(text.remedies) == 3
    assert child["traceparent"].split("-")[1] == root["traceparent"].split("-")[1]  # one trace
    assert child["data"]["operation"]["parent"] == root["data"]["operation"]["id"]


def test_no_tui_posts_to_a_hub(hub):
    result = CliRunner().invoke(
        main,
        ["demo", "--no-tui", "--server", hub.url, "--count", "60", "--rate", "1000", "--seed", "3"],
    )
    assert result.exit_code == 0, result.output
    sent = int(re.search(r"Sent (\d+) simulated events", result.output)[1])
    assert sent == 60  # exactly --count: a provisioning that does not fit is not started
    summary = httpclient.get(hub.url + "/api/summary").json()
    total = sum(b["total"] for b in summary["buckets"].values())
    assert total == sent
    assert summary["buckets"]["errors"]["total"] >= 1 and summary["buckets"]["audit"]["total"] >= 1


def test_rate_must_be_positive():
    result = CliRunner().invoke(main, ["demo", "--no-tui", "--rate", "0"])
    assert result.exit_code == 1
    assert "notifycenter-1510" in result.output


def test_live_provisioning_goes_through_the_operation_api(hub):
    from notifycenter.demo.runner import run_producers
    from notifycenter.demo.scenario import Provisioning, Scenario

    step = next(s for s in Scenario(seed=5).steps() if isinstance(s, Provisioning))
    assert step.fail  # the opening's provisioning fails
    sent = run_producers(hub.url, rate=1000, count=20, seed=5)
    assert sent == 20  # the opening's provisioning fits whole
    listing = httpclient.get(hub.url + "/api/operations", params={"root": "1"}).json()
    (root,) = [op for op in listing["items"] if op["name"].startswith("Provision Istio")]
    assert root["state"] == "failed"
    assert (root["children"], root["finished_children"]) == (3, 3)
    detail = httpclient.get(f"{hub.url}/api/operations/{root['id']}").json()
    children = detail["children"]
    assert len(children) == 3 and all(c["parent"] == root["id"] for c in children)
    assert "failed" in {c["state"] for c in children}  # the failure is a step's, as produced
