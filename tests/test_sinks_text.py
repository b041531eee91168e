"""Whatever an event says, what the sinks build from it is inert: no control or bidi
characters anywhere, no live Slack or Mattermost markup, and one-line mail headers."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from notifycenter.routing.sinks import ntfy, slack, smtp
from notifycenter.routing.sinks.render import notice
from tests.sinks_samples import UNSAFE, change, delivery, notification, strings

# Text built from the characters and phrases that matter most, mixed with any other.
PIECE = st.one_of(
    st.sampled_from(list("<>&@!#|[]():*_~`\r\n\t\x1b\x07\x9b\u202e\u2066\u200b\u2028")),
    st.sampled_from(["<!channel>", "<@U1>", "@here", "](http://x)", "\r\nBcc: x@y"]),
    st.characters(),
)
TRICKY = st.lists(PIECE, max_size=40).map("".join)
LIVE_MARKUP = re.compile(r"<[!@#]|<https?:|(?<!\w)@(here|channel|all|everyone)\b|\]\(")
OUR_LINK = re.compile(r"<http://127\.0\.0\.1:9181/[^|>]*\|open>")
SINKS = (
    slack.create("https://hooks.example/x", {}, None),
    slack.create("https://hooks.example/x", {"format": "attachments"}, None),
    ntfy.create("https://ntfy.example/t", {}, None),
    smtp.create("smtp://mail.example", {"from": "a@example.com", "to": "b@example.com"}, None),
)


def hostile(summary: str, details: str, cause: str, actor: str) -> list[dict[str, Any]]:
    first = notification(summary=summary, details=details)
    first["data"]["error"]["probableCause"] = [cause]
    first["data"]["error"]["code"] = cause[:20]
    return [first, change("resolve", first, actor=actor, comment=details)]


@settings(max_examples=50, deadline=None)  # building mails costs ~20 ms each
@given(TRICKY, TRICKY, TRICKY, TRICKY)
def test_no_sink_passes_on_live_markup_or_control_characters(
    summary: str, details: str, cause: str, actor: str
) -> None:
    batch = delivery(*hostile(summary, details, cause, actor))
    found = [notice(item) for item in batch.items]
    web, mattermost, phone, mail = SINKS
    payloads = [sink.message(n, batch.hub_url) for n in found for sink in (web, mattermost)]
    payloads += [web.digest(batch), mattermost.digest(batch)]
    for text in strings(payloads):
        assert not UNSAFE.search(text), text
        assert not LIVE_MARKUP.search(OUR_LINK.sub("", text)), text
    for text in strings([phone.message(n, batch.hub_url) for n in found]):
        assert not UNSAFE.search(text), text
    for message in mail.messages(batch):
        for name, value in message.items():
            assert "\r" not in value and "\n" not in value.replace("\n ", ""), (name, value)
        assert message["Bcc"] is None
        plain = message.get_body(("plain",))
        assert plain is not None and not UNSAFE.search(plain.get_content())
