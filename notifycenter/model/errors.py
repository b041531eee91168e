"""MeshKit-compatible errors: a catalogued spec and the exception that carries it.

Every error the hub returns and the CLI prints comes from an `ErrorSpec` declared in
`notifycenter.catalogue`, so that codes stay unique and documented (`notifycenter errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


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

    def error(self, detail: str | None = None, **extra: Any) -> NotifyError:
        """Instantiate the error, with a detail that says what exactly went wrong."""
        return NotifyError.from_spec(self, detail, **extra)

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
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def from_spec(cls, spec: ErrorSpec, detail: str | None = None, **extra: Any) -> NotifyError:
        return cls(
            code=spec.code,
            short_description=[spec.short],
            long_description=[detail] if detail else [spec.long],
            probable_cause=list(spec.causes),
            suggested_remediation=list(spec.remedies),
            severity=spec.severity,
            http_status=spec.http_status,
            extra=dict(extra),
        )

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], http_status: int = 400) -> NotifyError:
        """Rebuild an error from its JSON form (as the hub sends it)."""
        known = {
            "code",
            "severity",
            "shortDescription",
            "longDescription",
            "probableCause",
            "suggestedRemediation",
        }
        return cls(
            code=str(body.get("code", "")),
            short_description=_as_list(body.get("shortDescription")),
            long_description=_as_list(body.get("longDescription")),
            probable_cause=_as_list(body.get("probableCause")),
            suggested_remediation=_as_list(body.get("suggestedRemediation")),
            severity=str(body.get("severity", "ERROR")),
            http_status=http_status,
            extra={k: v for k, v in body.items() if k not in known},
        )

    @property
    def message(self) -> str:
        parts = self.short_description + [d for d in self.long_description if d]
        return f"{self.code}: " + ": ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body the hub answers with; extra keys (such as a batch `index`) follow."""
        body: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "shortDescription": self.short_description,
            "longDescription": self.long_description,
            "probableCause": self.probable_cause,
            "suggestedRemediation": self.suggested_remediation,
        }
        body.update(self.extra)
        return body


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]
