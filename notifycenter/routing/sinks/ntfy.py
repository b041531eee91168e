"""ntfy: a push notification on the operator's phone, published as JSON.

The JSON form (POST to the server's root with `topic`, `title`, `message`, `priority`,
`tags`, `click`) carries every field in the body, so no untrusted text ever lands in an
HTTP header. The sink is the topic's URL (`https://ntfy.sh/my-topic`), or the server's
root with `protocolsettings.topic`. Severity sets the priority, so that only an ERROR or
worse breaks through a phone's do-not-disturb (ntfy: 4 high, 5 max).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from notifycenter.model.severity import Severity
from notifycenter.routing.egress import Egress
from notifycenter.routing.sink import Delivery
from notifycenter.routing.sinks import settings as read
from notifycenter.routing.sinks.posting import JsonMessageSink, JsonPoster
from notifycenter.routing.sinks.render import Notice, click_url, digest_lines, digest_title
from notifycenter.routing.sinks.render import notices as read_notices

SETTINGS = ("topic", "click", "tags", "icon")
TOPIC = re.compile(r"[-_A-Za-z0-9]{1,64}")
MESSAGE_BYTES = 4000  # ntfy turns a message over 4,096 bytes into an attachment

PRIORITY = {
    Severity.EMERGENCY: 5,
    Severity.ALERT: 5,
    Severity.CRITICAL: 4,
    Severity.ERROR: 4,
    Severity.WARNING: 3,
    Severity.NOTICE: 2,
    Severity.SUCCESS: 2,
    Severity.INFO: 2,
    Severity.DEBUG: 1,
}
CHANGE_PRIORITY = 2  # a resolve or an ack is news, not an alarm
DEFAULT_PRIORITY = 3
# ntfy shows these tag names as emojis in front of the title.
EMOJI = {
    Severity.EMERGENCY: "sos",
    Severity.ALERT: "rotating_light",
    Severity.CRITICAL: "rotating_light",
    Severity.ERROR: "x",
    Severity.WARNING: "warning",
    Severity.NOTICE: "bell",
    Severity.SUCCESS: "white_check_mark",
    Severity.INFO: "information_source",
    Severity.DEBUG: "mag",
}
CHANGE_EMOJI = {
    "resolve": "white_check_mark",
    "ack": "eyes",
    "assign": "bust_in_silhouette",
    "take": "bust_in_silhouette",
    "reopen": "repeat",
}


class NtfySink(JsonMessageSink):
    def __init__(
        self,
        url: str,
        topic: str,
        click: str | None,
        tags: list[str],
        icon: str | None,
        headers: Mapping[str, str],
        egress: Egress | None = None,
    ) -> None:
        self.url, self.topic, self.click, self.tags, self.icon = url, topic, click, tags, icon
        self._poster = JsonPoster("the ntfy server", headers, egress)

    def message(self, notice: Notice, hub_url: str | None) -> dict[str, Any]:
        """One notification, or one lifecycle change, as ntfy's publish-as-JSON object."""
        if notice.verb:
            emoji = CHANGE_EMOJI.get(notice.verb, "information_source")
            priority = CHANGE_PRIORITY
        else:
            emoji, priority = EMOJI[notice.severity], PRIORITY[notice.severity]
        return self._publish(
            title=notice.title,
            message=notice.text(),
            priority=priority,
            tags=[emoji, notice.severity.name.lower(), *self.tags],
            click=click_url(self.click, hub_url, notice.ref),
        )

    def digest(self, delivery: Delivery) -> dict[str, Any]:
        """A rate-limited flood as one message: the first lines, then `… and N more`."""
        found = read_notices(delivery)
        worst = [n.severity for n in found if not n.verb]
        quiet = CHANGE_PRIORITY if found else DEFAULT_PRIORITY  # changes only, or none shown
        priority = max((PRIORITY[s] for s in worst), default=quiet)
        emoji = EMOJI[max(worst)] if worst else "information_source"
        click = self.click if self.click and "{ref}" not in self.click else None
        if click is None and delivery.hub_url:
            click = f"{delivery.hub_url.rstrip('/')}/api/events"
        return self._publish(
            title=digest_title(delivery),
            message="\n".join(digest_lines(delivery)),
            priority=priority,
            tags=[emoji, "digest", *self.tags],
            click=click,
        )

    def _publish(
        self, *, title: str, message: str, priority: int, tags: list[str], click: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "topic": self.topic,
            "title": title,
            "message": cap_bytes(message, MESSAGE_BYTES),
            "priority": priority,
            "tags": tags,
        }
        if click:
            body["click"] = click
        if self.icon:
            body["icon"] = self.icon
        return body


def cap_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut at a character and marked with an ellipsis."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def create(
    sink: str,
    settings: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    *,
    egress: Egress | None = None,
) -> NtfySink:
    """The ntfy sink of a subscription; `ValueError` says what is wrong with its settings."""
    read.reject_unknown(settings, SETTINGS, "ntfy")
    url = read.http_url(sink, "ntfy")
    topic = read.text(settings, "topic")
    if topic is None:  # the topic is the URL's last path part; publish to the rest
        parts = urlsplit(url)
        base, _, topic = parts.path.rstrip("/").rpartition("/")
        url = urlunsplit((parts.scheme, parts.netloc, base + "/", "", ""))
    if not topic or not TOPIC.fullmatch(topic):
        raise ValueError(
            "an ntfy sink names its topic (letters, digits, - and _, at most 64):"
            " https://ntfy.sh/my-topic, or the server with protocolsettings topic"
        )
    click = read.text(settings, "click")
    if click is not None:
        read.http_url(click.replace("{ref}", "ref"), "ntfy click")
    icon = read.text(settings, "icon")
    return NtfySink(
        url,
        topic,
        click,
        read.words(settings, "tags"),
        icon,
        read.authorization(credential),
        egress,
    )
