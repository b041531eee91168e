"""The notification policy: what pops up, coalescing, rate limit, digest, bell."""

from __future__ import annotations

from notifycenter.demo.scenario import Scenario
from notifycenter.model.severity import Severity
from notifycenter.tui.policy import NotificationPolicy, PolicySettings

ISTIO = "urn:meshery:adapter:istio"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event(
    cursor: int, severity: str = "ERROR", source: str = ISTIO, summary: str = "boom", **extra
):
    return {
        "specversion": "1.0",
        "id": f"e{cursor}",
        "source": source,
        "type": "io.meshery.test",
        "cursor": f"{cursor:016d}",
        "severitytext": severity,
        "data": {"summary": summary},
        **extra,
    }


def lifecycle(cursor: int) -> dict:
    return {
        "specversion": "1.0",
        "id": f"l{cursor}",
        "source": "urn:meshery:hub:notifycenter",
        "type": "io.meshery.notification.ack",
        "cursor": f"{cursor:016d}",
        "severitytext": "DEBUG",
        "category": "audit",
        "data": {"target": {"source": ISTIO, "id": "e1"}, "actor": "alice"},
    }


def test_notice_and_above_pop_up_by_default_info_and_audit_do_not():
    policy = NotificationPolicy(clock=Clock())
    policy.offer(
        [
            event(1, "INFO", summary="quiet"),
            event(2, "DEBUG"),
            lifecycle(3),
            event(4, "NOTICE", source="urn:a", summary="hello"),
        ]
    )
    toasts = policy.drain()
    assert [t.message for t in toasts] == ["hello"]
    assert toasts[0].title == "NOTICE · urn:a"


def test_a_burst_from_one_source_is_one_coalesced_toast():
    policy = NotificationPolicy(clock=Clock())
    policy.offer(event(n) for n in range(1, 13))
    toasts = policy.drain()
    assert len(toasts) == 1
    assert toasts[0].message == "12 new errors from urn:meshery:adapter:istio"
    assert toasts[0].level == "error"


def test_rate_limit_merges_the_overflow_and_later_toasts_wait_for_the_window():
    clock = Clock()
    policy = NotificationPolicy(PolicySettings(max_toasts=2, window_seconds=10), clock=clock)
    policy.offer(
        [event(1, source="urn:a"), event(2, "WARNING", source="urn:b"), event(3, source="urn:c")]
    )
    first = policy.drain()
    assert len(first) == 2
    assert first[1].message == "1 error, 1 warning from 2 sources"
    policy.offer([event(4, source="urn:d")])
    assert policy.drain() == []  # no token left: held, not lost
    clock.now += 5  # one toast's worth of refill
    assert [t.message for t in policy.drain()] == ["boom"]


def test_mute_and_per_source_thresholds():
    settings = PolicySettings(
        mute=("urn:meshery:adapter:consul",),
        sources={"urn:meshery:adapter": Severity.ERROR, ISTIO: None},
    )
    policy = NotificationPolicy(settings, clock=Clock())
    assert not policy.wants(event(1, "CRITICAL", source="urn:meshery:adapter:consul"))
    assert not policy.wants(event(2, "CRITICAL", source=ISTIO))  # the longest prefix wins: muted
    assert not policy.wants(event(3, "WARNING", source="urn:meshery:adapter:linkerd"))
    assert policy.wants(event(4, "ERROR", source="urn:meshery:adapter:linkerd"))
    assert policy.wants(event(5, "NOTICE", source="urn:other"))


def test_bell_rings_for_alert_and_above_only():
    policy = NotificationPolicy(clock=Clock())
    policy.offer([event(1, "CRITICAL")])
    assert [t.bell for t in policy.drain()] == [False]
    policy.offer([event(2, "ALERT", source="urn:x")])
    assert [t.bell for t in policy.drain()] == [True]
    quiet = NotificationPolicy(PolicySettings(bell=None), clock=Clock())
    quiet.offer([event(3, "EMERGENCY")])
    assert [t.bell for t in quiet.drain()] == [False]


def test_backlog_after_a_restart_is_one_digest_and_old_events_never_pop():
    clock = Clock()
    policy = NotificationPolicy(seen=f"{100:016d}", clock=clock)
    policy.begin_backlog(f"{1304:016d}")
    policy.offer(event(n, "ERROR" if n % 100 == 0 else "INFO") for n in range(1, 1305))
    toasts = policy.drain()
    assert [t.message for t in toasts] == ["while away: 1,204 events, 12 errors"]
    policy.offer([event(1305, "WARNING", summary="fresh")])
    assert [t.message for t in policy.drain()] == ["fresh"]


def test_backlog_end_unknown_until_told_then_digest_when_quiet():
    clock = Clock()
    policy = NotificationPolicy(seen=f"{5:016d}", clock=clock)
    policy.begin_backlog(None)  # reconnecting: the hub's end is not known yet
    policy.offer([event(6), event(7)])
    clock.now += 60
    assert policy.drain() == []
    policy.backlog_until(f"{9:016d}")
    assert policy.drain() == []  # not caught up, not quiet yet
    clock.now += 2
    assert [t.message for t in policy.drain()] == ["while away: 2 events, 2 errors"]


def test_operation_completions_pop_up_and_can_be_turned_off():
    failed = Scenario.fixed().take(20)
    op_done = [e for e in failed if e["type"] == "io.meshery.operation.failed"]
    assert op_done
    for n, e in enumerate(op_done, 1):
        e["cursor"] = f"{n:016d}"
    policy = NotificationPolicy(PolicySettings(max_toasts=10), clock=Clock())
    policy.offer(op_done)
    assert [t.message for t in policy.drain()] == [
        "2 operations finished from urn:meshery:server:meshery"
    ]
    policy.offer([dict(op_done[-1], cursor=f"{9:016d}", source="urn:solo")])
    message = policy.drain()[0].message  # name and state, error code, first remediation
    assert message.splitlines()[0] == "Provision Istio on prod-us failed"
    assert "meshery-istio-1002" in message and "Remediation: Fix the weights" in message
    off = NotificationPolicy(PolicySettings(operations=False, max_toasts=10), clock=Clock())
    assert not any(off.wants(e) for e in op_done)


def test_toast_text_is_sanitised():
    policy = NotificationPolicy(clock=Clock())
    policy.offer(
        [event(1, summary="\x1b]52;c;aGVsbG8=\x07evil\u202egnp.exe", source="urn:\x1b[31mx")]
    )
    (toast,) = policy.drain()
    assert "\x1b" not in toast.message + toast.title and "\u202e" not in toast.message
    assert "\x07" not in toast.message
