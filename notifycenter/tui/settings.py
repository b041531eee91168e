"""The config file's `[tui]` table, validated strictly.

A misspelt key or a wrong value fails at start-up with the key and what is allowed,
rather than being ignored while the operator wonders why nothing changed.

```toml
[tui]
theme = "textual-dark"
bell = "ALERT"              # or false
[tui.keymap]
"lifecycle.ack" = "a,ctrl+k"
[tui.notifications]
min-severity = "NOTICE"
mute = ["urn:meshery:adapter:consul"]
max-toasts = 3              # per window
window = 10                 # seconds
operations = true
[tui.notifications.sources]
"urn:meshery:adapter:istio" = "ERROR"    # or "off"
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from notifycenter.catalogue.tui import INVALID_TUI_SETTING
from notifycenter.model.errors import NotifyError
from notifycenter.model.severity import Severity, parse_severity
from notifycenter.tui.policy import PolicySettings

TUI_KEYS = ("theme", "bell", "keymap", "notifications")
NOTIFICATION_KEYS = ("min-severity", "sources", "mute", "max-toasts", "window", "operations")
OFF = ("off", "none", "mute", "muted")


@dataclass(frozen=True)
class TuiSettings:
    keymap: Mapping[str, str] = field(default_factory=dict)
    policy: PolicySettings = field(default_factory=PolicySettings)
    theme: str | None = None


def parse_tui_settings(raw: Mapping[str, Any] | None) -> TuiSettings:
    """Validate `[tui]` (as `notifycenter.config.load_config().tui` hands it over)."""
    raw = raw or {}
    _check_keys(raw, TUI_KEYS, "[tui]")
    theme = raw.get("theme")
    if theme is not None and (not isinstance(theme, str) or not theme):
        raise _invalid(f"tui.theme must be a theme name, not {theme!r}")
    notifications = _table(raw, "notifications", "tui.notifications")
    policy = _parse_policy(notifications, raw.get("bell", "ALERT"))
    return TuiSettings(
        keymap=_parse_keymap(_table(raw, "keymap", "tui.keymap")), policy=policy, theme=theme
    )


def check_keymap(keymap: Mapping[str, str], known_ids: Iterable[str]) -> None:
    """Every id in the keymap names a binding that exists."""
    known = set(known_ids)
    unknown = sorted(set(keymap) - known)
    if unknown:
        raise _invalid(
            f"[tui.keymap] names unknown binding ids {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )


def _parse_keymap(table: Mapping[str, Any]) -> dict[str, str]:
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, list) and keys and all(isinstance(k, str) and k for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip() or " " in keys.strip():
            raise _invalid(
                f'tui.keymap.{binding_id} must be keys such as "a" or "a,ctrl+k", not {keys!r}'
            )
        keymap[binding_id] = keys.strip()
    return keymap


def _parse_policy(table: Mapping[str, Any], bell: Any) -> PolicySettings:
    _check_keys(table, NOTIFICATION_KEYS, "[tui.notifications]")
    defaults = PolicySettings()
    min_severity = _severity(
        table.get("min-severity", defaults.min_severity.name), "tui.notifications.min-severity"
    )
    sources = {
        prefix: _severity_or_off(value, f"tui.notifications.sources.{prefix!r}")
        for prefix, value in _table(table, "sources", "tui.notifications.sources").items()
    }
    mute = table.get("mute", [])
    if not isinstance(mute, list) or not all(isinstance(m, str) and m for m in mute):
        raise _invalid(f"tui.notifications.mute must be a list of source prefixes, not {mute!r}")
    max_toasts = table.get("max-toasts", defaults.max_toasts)
    if isinstance(max_toasts, bool) or not isinstance(max_toasts, int) or max_toasts < 1:
        raise _invalid(
            f"tui.notifications.max-toasts must be an integer of at least 1, not {max_toasts!r}"
        )
    window = table.get("window", defaults.window_seconds)
    if isinstance(window, bool) or not isinstance(window, (int, float)) or window <= 0:
        raise _invalid(
            f"tui.notifications.window must be a number of seconds above 0, not {window!r}"
        )
    operations = table.get("operations", True)
    if not isinstance(operations, bool):
        raise _invalid(f"tui.notifications.operations must be true or false, not {operations!r}")
    return PolicySettings(
        min_severity=min_severity,
        sources=sources,
        mute=tuple(mute),
        bell=_bell(bell),
        max_toasts=max_toasts,
        window_seconds=float(window),
        operations=operations,
    )


def _bell(value: Any) -> Severity | None:
    if value is False:
        return None
    if value is True:
        return Severity.ALERT
    return _severity_or_off(value, "tui.bell")


def _severity_or_off(value: Any, name: str) -> Severity | None:
    if isinstance(value, str) and value.strip().lower() in OFF:
        return None
    return _severity(value, name)


def _severity(value: Any, name: str) -> Severity:
    try:
        if not isinstance(value, str):
            raise TypeError
        return parse_severity(value)
    except (NotifyError, TypeError):
        allowed = " ".join(s.name for s in sorted(Severity, reverse=True))
        raise _invalid(f"{name} must be one of {allowed}, not {value!r}") from None


def _table(raw: Mapping[str, Any], key: str, name: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise _invalid(f"{name} must be a table, not {value!r}")
    return value


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise _invalid(f"unknown key {key!r} in {where}; allowed: {', '.join(allowed)}")


def _invalid(detail: str) -> NotifyError:
    return INVALID_TUI_SETTING.error(detail)
