"""Post the simulated scenario to a hub at a steady pace, one producer per component."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from notifycenter.catalogue import cli as codes
from notifycenter.demo.scenario import (
    ISTIO_ERROR,
    PROVISIONING_STEPS,
    SERVER,
    Provisioning,
    Scenario,
)
from notifycenter.model.errors import NotifyError

if TYPE_CHECKING:
    from notifycenter.client.emitter import Emitter

CLOSE_SECONDS = 2.0  # per emitter, all at once: what the hub has not taken stays spooled


class _Pace:
    """Sends the first `burst` at once, then `rate` per second; `stop` interrupts a wait."""

    def __init__(self, rate: float, burst: int, stop: threading.Event) -> None:
        self.rate, self.burst, self.stop = rate, burst, stop
        self.sent = 0
        self._next = time.monotonic()

    def __call__(self) -> None:
        self.sent += 1
        if self.sent <= self.burst:
            return
        self._next += 1.0 / self.rate
        delay = self._next - time.monotonic()
        if delay > 0.005:
            self.stop.wait(delay)


def run_producers(
    server: str,
    *,
    rate: float = 2.0,
    count: int | None = None,
    burst: int = 25,
    seed: int | None = None,
    token: str | None = None,
    data_dir: Path | None = None,
    stop: threading.Event | None = None,
    strict: bool = False,
) -> int:
    """Send events until `stop` is set or exactly `count` were sent; returns how many were sent.

    `strict`: raise the catalogued error when the hub did not acknowledge them all
    (the rest stay spooled), instead of leaving that to the spool.

    Each simulated component has its own emitter, as real adapters would; the Istio
    provisioning goes through the producer's operation API, like a real server would.
    """
    from notifycenter.client import Emitter

    stop = stop or threading.Event()
    pace = _Pace(rate, burst, stop)
    emitters: dict[str, Emitter] = {}

    def emitter(source: str) -> Emitter:
        if source not in emitters:
            emitters[source] = Emitter(
                server,
                source=source,
                token=token,
                data_dir=data_dir,
                spool_name="demo-" + source.rsplit(":", 1)[-1],
            )
        return emitters[source]

    delivered = True
    try:
        for step in Scenario(seed).steps():
            left = None if count is None else count - pace.sent
            if stop.is_set() or left == 0:
                break
            if isinstance(step, Provisioning):
                if left is not None and len(step.events) > left:
                    continue  # a provisioning is whole or not at all: --count is exact
                provision(emitter(SERVER), step, pace, lambda: stop.is_set())
            else:
                emitter(step["source"]).emit(step)
                pace()
    finally:
        delivered = close_all(emitters.values()) and delivered
    if strict and not delivered:
        spools = ", ".join(sorted(str(e.spool_path) for e in emitters.values()))
        raise codes.DEMO_NOT_DELIVERED.error(
            f"{server} did not acknowledge all of the {pace.sent:,} events sent; "
            f"the rest wait in {spools}"
        )
    return pace.sent


def close_all(emitters: Iterable[Emitter]) -> bool:
    """Close the emitters side by side: against a hub that stopped answering, one after
    the other would take each one's timeout in turn and hold up the demo's exit."""
    closing = list(emitters)
    if not closing:
        return True
    with ThreadPoolExecutor(len(closing), thread_name_prefix="notifycenter-demo-close") as pool:
        return all(list(pool.map(lambda each: each.close(timeout=CLOSE_SECONDS), closing)))


def provision(
    emitter: Emitter, step: Provisioning, pace: Callable[[], None], stopped: Callable[[], bool]
) -> None:
    """A simulated provisioning through `Emitter.operation`: children, progress, and a
    failure that carries the MeshKit error. `pace` is called once per event sent."""
    subject = f"cluster/{step.cluster}"
    try:
        with emitter.operation(
            f"Provision Istio on {step.cluster}", total=3, subject=subject
        ) as operation:
            pace()  # started
            for done, name in enumerate(PROVISIONING_STEPS, 1):
                if stopped():
                    break
                with operation.child(name, subject=subject):
                    pace()  # the child started
                    if step.fail and done == len(PROVISIONING_STEPS):
                        raise istio_error()
                pace()  # the child succeeded
                operation.progress(done, message=f"{name}: done")
                pace()
    except NotifyError:
        pace()  # the child failed
    pace()  # the operation ended: succeeded, or failed with the child's error


def istio_error() -> NotifyError:
    error = ISTIO_ERROR["error"]
    return NotifyError(
        code=error["code"],
        short_description=list(error["shortDescription"]),
        long_description=[ISTIO_ERROR["details"]],
        probable_cause=list(error["probableCause"]),
        suggested_remediation=list(error["suggestedRemediation"]),
    )
