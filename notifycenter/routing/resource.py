"""The subscription resource (CloudEvents Subscriptions API): validation and its public view.

A subscription as posted is checked field by field here, with catalogued errors, before
anything is stored; the credential is kept apart so that no view can leak it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from notifycenter.catalogue import subscriptions as codes
from notifycenter.model.filters import Filter, compile_subscription_filters
from notifycenter.model.sanitize import has_unsafe

PROTOCOLS = ("HTTP", "ntfy", "slack", "smtp")
WRITABLE = frozenset(
    {"source", "types", "config", "filters", "sink", "sinkcredential", "protocol"}
    | {"protocolsettings", "owner"}
)
READ_ONLY = frozenset({"id", "status", "delivery", "created", "updated"})
CREDENTIAL_TYPES = {"ACCESSTOKEN": ("access_token",), "PLAIN": ("identity", "secret")}
MAX_TEXT = 4096


@dataclass(frozen=True)
class DeliveryConfig:
    """`config`: how the engine delivers. Defaults suit a person's phone or a team channel."""

    ratelimit: int | None = None  # messages per minute; a flood above it becomes one digest
    lifecycle: bool = False  # also deliver acks, resolves, ... of matching notifications
    maxfailures: int = 5  # consecutive failed deliveries before the subscription is failing
    batchsize: int = 100
    backoffmin: float = 1.0
    backoffmax: float = 300.0

    def as_json(self) -> dict[str, Any]:
        values = {
            "lifecycle": self.lifecycle,
            "maxfailures": self.maxfailures,
            "batchsize": self.batchsize,
            "backoffmin": self.backoffmin,
            "backoffmax": self.backoffmax,
        }
        if self.ratelimit is not None:
            values["ratelimit"] = self.ratelimit
        return values


@dataclass(frozen=True)
class SubscriptionSpec:
    """What a subscription asks for: everything but its id, owner and delivery state."""

    sink: str
    protocol: str
    source: str | None = None
    types: tuple[str, ...] = ()
    filters: list[Any] = field(default_factory=list)
    config: DeliveryConfig = field(default_factory=DeliveryConfig)
    protocolsettings: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The stored form (the credential is stored beside it, not in it)."""
        body: dict[str, Any] = {
            "sink": self.sink,
            "protocol": self.protocol,
            "filters": self.filters,
            "config": self.config.as_json(),
            "protocolsettings": self.protocolsettings,
        }
        if self.source is not None:
            body["source"] = self.source
        if self.types:
            body["types"] = list(self.types)
        return body

    def event_filter(self) -> Filter:
        """`source`, `types` and `filters` as one filter (all must match)."""
        return matching_filter(self.as_json())


def matching_filter(body: Mapping[str, Any]) -> Filter:
    combined: list[Any] = []
    if body.get("source") is not None:
        combined.append({"exact": {"source": body["source"]}})
    types = body.get("types") or []
    if types:
        combined.append({"any": [{"exact": {"type": t}} for t in types]})
    combined.extend(body.get("filters") or [])
    return compile_subscription_filters(combined)


def parse_subscription(body: object) -> tuple[SubscriptionSpec, dict[str, Any] | None, bool]:
    """(spec, credential, credential given) from a posted body; catalogued 400s otherwise.

    `credential given` tells a PUT that leaves `sinkcredential` out (keep the stored one)
    from one that sets it to null (remove it).
    """
    if not isinstance(body, dict):
        raise codes.INVALID_SUBSCRIPTION.error("the body is not a JSON object")
    read_only = sorted(READ_ONLY & body.keys())
    if read_only:
        raise codes.INVALID_SUBSCRIPTION.error(f"read-only fields sent: {', '.join(read_only)}")
    unknown = sorted(set(body) - WRITABLE)
    if unknown:
        raise codes.INVALID_SUBSCRIPTION.error(f"unknown fields: {', '.join(unknown[:10])}")
    protocol = body.get("protocol")
    if not isinstance(protocol, str) or protocol not in PROTOCOLS:
        raise codes.UNKNOWN_PROTOCOL.error(
            f"protocol {_show(protocol)} is not one of {', '.join(PROTOCOLS)}"
        )
    sink = _sink(body.get("sink"), protocol)
    spec = SubscriptionSpec(
        sink=sink,
        protocol=protocol,
        source=_optional_text(body.get("source"), "source"),
        types=_types(body.get("types")),
        filters=_filters(body.get("filters")),
        config=parse_config(body.get("config")),
        protocolsettings=_settings(body.get("protocolsettings")),
        owner=_optional_text(body.get("owner"), "owner"),
    )
    spec.event_filter()  # a filter that cannot compile is refused now, with its own code
    given = "sinkcredential" in body
    return spec, parse_credential(body.get("sinkcredential")), given


def _sink(value: Any, protocol: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise codes.INVALID_SINK.error(f"sink {_show(value)} is not a non-empty string")
    if has_unsafe(value) or any(c.isspace() for c in value.strip()):
        raise codes.INVALID_SINK.error(f"sink {_show(value)} holds spaces or control characters")
    if protocol == "smtp":
        return value.strip()
    try:
        parts = urlsplit(value.strip())
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # `http://[::1`, `http://[zz]/`: no URL at all
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise codes.INVALID_SINK.error(f"sink {_show(value)} is not an http(s) URL with a host")
    return value.strip()


def _optional_text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or has_unsafe(value):
        raise codes.INVALID_SUBSCRIPTION.error(
            f"{name} must be a non-empty string without control characters"
        )
    return value


def _types(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(t, str) and t and not has_unsafe(t) for t in value
    ):
        raise codes.INVALID_SUBSCRIPTION.error(
            "types must be an array of non-empty strings without control characters"
        )
    return tuple(value)


def _filters(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise codes.INVALID_SUBSCRIPTION.error("filters must be an array of filter objects")
    return value


def _settings(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise codes.INVALID_PROTOCOL_SETTINGS.error("protocolsettings must be a JSON object")
    return value


def parse_credential(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise codes.INVALID_SINK_CREDENTIAL.error("sinkcredential must be a JSON object")
    kind = value.get("credential_type")
    needed = CREDENTIAL_TYPES.get(kind) if isinstance(kind, str) else None
    if needed is None:
        raise codes.INVALID_SINK_CREDENTIAL.error(
            f"credential_type {_show(kind)} is not one of {', '.join(CREDENTIAL_TYPES)}"
        )
    missing = [n for n in needed if not isinstance(value.get(n), str) or not value.get(n)]
    if missing:
        raise codes.INVALID_SINK_CREDENTIAL.error(
            f"{kind} needs {', '.join(missing)} (non-empty strings)"
        )
    return {"credential_type": kind, **{n: value[n] for n in needed}}


def redacted_credential(credential: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What a view shows of a credential: its type, never its secrets."""
    if not credential:
        return None
    return {"credential_type": credential.get("credential_type"), "redacted": True}


REDACTED = "<redacted>"
SECRET_HEADER_WORDS = ("authorization", "cookie", "token", "key", "secret", "password")


def redacted_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """protocolsettings as a view shows them: a header that carries a secret is masked."""
    headers = settings.get("headers")
    if not isinstance(headers, Mapping):
        return dict(settings)
    masked = {
        name: REDACTED if any(w in str(name).lower() for w in SECRET_HEADER_WORDS) else value
        for name, value in headers.items()
    }
    return {**settings, "headers": masked}


def restore_redacted(settings: dict[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """A PUT of what a GET showed keeps the stored value of each masked header."""
    headers, old = settings.get("headers"), stored.get("headers")
    if not isinstance(headers, dict) or not isinstance(old, Mapping):
        return settings
    kept = {n: old.get(n, v) if v == REDACTED else v for n, v in headers.items()}
    return {**settings, "headers": kept}


def parse_config(value: Any) -> DeliveryConfig:
    if value is None:
        return DeliveryConfig()
    if not isinstance(value, dict):
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error("config must be a JSON object")
    known = {"ratelimit", "lifecycle", "maxfailures", "batchsize", "backoffmin", "backoffmax"}
    unknown = sorted(set(value) - known)
    if unknown:
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error(f"unknown config keys: {', '.join(unknown)}")
    defaults = DeliveryConfig()
    config = DeliveryConfig(
        ratelimit=_int(value, "ratelimit", None, 1, 100_000),
        lifecycle=_bool(value, "lifecycle"),
        maxfailures=_int(value, "maxfailures", defaults.maxfailures, 1, 1_000_000) or 5,
        batchsize=_int(value, "batchsize", defaults.batchsize, 1, 1000) or 100,
        backoffmin=_seconds(value, "backoffmin", defaults.backoffmin),
        backoffmax=_seconds(value, "backoffmax", defaults.backoffmax),
    )
    if config.backoffmin > config.backoffmax:
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error("backoffmin is larger than backoffmax")
    return config


def _int(
    values: Mapping[str, Any], key: str, default: int | None, low: int, high: int
) -> int | None:
    raw = values.get(key)
    if raw is None:
        return default
    number = _number(raw, key)
    if number != int(number) or not low <= number <= high:
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error(
            f"{key} {_show(raw)} is not an integer from {low} to {high}"
        )
    return int(number)


def _seconds(values: Mapping[str, Any], key: str, default: float) -> float:
    raw = values.get(key)
    if raw is None:
        return default
    number = _number(raw, key)
    if not 0.01 <= number <= 86_400:
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error(
            f"{key} {_show(raw)} is not a number of seconds from 0.01 to 86400"
        )
    return number


def _number(raw: Any, key: str) -> float:
    """Numbers, or their text: the Subscriptions API's config is a map of strings."""
    if isinstance(raw, bool):
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error(f"{key} must be a number")
    try:
        number = float(raw) if isinstance(raw, (int, float, str)) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise codes.INVALID_SUBSCRIPTION_CONFIG.error(f"{key} {_show(raw)} is not a number")
    return number


def _bool(values: Mapping[str, Any], key: str) -> bool:
    raw = values.get(key, False)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise codes.INVALID_SUBSCRIPTION_CONFIG.error(f"{key} {_show(raw)} is not true or false")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
