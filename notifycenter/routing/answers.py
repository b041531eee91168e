"""A receiver's answer, read within bounds.

Sinks only need an answer's status, headers and the start of its body (a reason to
show). A receiver may send any amount (gigabytes, without end) or drip it a byte at a
time within each read's timeout: the hub reads at most `ANSWER_BYTES` of a body, and
gives the whole exchange `deadline` seconds.
"""

from __future__ import annotations

import asyncio

import httpx

from notifycenter.client.http import with_body

ANSWER_BYTES = 64 << 10


async def exchange(
    client: httpx.AsyncClient, request: httpx.Request, deadline: float
) -> httpx.Response:
    """`request` sent; its answer with at most `ANSWER_BYTES` of body. Raises httpx's
    errors, and `TimeoutError` past `deadline`."""
    async with asyncio.timeout(deadline):
        answer = await client.send(request, stream=True)
        body = bytearray()
        try:
            async for chunk in answer.aiter_bytes():
                body += chunk[: ANSWER_BYTES - len(body)]
                if len(body) >= ANSWER_BYTES:
                    break  # the rest is never read: the connection is closed, not reused
        finally:
            await answer.aclose()
    return with_body(answer, bytes(body))
