"""The Slack-compatible webhook sink against a real HTTP receiver: Slack's Block Kit shape,
Mattermost's incoming-webhook shape, digests, lifecycle changes and hostile text."""

from __future__ import annotations

import re
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from notifycenter.routing.sinks import slack
from tests.sinks_receivers import web_receiver
from tests.sinks_samples import HOSTILE, UNSAFE, change, delivery, notification, strings

_TEXT: dict[str, Any] = {
    "type": "object",
    "required": ["type", "text"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": ["plain_text", "mrkdwn"]},
        "text": {"type": "string", "minLength": 1},
        "emoji": {"type": "boolean"},
        "verbatim": {"type": "boolean"},
    },
}
_PLAIN: dict[str, Any] = {
    **_TEXT,
    "properties": {**_TEXT["properties"], "type": {"const": "plain_text"}},
}
# Slack's incoming webhook (api.slack.com, "Sending messages using incoming webhooks" and
# the Block Kit reference): `text` is the fallback shown in notifications when `blocks`
# are given; a header's text is plain_text of at most 150 characters, a section's at most
# 3,000, a context has at most 10 elements, a message at most 50 blocks.
SLACK_WEBHOOK: dict[str, Any] = {
    "type": "object",
    "required": ["text", "blocks"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "blocks": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["type", "text"],
                        "additionalProperties": False,
                        "properties": {
                            "type": {"const": "header"},
                            "text": {
                                **_PLAIN,
                                "properties": {
                                    **_PLAIN["properties"],
                                    "text": {"type": "string", "maxLength": 150},
                                },
                            },
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "text"],
                        "additionalProperties": False,
                        "properties": {
                            "type": {"const": "section"},
                            "text": {
                                **_TEXT,
                                "properties": {
                                    **_TEXT["properties"],
                                    "text": {"type": "string", "maxLength": 3000},
                                },
                            },
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "elements"],
                        "additionalProperties": False,
                        "properties": {
                            "type": {"const": "context"},
                            "elements": {"type": "array", "maxItems": 10, "items": _TEXT},
                        },
                    },
                ]
            },
        },
        "username": {"type": "string"},
        "icon_url": {"type": "string"},
        "icon_emoji": {"type": "string"},
        "channel": {"type": "string"},
        "unfurl_links": {"type": "boolean"},
        "unfurl_media": {"type": "boolean"},
        "mrkdwn": {"type": "boolean"},
        "thread_ts": {"type": "string"},
    },
}
# Mattermost's incoming webhook (developers.mattermost.com, "Incoming webhooks"): the
# parameters it documents, text or attachments required; and its message attachments'
# fields ("Message attachments").
MATTERMOST_WEBHOOK: dict[str, Any] = {
    "type": "object",
    "anyOf": [{"required": ["text"]}, {"required": ["attachments"]}],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string"},
        "channel": {"type": "string"},
        "username": {"type": "string"},
        "icon_url": {"type": "string"},
        "icon_emoji": {"type": "string"},
        "type": {"type": "string"},
        "props": {"type": "object"},
        "priority": {"type": "object"},
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fallback"],
                "additionalProperties": False,
                "properties": {
                    "fallback": {"type": "string", "minLength": 1},
                    "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                    "pretext": {"type": "string"},
                    "text": {"type": "string"},
                    "author_name": {"type": "string"},
                    "author_link": {"type": "string"},
                    "author_icon": {"type": "string"},
                    "title": {"type": "string"},
                    "title_link": {"type": "string"},
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["title", "value"],
                            "additionalProperties": False,
                            "properties": {
                                "title": {"type": "string"},
                                "value": {"type": "string"},
                                "short": {"type": "boolean"},
                            },
                        },
                    },
                    "image_url": {"type": "string"},
                    "thumb_url": {"type": "string"},
                    "footer": {"type": "string"},
                    "footer_icon": {"type": "string"},
                },
            },
        },
    },
}
# Markup that would ping, link or mention in Slack mrkdwn or Mattermost Markdown.
LIVE_MARKUP = re.compile(r"<[!@#]|<https?:|(?<!\w)@(here|channel|all|everyone)\b|\]\(")


async def post(settings: dict[str, Any], *events: dict[str, Any], **how: Any) -> list[Any]:
    async with web_receiver() as receiver:
        sink = slack.create(f"{receiver.url}/hooks/T000/B000/XXXX", settings, None)
        try:
            await sink.deliver(delivery(*events, **how))
        finally:
            await sink.aclose()
    assert {request.path for request in receiver.requests} == {"/hooks/T000/B000/XXXX"}
    return receiver.json()


def section(body: dict[str, Any]) -> str:
    text = body["blocks"][1]["text"]["text"]
    assert isinstance(text, str)
    return text


async def test_blocks_follow_slacks_documented_shape() -> None:
    [body] = await post({"username": "notifycenter", "icon_emoji": ":bell:"}, notification())
    jsonschema.validate(body, SLACK_WEBHOOK)
    assert body["text"] == "ERROR istio/adapter meshery-istio-1002: Could not provision Istio"
    header, _, context = body["blocks"]
    assert header["text"]["text"] == "ERROR istio/adapter meshery-istio-1002"
    assert section(body).splitlines() == [
        "*Could not provision Istio*",
        "istioctl exited 1: file not found",
        "*Probable cause*",
        "• istioctl is not installed or not on PATH",
        "*Remediation*",
        "1. Install istioctl",
        "2. Add its folder to PATH",
    ]
    link = "<http://127.0.0.1:9181/api/events/urn%3Ameshery%3Aadapter%3Aistio%23e-1|open>"
    assert context["elements"][0]["text"].endswith(link)
    assert (body["username"], body["icon_emoji"]) == ("notifycenter", ":bell:")


async def test_attachments_follow_mattermosts_documented_shape() -> None:
    [body] = await post({"format": "attachments", "channel": "ops"}, notification())
    jsonschema.validate(body, MATTERMOST_WEBHOOK)
    [attachment] = body["attachments"]
    assert attachment["title"] == "ERROR istio/adapter meshery-istio-1002"
    assert attachment["color"] == "#d0021b"
    assert attachment["title_link"].startswith("http://127.0.0.1:9181/api/events/")
    assert {"title": "Code", "value": "meshery-istio-1002", "short": True} in attachment["fields"]
    # Mattermost reads Markdown: `**` is bold there (`*` would be italic).
    assert attachment["text"].splitlines()[:2] == [
        "**Could not provision Istio**",
        "istioctl exited 1: file not found",
    ]
    assert body["channel"] == "ops"


async def test_a_resolve_reads_as_who_resolved_it() -> None:
    first = notification()
    _, resolved = await post({}, first, change("resolve", first, actor="alice"))
    jsonschema.validate(resolved, SLACK_WEBHOOK)
    assert resolved["blocks"][0]["text"]["text"].startswith("Resolved: ERROR istio/adapter")
    assert section(resolved) == "*resolved by alice: Could not provision Istio*"


@pytest.mark.parametrize(
    ("layout", "schema"), [("blocks", SLACK_WEBHOOK), ("attachments", MATTERMOST_WEBHOOK)]
)
async def test_a_digest_is_one_message(layout: str, schema: dict[str, Any]) -> None:
    events = [notification(summary=f"fault {n}", event_id=f"e-{n}") for n in range(2)]
    [body] = await post({"format": layout}, *events, digest=True, omitted=8)
    jsonschema.validate(body, schema)
    text = section(body) if layout == "blocks" else body["attachments"][0]["text"]
    assert text.splitlines() == [
        "ERROR istio/adapter: fault 0",
        "ERROR istio/adapter: fault 1",
        "… and 8 more",
    ]


@pytest.mark.parametrize(
    ("layout", "schema"), [("blocks", SLACK_WEBHOOK), ("attachments", MATTERMOST_WEBHOOK)]
)
async def test_hostile_text_cannot_ping_link_or_control_the_terminal(
    layout: str, schema: dict[str, Any]
) -> None:
    hostile = notification(summary=HOSTILE, details=HOSTILE)
    hostile["data"]["error"]["probableCause"] = [
        "<!here> is down",
        "see [this](http://evil.example)",
    ]
    [body] = await post({"format": layout}, hostile)
    jsonschema.validate(body, schema)
    texts = strings(body)
    assert not [text for text in texts if UNSAFE.search(text)]
    ours = re.compile(r"<http://127\.0\.0\.1:9181/[^|>]*\|open>")  # the one link we add
    assert not [text for text in texts if LIVE_MARKUP.search(ours.sub("", text))]
    # Still readable: the words are there, with their markup escaped.
    everything = "\n".join(texts)
    assert "&lt;!channel&gt;" in everything and "&lt;＠U024BE7LH&gt;" in everything
    assert "[/x]" in everything and "＠here" in everything


def test_escape_defuses_mentions_links_and_entities() -> None:
    assert slack.escape("a & b <!channel> <@U1> <http://x|y>") == (
        "a &amp; b &lt;!channel&gt; &lt;＠U1&gt; &lt;http://x|y&gt;"
    )
    assert (
        slack.escape("@here, (@all) mail bob@example.com") == "＠here, (＠all) mail bob@example.com"
    )
    assert slack.escape("[a](http://x) ![i](http://y) [r][1] [1]: http://z") == (
        "[a] (http://x) ![i] (http://y) [r] [1] [1] : http://z"
    )


@pytest.mark.parametrize(
    ("sink", "settings", "says"),
    [
        ("hooks.slack.com/services/x", {}, "http:// or https://"),
        (
            "https://hooks.example/x",
            {"format": "html"},
            "format must be one of blocks, attachments",
        ),
        ("https://hooks.example/x", {"colour": "red"}, "does not take protocolsettings colour"),
        ("https://hooks.example/x", {"username": "a\r\nb"}, "control characters"),
        ("https://hooks.example/x", {"icon_url": "icon.png"}, "http:// or https://"),
    ],
)
def test_wrong_settings_are_refused_with_a_reason(
    sink: str, settings: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        slack.create(sink, settings, None)
