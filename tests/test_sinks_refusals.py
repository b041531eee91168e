"""How the web sinks (ntfy, Slack) report a receiver's refusal: the `SinkError` the
delivery engine's retries rest on (Retry-After, permanent or worth retrying)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from notifycenter.routing.sink import Sink, SinkError
from notifycenter.routing.sinks import ntfy, slack
from notifycenter.routing.sinks.posting import retry_after
from tests.sinks_receivers import closed_port, web_receiver
from tests.sinks_samples import delivery, notification

SINKS: dict[str, Callable[[str], Sink]] = {
    "ntfy": lambda url: ntfy.create(f"{url}/topic", {}, None),
    "slack": lambda url: slack.create(f"{url}/hooks/x", {}, None),
}


async def refusal(kind: str, status: int, headers: dict[str, str] | None = None) -> SinkError:
    async with web_receiver() as receiver:
        receiver.answers.append((status, headers or {}))
        sink = SINKS[kind](receiver.url)
        try:
            with pytest.raises(SinkError) as failed:
                await sink.deliver(delivery(notification()))
        finally:
            await sink.aclose()
    assert len(receiver.requests) == 1
    return failed.value


@pytest.mark.parametrize("kind", SINKS)
async def test_429_with_retry_after_seconds(kind: str) -> None:
    error = await refusal(kind, 429, {"Retry-After": "7"})
    assert (error.status, error.retry_after, error.permanent) == (429, 7.0, False)
    assert "429" in str(error)


@pytest.mark.parametrize("kind", SINKS)
async def test_503_with_retry_after_as_a_date(kind: str) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    error = await refusal(kind, 503, {"Retry-After": later})
    assert error.status == 503 and not error.permanent
    assert error.retry_after is not None and 100 < error.retry_after <= 120


@pytest.mark.parametrize("kind", SINKS)
@pytest.mark.parametrize("status", [500, 502, 408, 429])
async def test_server_errors_and_timeouts_are_worth_retrying(kind: str, status: int) -> None:
    error = await refusal(kind, status)
    assert (error.status, error.retry_after, error.permanent) == (status, None, False)


@pytest.mark.parametrize("kind", SINKS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413])
async def test_other_client_errors_are_permanent(kind: str, status: int) -> None:
    error = await refusal(kind, status)
    assert error.status == status and error.permanent
    assert f"answered {status}" in str(error) and f"refused {status}" in str(error)


async def test_a_redirect_is_permanent_and_names_where() -> None:
    error = await refusal("slack", 301, {"Location": "https://hooks.example/moved"})
    assert error.permanent and "https://hooks.example/moved" in str(error)


@pytest.mark.parametrize("kind", SINKS)
async def test_connection_refused_is_worth_retrying(kind: str) -> None:
    sink = SINKS[kind](f"http://127.0.0.1:{closed_port()}")
    try:
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(notification()))
    finally:
        await sink.aclose()
    error = failed.value
    assert not error.permanent and error.status is None and error.retry_after is None
    assert "could not be reached" in str(error)


async def test_a_refusal_stops_the_batch_there() -> None:
    events = [notification(event_id=f"e-{n}") for n in range(3)]
    async with web_receiver() as receiver:
        receiver.answers += [(200, {}), (500, {})]
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        with pytest.raises(SinkError):
            await sink.deliver(delivery(*events))
        await sink.aclose()
    assert len(receiver.requests) == 2  # the third is not sent after the second failed


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Sun, 29 Nov 2026 18:01:30 GMT", now) == 90.0
    assert retry_after("Sun, 29 Nov 2026 17:00:00 GMT", now) == 0.0  # in the past: now
    assert retry_after("999999999", now) == 86400.0  # capped at a day
    assert retry_after("soon", now) is None and retry_after(None, now) is None


@pytest.mark.parametrize("kind", SINKS)
async def test_a_rate_limit_mid_batch_is_waited_out_without_repeating_a_message(
    kind: str,
) -> None:
    events = [notification(summary=f"fault {n}", event_id=f"e-{n}") for n in range(3)]
    async with web_receiver() as receiver:
        receiver.answers += [(200, {}), (429, {"Retry-After": "0"})]
        sink = SINKS[kind](receiver.url)
        await sink.deliver(delivery(*events))
        await sink.aclose()
    sent = [str(body) for body in receiver.json()]
    # The second message is sent again after its 429; the first is not repeated.
    assert len(sent) == 4 and sent[1] == sent[2]
    assert len(set(sent)) == 3 and "fault 0" in sent[0] and "fault 2" in sent[3]


async def test_a_long_retry_after_mid_batch_is_left_to_the_engine() -> None:
    events = [notification(event_id=f"e-{n}") for n in range(3)]
    async with web_receiver() as receiver:
        receiver.answers += [(200, {}), (429, {"Retry-After": "120"})]
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(*events))
        await sink.aclose()
    assert failed.value.retry_after == 120.0 and len(receiver.requests) == 2


async def test_a_rate_limit_on_the_first_message_is_left_to_the_engine() -> None:
    async with web_receiver() as receiver:
        receiver.answers += [(429, {"Retry-After": "0"})]
        sink = ntfy.create(f"{receiver.url}/t", {}, None)
        with pytest.raises(SinkError) as failed:
            await sink.deliver(delivery(notification(), notification(event_id="e-2")))
        await sink.aclose()
    assert failed.value.status == 429 and len(receiver.requests) == 1
