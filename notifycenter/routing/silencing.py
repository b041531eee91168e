"""The one place the delivery engine asks whether an event is silenced.

Silences are kept by another part of the hub; it registers its predicate per hub with
`register_silence_predicate(hub, fn)` (typically from its plug-in's `start(hub)`). The
engine calls `fn(conn, seq, event)` for every matching event (and for the notification
a lifecycle event changes) in the reader thread, with a read connection on the hub's
database; True means "do not deliver". Without a predicate nothing is silenced.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from notifycenter.hub.sqlconn import SqlConnection

SilencePredicate = Callable[[SqlConnection, int, Mapping[str, Any]], bool]

_predicates: weakref.WeakKeyDictionary[Any, SilencePredicate] = weakref.WeakKeyDictionary()


def register_silence_predicate(hub: Any, predicate: SilencePredicate | None) -> None:
    """Set (or with None, remove) the hub's silence predicate."""
    if predicate is None:
        _predicates.pop(hub, None)
    else:
        _predicates[hub] = predicate


def silence_predicate(hub: Any) -> SilencePredicate:
    """The hub's predicate, looked up at each read so that a late registration counts."""
    return _predicates.get(hub, never_silenced)


def never_silenced(conn: SqlConnection, seq: int, event: Mapping[str, Any]) -> bool:
    return False
