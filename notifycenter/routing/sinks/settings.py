"""Reading a subscription's `protocolsettings` and `sinkcredential` for a sink.

Settings arrive as JSON from the API or as `KEY=VALUE` strings from the CLI, so every
reader takes both (`"true"` and `true`, `"a,b"` and `["a", "b"]`). A wrong or unknown
setting raises `ValueError` with a sentence for the operator: the API turns it into a
catalogued 400 when the subscription is created, not at the first delivery.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def reject_unknown(settings: Mapping[str, Any], known: Iterable[str], protocol: str) -> None:
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise ValueError(
            f"{protocol} does not take protocolsettings {', '.join(unknown)}"
            f" (it takes {', '.join(sorted(known))})"
        )


def text(settings: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    """A one-line string setting; control characters (a CR/LF header injection) refused."""
    value = settings.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"protocolsettings {name} must be a string")
    if _CONTROL.search(value):
        raise ValueError(f"protocolsettings {name} must not contain control characters")
    return value


def flag(settings: Mapping[str, Any], name: str, default: bool | None) -> bool | None:
    value = settings.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"protocolsettings {name} must be true or false")


def choice(settings: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, the first being the default."""
    value = settings.get(name, choices[0])
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"protocolsettings {name} must be one of {', '.join(choices)}")
    return value.lower()


def words(settings: Mapping[str, Any], name: str) -> list[str]:
    """A list setting: a JSON array of strings, or one comma-separated string."""
    value = settings.get(name)
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"protocolsettings {name} must be a list of strings")
    kept = [item.strip() for item in items if item.strip()]
    if any(_CONTROL.search(item) for item in kept):
        raise ValueError(f"protocolsettings {name} must not contain control characters")
    return kept


def http_url(sink: str, protocol: str) -> str:
    """An absolute http(s) URL with a host."""
    parts = urlsplit(sink) if isinstance(sink, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a {protocol} sink is an http:// or https:// URL, not {sink!r}")
    if _CONTROL.search(sink):
        raise ValueError(f"the {protocol} sink URL must not contain control characters")
    return sink


def login(credential: Mapping[str, Any] | None) -> tuple[str, str] | str | None:
    """A `sinkcredential` read: (identity, secret) for PLAIN, the token for ACCESSTOKEN.

    Takes the hub's spelling (`credential_type`, `access_token`, `identity`) and the
    Subscriptions API's schema spelling (`credentialtype`, `accesstoken`, `identifier`).
    """
    if not credential:
        return None
    kind = str(credential.get("credential_type") or credential.get("credentialtype") or "")
    token = credential.get("access_token", credential.get("accesstoken"))
    identity = credential.get("identity", credential.get("identifier"))
    secret = credential.get("secret")
    if kind.upper() == "ACCESSTOKEN" or (not kind and token is not None):
        if not isinstance(token, str) or not token or _CONTROL.search(token):
            raise ValueError("an ACCESSTOKEN sinkcredential needs a non-empty access_token")
        return token
    if kind.upper() == "PLAIN" or (not kind and identity is not None):
        if not isinstance(identity, str) or not isinstance(secret, str) or not identity:
            raise ValueError("a PLAIN sinkcredential needs an identity and a secret")
        if _CONTROL.search(identity + secret):
            raise ValueError("a sinkcredential must not contain control characters")
        return identity, secret
    raise ValueError("sinkcredential credential_type must be ACCESSTOKEN or PLAIN")


def authorization(credential: Mapping[str, Any] | None) -> dict[str, str]:
    """The HTTP `Authorization` header for a credential: Bearer for a token, else Basic."""
    found = login(credential)
    if found is None:
        return {}
    if isinstance(found, str):
        return {"Authorization": f"Bearer {found}"}
    pair = f"{found[0]}:{found[1]}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
