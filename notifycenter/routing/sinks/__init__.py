"""Outbound sinks for ntfy, Slack-compatible webhooks and SMTP.

Each module exposes `create(sink, settings, credential)` (the `SinkFactory` of
`notifycenter.routing.sink`) and is imported lazily, so a hub that routes nowhere never
loads an HTTP or SMTP client. What a notification says is decided once, in `render`;
each sink only lays it out for its receiver and escapes it for that receiver's markup.
"""
