"""When nothing is configured and nothing answers, the notification center hosts a hub.

The embedded hub runs in the app's own event loop, so producers can post to it while
the notification center is open and it stops when the app quits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from notifycenter.catalogue.tui import EMBEDDED_HUB_FAILED
from notifycenter.client.http import tls_for
from notifycenter.model.errors import NotifyError

if TYPE_CHECKING:
    from notifycenter.hub.server import EmbeddedHub


def hub_answers(url: str, timeout: float = 0.5) -> bool:
    """True when a hub answers its health check at `url`."""
    try:
        health = url.rstrip("/") + "/healthz"
        return httpx.get(health, timeout=timeout, verify=tls_for([url])).status_code == 200
    except httpx.HTTPError:
        return False


def bind_of(url: str) -> str:
    """`http://127.0.0.1:9181` -> `127.0.0.1:9181`, the form the hub's settings take."""
    parts = urlsplit(url)
    port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


async def start_hub(bind: str, data_dir: Path) -> EmbeddedHub:
    """Start an embedded hub; any failure becomes the catalogued embedded-hub error."""
    from notifycenter.hub.server import start_embedded
    from notifycenter.hub.settings import HubSettings

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return await start_embedded(HubSettings(data_dir=data_dir, bind=bind))
    except NotifyError as error:
        raise EMBEDDED_HUB_FAILED.error(f"{bind}: {error.message}") from None
    except OSError as error:
        raise EMBEDDED_HUB_FAILED.error(f"{data_dir}: {error}") from None
