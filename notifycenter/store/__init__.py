"""The notification center's client-side store (no Textual here; see docs/store.md)."""

from notifycenter.store.core import EventStore
from notifycenter.store.types import (
    BucketCount,
    RowIndex,
    RowView,
    StoreChange,
    ViewQuery,
)

__all__ = ["BucketCount", "EventStore", "RowIndex", "RowView", "StoreChange", "ViewQuery"]
