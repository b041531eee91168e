"""`NotifyHandler`: Python `logging` records become notifycenter events."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from notifycenter.client.emitter import Emitter
from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Severity

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
}
DEFAULT_TYPE_PREFIX = "io.meshery.log"


def severity_of_level(levelno: int) -> Severity:
    """Python levels onto syslog's: CRITICAL, ERROR, WARNING, INFO, DEBUG and in between."""
    if levelno >= logging.CRITICAL:
        return Severity.CRITICAL
    if levelno >= logging.ERROR:
        return Severity.ERROR
    if levelno >= logging.WARNING:
        return Severity.WARNING
    if levelno > logging.INFO:
        return Severity.NOTICE
    if levelno >= logging.INFO:
        return Severity.INFO
    return Severity.DEBUG


class NotifyHandler(logging.Handler):
    """Send log records through an `Emitter` (never blocks the logging call).

    The message becomes `data.summary`, `exc_info` the details (and a `NotifyError`'s
    code, causes and remedies the error object), `extra=` fields go into `data.metadata`,
    and the type is `<type_prefix>.<logger name>`.
    """

    def __init__(
        self, emitter: Emitter, level: int = logging.NOTSET, type_prefix: str = DEFAULT_TYPE_PREFIX
    ) -> None:
        super().__init__(level)
        self.emitter = emitter
        self.type_prefix = type_prefix

    def emit(self, record: logging.LogRecord) -> None:
        if (
            record.name.startswith("notifycenter.client")
            or record.thread == self.emitter.sender_thread_id
        ):
            return  # the emitter's own logging (and httpx's, on its thread) would feed back into it
        try:
            self.emitter.emit(**self.fields(record))
        except Exception:
            self.handleError(record)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The `Emitter.emit` keywords for one record."""
        fields: dict[str, Any] = {
            "type": f"{self.type_prefix}.{record.name}",
            "severity": severity_of_level(record.levelno),
            "summary": record.getMessage(),
            "data": {
                "metadata": self.extras(record) | {"logger": record.name, "level": record.levelname}
            },
        }
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            fields["details"] = "".join(traceback.format_exception(exc)).rstrip()
        if isinstance(exc, NotifyError):
            fields.update(
                code=exc.code, causes=exc.probable_cause, remedies=exc.suggested_remediation
            )
        return fields

    @staticmethod
    def extras(record: logging.LogRecord) -> dict[str, Any]:
        """`extra=` fields, as JSON-safe values (repr for anything else)."""
        return {
            key: _json_safe(value)
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
        }


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return repr(value)
