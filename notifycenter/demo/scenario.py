"""Simulated Meshery traffic for `notifycenter demo`: varied, realistic, and reproducible.

Everything here is simulated. A seed and a clock make the stream deterministic, so the
same scenario feeds the live demo, the snapshot tests and the screenshots.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from notifycenter.model.lifecycle import format_time

ISTIO = "urn:meshery:adapter:istio"
LINKERD = "urn:meshery:adapter:linkerd"
CONSUL = "urn:meshery:adapter:consul"
SERVER = "urn:meshery:server:meshery"
CLOUD = "urn:meshery:cloud:meshery-cloud"
OPERATOR = "urn:meshery:operator:meshery-operator"
ADAPTERS = {
    ISTIO: ("istio", "1.24.2", 10000),
    LINKERD: ("linkerd", "2.16.1", 10001),
    CONSUL: ("consul", "1.20.0", 10002),
}
CLUSTERS = ("prod-eu", "prod-us", "staging")
DESIGNS = ("bookinfo", "emojivoto", "online-boutique", "httpbin-canary")
USERS = ("dana@example.com", "lee@example.org", "sam@example.net", "ari@example.com")

Event = dict[str, Any]
PROVISIONING_STEPS = ("Install Istio CRDs", "Deploy istiod", "Apply VirtualService reviews-route")


@dataclass(frozen=True)
class Provisioning:
    """One simulated Istio provisioning: its events, and what a live producer needs to
    run it through the operation API instead."""

    cluster: str
    fail: bool
    events: tuple[Event, ...]


class Scenario:
    """A stream of simulated events. `clock` gives each event's time."""

    def __init__(
        self, seed: int | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.rng = random.Random(seed)
        self.clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def fixed(
        cls, seed: int = 7, start: datetime | None = None, step: timedelta = timedelta(seconds=13)
    ) -> Scenario:
        """Deterministic ids and times: for tests, snapshots and screenshots."""
        moment = [start or datetime(2026, 11, 28, 9, 0, tzinfo=UTC)]

        def tick() -> datetime:
            moment[0] += step
            return moment[0]

        return cls(seed, tick)

    def events(self) -> Iterator[Event]:
        """The opening story, then an endless, weighted mix."""
        for step in self.steps():
            if isinstance(step, Provisioning):
                yield from step.events
            else:
                yield step

    def steps(self) -> Iterator[Event | Provisioning]:
        """As `events`, with each provisioning kept whole as one `Provisioning` step."""
        yield from self.opening()
        kinds = [
            (self.design_saved, 30),
            (self.adapter_heartbeat, 14),
            (self.health, 18),
            (self.policy_violation, 10),
            (self.provisioning_step, 2),
            (self.signup, 6),
            (self.cluster_alert, 2),
            (self.meshsync_resync, 14),
        ]
        generators, weights = zip(*kinds, strict=False)
        while True:
            yield from self.rng.choices(generators, weights)[0]()

    def take(self, count: int) -> list[Event]:
        stream = self.events()
        return [next(stream) for _ in range(count)]

    def opening(self) -> Iterator[Event | Provisioning]:
        for source in ADAPTERS:
            yield from self.adapter_registered(source)
        yield from self.signup()
        yield from self.design_saved()
        yield from self.provisioning_step(fail=True)
        yield from self.policy_violation()
        yield from self.health(force_warning=True)

    # -- the building blocks ----------------------------------------------------------

    def event(self, source: str, type: str, severity: str, summary: str, **extra: Any) -> Event:
        data = {"summary": summary, **extra.pop("data", {})}
        event = {
            "specversion": "1.0",
            "id": self._uuid(),
            "source": source,
            "type": type,
            "time": format_time(self.clock()),
            "severitytext": severity,
            "datacontenttype": "application/json",
            "data": data,
        }
        event.update({key: value for key, value in extra.items() if value is not None})
        return event

    def _uuid(self) -> str:
        value = f"{self.rng.getrandbits(128):032x}"
        return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"

    def _hex(self, length: int) -> str:
        return f"{self.rng.getrandbits(length * 4):0{length}x}".replace("0" * length, "1" * length)

    # -- simulated components -------------------------------------------------------

    def adapter_registered(self, source: str) -> Iterator[Event]:
        name, version, port = ADAPTERS[source]
        yield self.event(
            source,
            "io.meshery.adapter.registered",
            "SUCCESS",
            f"Meshery Adapter for {name.title()} registered with Meshery Server",
            category="system",
            subject=f"adapter/{name}",
            data={
                "details": f"version {version}, listening on meshery-{name}:{port}",
                "metadata": {"version": version, "port": port},
            },
        )

    def adapter_heartbeat(self) -> Iterator[Event]:
        source = self.rng.choice(list(ADAPTERS))
        name = ADAPTERS[source][0]
        yield self.event(
            source,
            "io.meshery.adapter.heartbeat",
            "DEBUG",
            f"{name} adapter heartbeat",
            category="audit",
            subject=f"adapter/{name}",
        )

    def signup(self) -> Iterator[Event]:
        user = self.rng.choice(USERS)
        yield self.event(
            CLOUD,
            "io.meshery.remote.user.signup",
            "INFO",
            f"New user signed up: {user}",
            category="user",
            subject=f"user/{user}",
            data={"details": "Signed up with GitHub; invited to organisation 'layer5'."},
        )

    def design_saved(self) -> Iterator[Event]:
        design, user = self.rng.choice(DESIGNS), self.rng.choice(USERS)
        yield self.event(
            SERVER,
            "io.meshery.design.saved",
            "DEBUG",
            f"Design '{design}' saved by {user}",
            category="audit",
            subject=f"design/{design}",
            data={"metadata": {"revision": self.rng.randint(2, 90)}},
        )

    def policy_violation(self) -> Iterator[Event]:
        design = self.rng.choice(DESIGNS)
        policy = self.rng.choice(
            [
                "relationship-hierarchical-parent",
                "require-resource-limits",
                "deny-privileged-containers",
            ]
        )
        yield self.event(
            SERVER,
            "io.meshery.policy.violation",
            self.rng.choice(["WARNING", "WARNING", "ERROR"]),
            f"Design '{design}' violates policy {policy}",
            category="system",
            subject=f"design/{design}",
            data={
                "details": f"{self.rng.randint(1, 6)} components of '{design}' fail {policy}.",
                "error": {
                    "code": "meshery-server-1367",
                    "probableCause": [f"The design was saved without evaluating {policy}"],
                    "suggestedRemediation": [
                        "Open the design in Kanvas and apply the suggested fixes",
                        "Re-run the policy evaluation before deploying",
                    ],
                },
            },
        )

    def health(self, force_warning: bool = False) -> Iterator[Event]:
        source = self.rng.choice([LINKERD, CONSUL, ISTIO])
        name = ADAPTERS[source][0]
        cluster = self.rng.choice(CLUSTERS)
        if force_warning or self.rng.random() < 0.6:
            restarts = self.rng.randint(3, 9)
            yield self.event(
                source,
                "io.meshery.health.degraded",
                "WARNING",
                f"{name} control plane on {cluster}: sidecar injector restarted {restarts} times in 10m",
                category="performance",
                subject=f"cluster/{cluster}",
                data={
                    "details": "Readiness probe failed: HTTP probe failed with statuscode: 503",
                    "metadata": {"cluster": cluster, "restarts": restarts},
                },
            )
        else:
            yield self.event(
                source,
                "io.meshery.health.ok",
                "INFO",
                f"{name} control plane on {cluster} is healthy",
                category="performance",
                subject=f"cluster/{cluster}",
            )

    def meshsync_resync(self) -> Iterator[Event]:
        cluster = self.rng.choice(CLUSTERS)
        objects = self.rng.randint(200, 4000)
        yield self.event(
            OPERATOR,
            "io.meshery.meshsync.resynced",
            "INFO",
            f"MeshSync discovered {objects:,} objects on {cluster}",
            category="system",
            subject=f"cluster/{cluster}",
        )

    def cluster_alert(self) -> Iterator[Event]:
        cluster = self.rng.choice(CLUSTERS)
        yield self.event(
            OPERATOR,
            "io.meshery.operator.broker.disconnected",
            "ALERT",
            f"Meshery Operator lost its broker connection on {cluster}",
            category="system",
            subject=f"cluster/{cluster}",
            data={
                "details": "NATS connection closed: no servers available for connection",
                "error": {
                    "code": "meshkit-11101",
                    "probableCause": [
                        "The meshery-broker pod was evicted or is crash-looping",
                        "A NetworkPolicy blocks port 4222 between namespaces",
                    ],
                    "suggestedRemediation": [
                        "kubectl -n meshery get pods -l app=meshery-broker",
                        "Check NetworkPolicies in the meshery namespace",
                    ],
                },
            },
        )

    def provisioning_step(self, fail: bool | None = None) -> Iterator[Provisioning]:
        fail = self.rng.random() < 0.4 if fail is None else fail
        cluster = self.rng.choice(CLUSTERS)
        yield Provisioning(cluster, fail, tuple(self.provisioning(cluster, fail)))

    def provisioning(self, cluster: str, fail: bool) -> Iterator[Event]:
        """Server-side Istio provisioning as an operation with three steps (docs/operations.md)."""
        op = _Op(self, f"Provision Istio on {cluster}", cluster)
        yield op.started(total=3)
        for done, step in enumerate(PROVISIONING_STEPS, 1):
            child = op.child(step)
            yield child.started()
            if fail and done == 3:
                yield child.failed(ISTIO_ERROR)
                yield op.failed(ISTIO_ERROR, done=2)
                return
            yield child.succeeded()
            yield op.progress(done, f"{step}: done")
        yield op.succeeded()


ISTIO_ERROR: dict[str, Any] = {
    "summary": "Could not provision Istio: VirtualService reviews-route was rejected",
    "details": 'admission webhook "validation.istio.io" denied the request: configuration is invalid: '
    "total destination weight 90 != 100",
    "error": {
        "code": "meshery-istio-1002",
        "severity": "ERROR",
        "shortDescription": ["Error applying Istio manifests"],
        "probableCause": [
            "The VirtualService's route weights do not add up to 100",
            "istiod's validating webhook rejected the resource",
        ],
        "suggestedRemediation": [
            "Fix the weights in the design so that they add up to 100",
            "Validate with: istioctl analyze -n bookinfo",
            "Deploy the design again from Meshery",
        ],
    },
}


class _Op:
    """Builds the events of one simulated operation, with its trace context."""

    def __init__(
        self, scenario: Scenario, name: str, cluster: str, parent: _Op | None = None
    ) -> None:
        self.s, self.name, self.cluster, self.parent = scenario, name, cluster, parent
        self.trace: str = parent.trace if parent else scenario._hex(32)
        self.span = scenario._hex(16)

    def child(self, name: str) -> _Op:
        return _Op(self.s, name, self.cluster, self)

    def _emit(
        self,
        state: str,
        severity: str,
        summary: str,
        extra: dict[str, Any] | None = None,
        **operation: Any,
    ) -> Event:
        info = {
            "id": self.span,
            "parent": self.parent.span if self.parent else None,
            "name": self.name,
            **operation,
        }
        data = {"operation": {k: v for k, v in info.items() if v is not None}, **(extra or {})}
        data.setdefault("summary", summary)
        return self.s.event(
            SERVER,
            f"io.meshery.operation.{state}",
            severity,
            data.pop("summary"),
            category="operation",
            subject=f"cluster/{self.cluster}",
            traceparent=f"00-{self.trace}-{self.span}-01",
            data=data,
        )

    def started(self, total: int | None = None) -> Event:
        return self._emit("started", "INFO", f"{self.name}: started", total=total)

    def progress(self, done: int, message: str) -> Event:
        return self._emit(
            "progress", "DEBUG", f"{self.name}: {message}", done=done, total=3, message=message
        )

    def succeeded(self) -> Event:
        return self._emit("succeeded", "SUCCESS", f"{self.name}: succeeded")

    def failed(self, error: dict[str, Any], done: int | None = None) -> Event:
        severity = "ERROR"
        summary = error["summary"] if self.parent else f"{self.name}: failed"
        return self._emit(
            "failed",
            severity,
            summary,
            dict(error, summary=summary),
            done=done,
            total=3 if done is not None else None,
            message=error["error"]["shortDescription"][0],
        )
