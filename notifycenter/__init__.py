"""notifycenter: a notification and operation center for cloud native infrastructure."""

from notifycenter import _httpx_cli

__version__ = "0.1.0"
_httpx_cli.defer()
