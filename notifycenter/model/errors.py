"""MeshKit-compatible errors: a catalogued spec and the exception that carries it.

Every error the hub returns and the CLI prints comes from an `ErrorSpec` declared in
`notifycenter.catalogue`, so that codes stay unique and documented (`notifycenter errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_type_hints

# pydantic reads these TypedDicts (the client validates answers) and needs this one below 3.12.
from typing_extensions import TypedDict, Unpack


class ErrorDetails(TypedDict, total=False):
    """Where exactly an error happened: the keys a catalogued error body may add."""

    index: int  # the failing event of a batch
    request_id: str  # 500 only: the id the hub's log names the failure with
    ref: str  # the event reference that matched no event, or several
    line: int  # CESQL: where the expression stops parsing
    column: int
    expression: str
    passes: int  # CESQL: how often the filter would read the event's text
    kind: str  # CESQL: the class of an evaluation error
    path: str  # the file, or the configured filter, that holds the fault
    url: str  # the hub a client could not reach
    field: str  # the event field that JSON cannot carry
    log_start: str  # the cursor a reader resumes from after retention pruned its position


class ErrorBody(ErrorDetails):
    """A catalogued error as JSON (MeshKit's shape): what the hub answers and the CLI prints."""

    code: str
    severity: str
    shortDescription: list[str]
    longDescription: list[str]
    probableCause: list[str]
    suggestedRemediation: list[str]


# Each detail's type, to keep only well-typed details of an error body read back.
_DETAIL_TYPES: dict[str, type] = get_type_hints(ErrorDetails)


@dataclass(frozen=True)
class ErrorSpec:
    """One catalogued error. `code` is `notifycenter-NNNN` and carries no meaning."""

    code: str
    name: str
    severity: str
    short: str
    long: str
    causes: tuple[str, ...]
    remedies: tuple[str, ...]
    http_status: int = 400

    def error(
        self,
        detail: str | None = None,
        *,
        retry_after: float | None = None,
        **extra: Unpack[ErrorDetails],
    ) -> NotifyError:
        """Instantiate the error, with a detail that says what exactly went wrong;
        `retry_after` (seconds) tells a client when to try again."""
        return NotifyError.from_spec(self, detail, retry_after=retry_after, **extra)

    def log_line(self, detail: str) -> str:
        """One log line with the code, the detail, the first cause and the first remedy:
        a warning in a producer's log tells the operator what to do, like a CLI error."""
        return (
            f"{self.code}: {self.short}: {detail} (probable cause: {self.causes[0]};"
            f" remediation: {self.remedies[0]})"
        )


@dataclass
class NotifyError(Exception):
    """An error with a code, probable causes and suggested remediations (MeshKit's shape).

    Producers raise it so that a failure carries its remediation to the operator; the hub
    and CLI raise it from catalogued specs.
    """

    code: str
    short_description: list[str]
    long_description: list[str] = field(default_factory=list)
    probable_cause: list[str] = field(default_factory=list)
    suggested_remediation: list[str] = field(default_factory=list)
    severity: str = "ERROR"
    http_status: int = 400
    extra: ErrorDetails = field(default_factory=lambda: ErrorDetails())
    retry_after: float | None = None  # seconds; the hub sends it as Retry-After

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def from_spec(
        cls,
        spec: ErrorSpec,
        detail: str | None = None,
        *,
        retry_after: float | None = None,
        **extra: Unpack[ErrorDetails],
    ) -> NotifyError:
        return cls(
            code=spec.code,
            short_description=[spec.short],
            long_description=[detail] if detail else [spec.long],
            probable_cause=list(spec.causes),
            suggested_remediation=list(spec.remedies),
            severity=spec.severity,
            http_status=spec.http_status,
            extra=extra,
            retry_after=retry_after,
        )

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], http_status: int = 400) -> NotifyError:
        """Rebuild an error from its JSON form (as the hub sends it); of the other keys,
        the details it declares with their type are kept, the rest dropped."""
        return cls(
            code=str(body.get("code", "")),
            short_description=_as_list(body.get("shortDescription")),
            long_description=_as_list(body.get("longDescription")),
            probable_cause=_as_list(body.get("probableCause")),
            suggested_remediation=_as_list(body.get("suggestedRemediation")),
            severity=str(body.get("severity", "ERROR")),
            http_status=http_status,
            extra=_details(body),
        )

    @property
    def message(self) -> str:
        parts = self.short_description + [d for d in self.long_description if d]
        return f"{self.code}: " + ": ".join(parts)

    def to_dict(self) -> ErrorBody:
        """The JSON body the hub answers with; details (such as a batch `index`) follow."""
        return ErrorBody(
            code=self.code,
            severity=self.severity,
            shortDescription=self.short_description,
            longDescription=self.long_description,
            probableCause=self.probable_cause,
            suggestedRemediation=self.suggested_remediation,
            **self.extra,
        )


def _details(body: Mapping[str, Any]) -> ErrorDetails:
    details = ErrorDetails()
    for key, kind in _DETAIL_TYPES.items():
        value = body.get(key)
        # bool is an int to isinstance, never to JSON
        if isinstance(value, kind) and not isinstance(value, bool):
            details[key] = value  # type: ignore[literal-required]
    return details


def _as_list(value: Any) -> list[str]:
    """Texts, and numbers as text; nested lists and mappings are dropped: their text could
    be nested deeper than `str` goes."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Sequence):
        return [v if isinstance(v, str) else str(v) for v in value if isinstance(v, _PLAIN)]
    return [str(value)] if isinstance(value, _PLAIN) else []


_PLAIN = (str, int, float)
