"""`Operation`: report a long-running unit of work (docs/operations.md) from a producer.

    with emitter.operation("Provision Istio", total=3) as op:
        op.progress(1, message="CRDs applied")
        with op.child("Install control plane"):
            ...

Entering emits `started`; leaving emits `succeeded`, or `failed` with the exception's code,
probable cause and remediation; `KeyboardInterrupt` and task cancellation emit `cancelled`.
Inside the block every event the process emits carries the operation's traceparent (the
`current_traceparent` ContextVar), so it lands in the operation's log. Nothing blocks: the
emitter buffers and spools.
"""

from __future__ import annotations

import asyncio
import threading
import traceback
from collections.abc import Mapping
from contextvars import Token
from types import TracebackType
from typing import TYPE_CHECKING, Any

from notifycenter.catalogue import operations as codes
from notifycenter.model.errors import NotifyError
from notifycenter.model.operations import ENDING_PHASES, Phase, operation_fields
from notifycenter.model.tracecontext import TraceParent, current_traceparent

if TYPE_CHECKING:
    from notifycenter.client.emitter import Emitter

MAX_DETAILS = 8000


class Operation:
    """One operation: a span in a trace. Thread-safe; every method returns at once.

    `traceparent` names the operation this one continues: it becomes a sub-operation of
    it, in another process if need be. Without it, an operation opened inside another's
    block is that one's child, and elsewhere a new root.
    """

    def __init__(
        self,
        emitter: Emitter,
        name: str,
        *,
        total: float | None = None,
        subject: str | None = None,
        traceparent: str | None = None,
    ) -> None:
        parent = (
            _parse(traceparent)
            if traceparent
            else TraceParent.parse(current_traceparent.get() or "")
        )
        own = parent.child() if parent else TraceParent.new_root()
        self._emitter = emitter
        self._trace = own
        self.name = name
        self.parent = parent.span_id if parent else None
        self.subject = subject
        self.total = total
        self.done: float | None = None
        self.phase: Phase | None = None
        self._owns_end = True
        self._lock = threading.Lock()
        self._tokens: list[Token[str | None]] = []

    @classmethod
    def attach(cls, emitter: Emitter, traceparent: str, name: str = "") -> Operation:
        """Speak for an operation another process started: progress, children, an ending.

        Leaving an attached block reports a failure but not a success: the process that
        started the operation says when it is done, unless this one calls `succeed()`.
        """
        parsed = _parse(traceparent)
        op = cls.__new__(cls)
        cls.__init__(op, emitter, name)
        op._trace, op.parent, op.phase, op._owns_end = parsed, None, Phase.STARTED, False
        return op

    # -- identity --------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The operation's id: its span id."""
        return self._trace.span_id

    @property
    def trace_id(self) -> str:
        return self._trace.trace_id

    @property
    def traceparent(self) -> str:
        """Pass this to another process (e.g. as TRACEPARENT) so that it can continue here."""
        return str(self._trace)

    @property
    def ended(self) -> bool:
        return self.phase in ENDING_PHASES

    # -- reporting -------------------------------------------------------------------

    def start(self) -> Operation:
        """Emit `started` (once); entering the block does it for you."""
        self._report(Phase.STARTED, only_if_new=True)
        return self

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        self.start()
        with self._lock:
            self.done = done
            self.total = total if total is not None else self.total
        self._report(Phase.PROGRESS, message=message)

    def child(self, name: str, total: float | None = None, subject: str | None = None) -> Operation:
        """A sub-operation: same trace, its own span, this one as `parent`. Not started yet."""
        self.start()
        return Operation(
            self._emitter,
            name,
            total=total,
            subject=subject or self.subject,
            traceparent=self.traceparent,
        )

    def succeed(self, message: str | None = None) -> None:
        self._report(Phase.SUCCEEDED, message=message)

    def cancel(self, message: str | None = None) -> None:
        self._report(Phase.CANCELLED, message=message)

    def fail(
        self,
        error: BaseException | str | None = None,
        *,
        message: str | None = None,
        details: str | None = None,
    ) -> None:
        """Emit `failed`: a `NotifyError` keeps its code and remedies; anything else is
        the catalogued "operation failed" error with its message."""
        notify = _as_notify_error(error)
        self._report(
            Phase.FAILED,
            message=message or _first_line(notify),
            error=notify.to_dict(),
            details=details or _details(error),
        )

    def emit(self, **fields: Any) -> dict[str, Any]:
        """Emit any event into this operation's log, from any thread or task."""
        return self._emitter.emit(traceparent=self.traceparent, **fields)

    def _report(
        self,
        phase: Phase,
        *,
        only_if_new: bool = False,
        message: str | None = None,
        error: Mapping[str, Any] | None = None,
        details: str | None = None,
    ) -> None:
        with self._lock:
            if self.ended or (only_if_new and self.phase is not None):
                return
            first = self.phase is None and phase is not Phase.STARTED
            self.phase = phase if phase is not Phase.PROGRESS else Phase.STARTED
            done, total = self.done, self.total
        if first:  # an ending or progress without start: report the start first
            self._send(Phase.STARTED, None, None, None, None, None)
        self._send(phase, done, total, message, error, details)

    def _send(
        self,
        phase: Phase,
        done: float | None,
        total: float | None,
        message: str | None,
        error: Mapping[str, Any] | None,
        details: str | None,
    ) -> None:
        fields = operation_fields(
            phase,
            op_id=self.id,
            trace_id=self.trace_id,
            parent=self.parent,
            name=self.name,
            done=done,
            total=total,
            message=message,
            error=error,
            details=details,
        )
        self._emitter.emit(subject=self.subject, **fields)

    # -- blocks ----------------------------------------------------------------------

    def __enter__(self) -> Operation:
        self.start()
        self._tokens.append(current_traceparent.set(self.traceparent))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._restore()
        if exc is None:
            if self._owns_end:
                self.succeed()
        elif isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError, GeneratorExit)):
            self.cancel(f"interrupted ({type(exc).__name__})")
        elif isinstance(exc, SystemExit) and exc.code in (0, None):
            if self._owns_end:
                self.succeed()
        else:
            self.fail(exc)

    async def __aenter__(self) -> Operation:
        return self.__enter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(kind, exc, tb)

    def _restore(self) -> None:
        if not self._tokens:
            return
        token = self._tokens.pop()
        try:
            current_traceparent.reset(token)
        except ValueError:  # left in another context (a generator, a callback)
            current_traceparent.set(
                token.old_value if token.old_value is not Token.MISSING else None
            )

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, id={self.id}, phase={self.phase})"


def _parse(traceparent: str) -> TraceParent:
    parsed = (
        TraceParent.parse(traceparent.strip().lower()) if isinstance(traceparent, str) else None
    )
    if parsed is None:
        raise codes.INVALID_TRACEPARENT.error(
            f"traceparent {traceparent!r} is not 00-<trace>-<span>-<flags>"
        )
    return parsed


def _as_notify_error(error: BaseException | str | None) -> NotifyError:
    if isinstance(error, NotifyError):
        return error
    if isinstance(error, BaseException):
        text = str(error)
        return codes.OPERATION_FAILED.error(
            f"{type(error).__name__}: {text}" if text else type(error).__name__
        )
    return codes.OPERATION_FAILED.error(error or None)


def _first_line(error: NotifyError) -> str:
    text = (error.long_description or error.short_description or [""])[0]
    return text.splitlines()[0] if text else ""


def _details(error: BaseException | str | None) -> str | None:
    """Where a plain exception was raised: enough to find it, not a whole traceback."""
    if (
        not isinstance(error, BaseException)
        or isinstance(error, NotifyError)
        or error.__traceback__ is None
    ):
        return None
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {error}\n  raised at {frame.filename}:{frame.lineno} in {frame.name}"[
        :MAX_DETAILS
    ]
