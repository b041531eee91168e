"""Slack-compatible incoming webhooks: Slack itself, and Mattermost (which takes the same JSON).

Two layouts, chosen by `protocolsettings.format`: `blocks` (Slack's Block Kit: a header,
a section, a context line, with `text` as the notification fallback) and `attachments`
(one coloured attachment, which Mattermost renders and Slack still accepts).

Event text is untrusted, and both receivers parse markup in it. `escape` makes it inert
for both: `&`, `<` and `>` become entities (Slack: no `<!channel>`, `<@U…>` or
`<url|label>`), an `@` that starts a word becomes a full-width `＠` (Mattermost and
Slack's `link_names` mention `@channel` written plainly), and `](`, `][`, `]:` get a space
(Mattermost's Markdown links and images). Our own mrkdwn (bold labels, the link to the
hub) is added around the escaped text, never inside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from notifycenter.model.severity import Severity
from notifycenter.routing.egress import Egress
from notifycenter.routing.sink import Delivery
from notifycenter.routing.sinks import settings as read
from notifycenter.routing.sinks.posting import JsonMessageSink, JsonPoster
from notifycenter.routing.sinks.render import Notice, click_url, digest_lines, digest_title
from notifycenter.routing.sinks.render import notices as read_notices

SETTINGS = ("format", "username", "icon_url", "icon_emoji", "channel", "click")
FORMATS = ("blocks", "attachments")
HEADER_LIMIT = 150  # Slack: a header block's text
SECTION_LIMIT = 3000  # Slack: a section's text
COLOR = {
    Severity.EMERGENCY: "#8b0000",
    Severity.ALERT: "#b00020",
    Severity.CRITICAL: "#d0021b",
    Severity.ERROR: "#d0021b",
    Severity.WARNING: "#f5a623",
    Severity.NOTICE: "#4a90e2",
    Severity.SUCCESS: "#2eb886",
    Severity.INFO: "#4a90e2",
    Severity.DEBUG: "#9b9b9b",
}
CHANGE_COLOR = "#2eb886"

_MENTION = re.compile(r"(?<!\w)@(?=\w)")
_LINK = re.compile(r"\](?=[(\[:])")


def escape(text: str) -> str:
    """Untrusted text made inert for Slack mrkdwn and Mattermost Markdown alike."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _LINK.sub("] ", _MENTION.sub("＠", text))


def escape_url(url: str) -> str:
    """A URL of ours inside `<url|label>`: only the characters that end it are encoded."""
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SlackSink(JsonMessageSink):
    def __init__(
        self,
        url: str,
        layout: str,
        extra: dict[str, str],
        click: str | None,
        headers: Mapping[str, str],
        egress: Egress | None = None,
    ) -> None:
        self.url, self.layout, self.extra, self.click = url, layout, extra, click
        self._poster = JsonPoster("the webhook", headers, egress)

    def message(self, notice: Notice, hub_url: str | None) -> dict[str, Any]:
        link = click_url(self.click, hub_url, notice.ref)
        if self.layout == "attachments":
            return self._attachment(notice, link)
        context = [
            escape(part)
            for part in (notice.source, notice.event_type, notice.code, notice.time)
            if part
        ]
        if link:
            context.append(f"<{escape_url(link)}|open>")
        return self._blocks(
            fallback=escape(f"{notice.title}: {notice.headline}"),
            header=notice.title,
            body=mrkdwn_body(notice),
            context=" · ".join(context),
        )

    def digest(self, delivery: Delivery) -> dict[str, Any]:
        title = digest_title(delivery)
        lines = "\n".join(escape(line) for line in digest_lines(delivery))
        if self.layout == "attachments":
            found = [n.severity for n in read_notices(delivery) if not n.verb]
            color = COLOR[max(found)] if found else CHANGE_COLOR
            attachment = {"fallback": escape(title), "color": color, "title": escape(title)}
            attachment["text"] = cap(lines, SECTION_LIMIT)
            return {**self.extra, "attachments": [attachment]}
        return self._blocks(
            fallback=escape(title), header=title, body=lines, context="notifycenter digest"
        )

    def _blocks(self, *, fallback: str, header: str, body: str, context: str) -> dict[str, Any]:
        return {
            **self.extra,
            "text": fallback,
            "blocks": [
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": cap(escape(header), HEADER_LIMIT)},
                },
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": cap(body, SECTION_LIMIT), "verbatim": True},
                },
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": context, "verbatim": True}],
                },
            ],
            "unfurl_links": False,
            "unfurl_media": False,
        }

    def _attachment(self, notice: Notice, link: str | None) -> dict[str, Any]:
        fields = [{"title": "Source", "value": escape(notice.source), "short": True}]
        if notice.code:
            fields.append({"title": "Code", "value": escape(notice.code), "short": True})
        attachment: dict[str, Any] = {
            "fallback": escape(f"{notice.title}: {notice.headline}"),
            "color": CHANGE_COLOR if notice.verb else COLOR[notice.severity],
            "title": escape(notice.title),
            "text": cap(mrkdwn_body(notice, bold="**"), SECTION_LIMIT),
            "fields": fields,
            "footer": "notifycenter",
        }
        if link:
            attachment["title_link"] = link
        return {**self.extra, "attachments": [attachment]}


def mrkdwn_body(notice: Notice, bold: str = "*") -> str:
    """The headline in bold, then details, probable cause and remediation, each escaped.

    `bold` is `*` in Slack's mrkdwn and `**` in Mattermost's Markdown (where `*` is italic).
    """
    lines = [f"{bold}{escape(notice.headline)}{bold}"]
    if notice.comment:
        lines.append(f"_Comment:_ {escape(notice.comment)}")
    if notice.details and not notice.verb:
        lines.append(escape(notice.details))
    if notice.causes and not notice.verb:
        lines += [f"{bold}Probable cause{bold}", *(f"• {escape(c)}" for c in notice.causes)]
    if notice.remedies and not notice.verb:
        lines.append(f"{bold}Remediation{bold}")
        lines += [f"{n}. {escape(remedy)}" for n, remedy in enumerate(notice.remedies, 1)]
    return "\n".join(lines)


def create(
    sink: str,
    settings: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    *,
    egress: Egress | None = None,
) -> SlackSink:
    """The webhook sink of a subscription; `ValueError` says what is wrong with its settings."""
    read.reject_unknown(settings, SETTINGS, "slack")
    url = read.http_url(sink, "slack")
    layout = read.choice(settings, "format", FORMATS)
    extra = {
        name: value
        for name in ("username", "icon_url", "icon_emoji", "channel")
        if (value := read.text(settings, name)) is not None
    }
    if "icon_url" in extra:
        read.http_url(extra["icon_url"], "slack icon_url")
    click = read.text(settings, "click")
    if click is not None:
        read.http_url(click.replace("{ref}", "ref"), "slack click")
    return SlackSink(url, layout, extra, click, read.authorization(credential), egress)
