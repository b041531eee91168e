"""What a delivered notification says, decided once for every sink.

A `Notice` holds the sanitised text of one item (control characters, bidi overrides and
the like removed, lengths capped) but no markup and no escaping: each sink escapes it
for its own receiver (mrkdwn, HTML, e-mail headers). Lifecycle items read as the change
they record ("resolved by alice: <summary>"), so a resolve reaching a phone or a channel
makes sense without the hub at hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlsplit

from notifycenter.model.event import describe
from notifycenter.model.lifecycle import LIFECYCLE_TYPE_PREFIX, Verb
from notifycenter.model.names import short_source
from notifycenter.model.sanitize import sanitize, sanitize_line
from notifycenter.model.severity import Severity, parse_severity
from notifycenter.routing.sink import Delivery, Item

SUMMARY_LIMIT = 300
DETAILS_LIMIT = 1000
LINE_LIMIT = 300
MAX_REASONS = 5  # probable causes, and remedies, shown each


@dataclass(frozen=True)
class Notice:
    """One item as an operator reads it."""

    ref: str  # `source#id` of the notification (the target, for a lifecycle item)
    item_ref: str  # `source#id` of the delivered event itself
    severity: Severity
    source: str  # the short source name: `istio/adapter`
    event_type: str
    code: str
    summary: str
    details: str
    causes: tuple[str, ...]
    remedies: tuple[str, ...]
    time: str
    verb: str = ""  # the lifecycle verb ("resolve") of a lifecycle item, else empty
    done: str = ""  # what the verb did: "resolved", "assigned to bob"
    actor: str = ""
    until: str = ""
    comment: str = ""

    @property
    def change(self) -> str:
        """`resolved by alice`, `acknowledged by bob until resolved`; empty for a notification."""
        if not self.verb:
            return ""
        return f"{self.done} by {self.actor}" + (f" until {self.until}" if self.until else "")

    @property
    def label(self) -> str:
        """`ERROR istio/adapter meshery-istio-1002`: the notification, whatever the item."""
        return " ".join(word for word in (self.severity.name, self.source, self.code) if word)

    @property
    def title(self) -> str:
        """The label; `Resolved: <label>` for a lifecycle item."""
        return f"{self.done[:1].upper()}{self.done[1:]}: {self.label}" if self.verb else self.label

    @property
    def headline(self) -> str:
        """The summary, or `resolved by alice: <summary>`."""
        return f"{self.change}: {self.summary}" if self.change else self.summary

    def text(self) -> str:
        """The plain-text body: headline, details, probable cause and remediation."""
        lines = [self.headline]
        if self.comment:
            lines.append(f"Comment: {self.comment}")
        if self.details and not self.verb:
            lines += ["", self.details]
        if self.causes and not self.verb:
            lines += ["", "Probable cause:", *(f"- {cause}" for cause in self.causes)]
        if self.remedies and not self.verb:
            lines += ["", "Remediation:"]
            lines += [f"{n}. {remedy}" for n, remedy in enumerate(self.remedies, 1)]
        return "\n".join(lines)

    def line(self) -> str:
        """One digest line: `ERROR istio/adapter: Could not provision Istio`."""
        return f"{self.severity.name} {self.source}: {self.headline}"


def notice(item: Item) -> Notice:
    """Read one delivered item, whether a notification or a lifecycle change of one."""
    event = item.event
    verb = _lifecycle_verb(event)
    if verb is None:
        return _notification(event)
    data = _mapping(event.get("data"))
    target = item.target or _target_stub(event, data)
    return replace(
        _notification(target),
        item_ref=f"{event.get('source', '')}#{event.get('id', '')}",
        time=sanitize_line(event.get("time") or "", 40),
        verb=verb,
        done=_past_tense(verb, data),
        actor=sanitize_line(data.get("actor") or "someone", 100),
        until=sanitize_line(data.get("until") or "", 40),
        comment=sanitize_line(data.get("comment") or "", LINE_LIMIT),
    )


def notices(delivery: Delivery) -> list[Notice]:
    return [notice(item) for item in delivery.items]


def worst(found: Sequence[Notice]) -> Severity:
    """The highest severity among notifications (a lifecycle change counts as its target)."""
    return max((n.severity for n in found), default=Severity.INFO)


def digest_title(delivery: Delivery) -> str:
    """`14 notifications (worst: ERROR)`: a rate-limited flood folded into one message."""
    total = len(delivery.items) + delivery.omitted
    found = notices(delivery)
    noun = "notification" if total == 1 else "notifications"
    return f"{total} {noun} (worst: {worst(found).name})" if found else f"{total} {noun}"


def digest_lines(delivery: Delivery) -> list[str]:
    """A line per item shown, then `… and N more` for the ones the rate limit left out."""
    lines = [n.line() for n in notices(delivery)]
    if delivery.omitted:
        lines.append(f"… and {delivery.omitted:,} more")
    return lines


def click_url(template: str | None, hub_url: str | None, ref: str) -> str | None:
    """Where a tap or click leads: the setting (its `{ref}` filled in), else the hub's event.

    No link rather than a dead one: a hub bound to every interface (`0.0.0.0`) or to a
    port the system picked (`:0`) has no address a phone could open.
    """
    if template:
        return template.replace("{ref}", quote(ref, safe=""))
    if hub_url and reachable(hub_url):
        return f"{hub_url.rstrip('/')}/api/events/{quote(ref, safe='')}"
    return None


def reachable(url: str) -> bool:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return parts.hostname not in (None, "0.0.0.0", "::") and port != 0


def _notification(event: Mapping[str, Any]) -> Notice:
    text = describe(event)
    source = str(event.get("source", ""))
    ref = f"{source}#{event.get('id', '')}"
    return Notice(
        ref=ref,
        item_ref=ref,
        severity=_severity(event),
        source=sanitize_line(short_source(source), 100),
        event_type=sanitize_line(event.get("type", ""), 200),
        code=sanitize_line(text.code, 100),
        summary=sanitize_line(text.summary, SUMMARY_LIMIT),
        details=sanitize(text.details, DETAILS_LIMIT).strip(),
        causes=_reasons(text.causes),
        remedies=_reasons(text.remedies),
        time=sanitize_line(event.get("time") or "", 40),
    )


def _reasons(values: Sequence[Any]) -> tuple[str, ...]:
    kept = [sanitize_line(value, LINE_LIMIT) for value in list(values)[:MAX_REASONS]]
    return tuple(value for value in kept if value)


def _severity(event: Mapping[str, Any]) -> Severity:
    try:
        return parse_severity(event.get("severitytext") or "INFO")
    except Exception:  # a stored event is validated; a hand-made test item may not be
        return Severity.INFO


def _lifecycle_verb(event: Mapping[str, Any]) -> str | None:
    kind = event.get("type")
    if isinstance(kind, str) and kind.startswith(LIFECYCLE_TYPE_PREFIX):
        return sanitize_line(kind.removeprefix(LIFECYCLE_TYPE_PREFIX), 40)
    return None


def _past_tense(verb: str, data: Mapping[str, Any]) -> str:
    """`resolved`; an assign reads `taken` when the actor assigned it to themselves."""
    if verb == "assign":
        owner, actor = data.get("to"), data.get("actor")
        return (
            "taken" if not owner or owner == actor else f"assigned to {sanitize_line(owner, 100)}"
        )
    try:
        return Verb(verb).past_tense
    except ValueError:  # a verb newer than this module: say it as it is
        return verb


def _target_stub(event: Mapping[str, Any], data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The target's identity alone, when the engine could not attach the notification."""
    target = _mapping(data.get("target"))
    return {
        "source": target.get("source", ""),
        "id": target.get("id", ""),
        "type": "",
        "data": {"summary": event.get("subject") or ""},
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
