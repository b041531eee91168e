"""The config file's `[tui]` table, validated strictly.

A misspelt key or a wrong value fails at start-up with the key and what is allowed,
rather than being ignored while the operator wonders why nothing changed. The rules are
`TuiTable` in `notifycenter.config_schema`, the one schema of the config file; this
module turns the validated table into what the app uses.

```toml
[tui]
theme = "textual-dark"
bell = "ALERT"              # or false
takeover = true             # an unacknowledged EMERGENCY or ALERT takes the whole screen
[tui.keymap]
"lifecycle.ack" = "a,ctrl+k"
[tui.notifications]
min-severity = "NOTICE"
mute = ["urn:meshery:adapter:consul"]
max-toasts = 3              # per window
window = 10                 # seconds
operations = true
toasts = false              # pop-ups over the screen; the status line and `n` always have them
successes = false           # succeeded operations and SUCCESS events pop up too
[tui.notifications.sources]
"urn:meshery:adapter:istio" = "ERROR"    # or "off"
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from notifycenter.catalogue.tui import INVALID_TUI_SETTING
from notifycenter.model.severity import Severity
from notifycenter.tui.policy import PolicySettings

if TYPE_CHECKING:
    from notifycenter.config_schema import TuiTable


@dataclass(frozen=True)
class TuiSettings:
    keymap: Mapping[str, str] = field(default_factory=dict)
    policy: PolicySettings = field(default_factory=PolicySettings)
    theme: str | None = None
    takeover: bool = True


def parse_tui_settings(raw: Mapping[str, Any] | None) -> TuiSettings:
    """Validate `[tui]` (as `notifycenter.config.load_config().tui` hands it over)."""
    if not raw:
        return TuiSettings()  # the defaults: the schema's import is left out of the start
    from notifycenter.config_schema import TuiTable, config_code, validate

    table = validate(TuiTable, raw, code_for=config_code, prefix=("tui",))
    return TuiSettings(
        keymap=dict(table.keymap),
        policy=_policy(table),
        theme=table.theme,
        takeover=True if table.takeover is None else table.takeover,
    )


def check_keymap(keymap: Mapping[str, str], known_ids: Iterable[str]) -> None:
    """Every id in the keymap names a binding that exists."""
    known = sorted(set(known_ids))
    unknown = sorted(set(keymap) - set(known))
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise INVALID_TUI_SETTING.error(
            f"[tui.keymap] names unknown binding ids {', '.join(unknown)}{hint}; "
            f"known: {', '.join(known)}"
        )


def _policy(table: TuiTable) -> PolicySettings:
    """The notification policy: what the table sets, the defaults for the rest."""
    notifications, defaults = table.notifications, PolicySettings()
    bell: Severity | None = defaults.bell
    if table.bell is not None:
        bell = None if table.bell is False else Severity(table.bell)
    return PolicySettings(
        min_severity=notifications.min_severity or defaults.min_severity,
        sources=dict(notifications.sources),
        mute=tuple(notifications.mute),
        bell=bell,
        max_toasts=notifications.max_toasts or defaults.max_toasts,
        window_seconds=notifications.window or defaults.window_seconds,
        operations=defaults.operations
        if notifications.operations is None
        else notifications.operations,
        toasts=defaults.toasts if notifications.toasts is None else notifications.toasts,
        successes=defaults.successes
        if notifications.successes is None
        else notifications.successes,
    )
