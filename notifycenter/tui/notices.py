"""How an error is told to the operator in a toast: code, what happened, cause, remedy."""

from __future__ import annotations

from notifycenter.model.errors import NotifyError
from notifycenter.model.sanitize import sanitize_line
from notifycenter.tui.policy import Level

CAUSES_SHOWN = 2
REMEDIES_SHOWN = 3


def error_notice(error: NotifyError) -> tuple[str, str, Level]:
    """(title, message, level): plain, sanitised text, enough to act on without opening
    a page."""
    lines = [*error.short_description, *error.long_description]
    lines += [f"cause: {cause}" for cause in error.probable_cause[:CAUSES_SHOWN]]
    remedies = error.suggested_remediation[:REMEDIES_SHOWN]
    lines += [f"fix {n}: {remedy}" for n, remedy in enumerate(remedies, 1)]
    message = "\n".join(sanitize_line(line, 400) for line in lines)
    level: Level = "warning" if error.severity == "WARNING" else "error"
    return sanitize_line(error.code, 40), message, level


def refusal_notice(error: NotifyError) -> tuple[str, str, Level]:
    """Like `error_notice`, with the first fix on the first line: the status line shows
    one line, and a refused token leaves nothing else to do."""
    title, message, level = error_notice(error)
    first_fix = error.suggested_remediation[:1]
    if first_fix:
        head = sanitize_line(f"{' '.join(error.short_description)} — {first_fix[0]}", 400)
        message = f"{head}\n{message}"
    return title, message, level
