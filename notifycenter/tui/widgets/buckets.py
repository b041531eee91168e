"""The strip of bucket counters: Errors, Warnings, Infos, Audit; click or 1–4 to choose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from notifycenter.model.severity import Bucket

TITLES = {
    Bucket.ERRORS: "Errors",
    Bucket.WARNINGS: "Warnings",
    Bucket.INFOS: "Infos",
    Bucket.AUDIT: "Audit",
}
SHORT = {Bucket.ERRORS: "Err", Bucket.WARNINGS: "Warn", Bucket.INFOS: "Info", Bucket.AUDIT: "Audit"}


class Count(Protocol):
    """A bucket's count as the store gives it."""

    @property
    def total(self) -> int: ...

    @property
    def unacknowledged(self) -> int: ...


class BucketCounter(Static):
    """One bucket: its key, name, total, and how many still want attention."""

    def __init__(self, bucket: Bucket, key: str) -> None:
        super().__init__(
            "", id=f"bucket-{bucket.value}", classes=f"bucket -{bucket.value}", markup=False
        )
        self.bucket = bucket
        self.key = key
        self.counts = (0, 0)

    def show_counts(self, total: int, unacknowledged: int) -> None:
        if (total, unacknowledged) != self.counts:
            self.counts = (total, unacknowledged)
            self.set_class(bool(unacknowledged) and self.bucket is not Bucket.AUDIT, "-attention")
            self.refresh()

    def render(self) -> Content:
        """The long form when it fits, else a short one (80 columns hold four of them)."""
        total, unacknowledged = self.counts
        unacked = (
            f" ({unacknowledged:,} new)"
            if unacknowledged and self.bucket is not Bucket.AUDIT
            else ""
        )
        text = f"{self.key} {TITLES[self.bucket]} {total:,}{unacked}"
        if len(text) > self.content_region.width > 0:
            text = f"{self.key} {SHORT[self.bucket]} {total:,}{unacked}"
        if len(text) > self.content_region.width > 0 and unacked:  # 60 columns: "(4 new)" is "(4)"
            text = f"{self.key} {SHORT[self.bucket]} {total:,} ({unacknowledged:,})"
            if len(text) > self.content_region.width:  # what still needs an ack comes first
                text = f"{self.key} {SHORT[self.bucket]} ({unacknowledged:,})"
        return Content(text)

    def on_click(self) -> None:
        self.post_message(BucketStrip.Chosen(self.bucket))


class BucketStrip(Horizontal):
    class Chosen(Message):
        """The operator picked a bucket (again picking the shown one shows all)."""

        def __init__(self, bucket: Bucket) -> None:
            super().__init__()
            self.bucket = bucket

    def compose(self) -> ComposeResult:
        for number, bucket in enumerate(Bucket, 1):
            yield BucketCounter(bucket, str(number))

    def show(self, counts: Mapping[Bucket, Count]) -> None:
        for counter in self.query(BucketCounter):
            count = counts.get(counter.bucket)
            if count is None:
                counter.show_counts(0, 0)
            else:
                counter.show_counts(count.total, count.unacknowledged)

    def select(self, bucket: Bucket | None) -> None:
        for counter in self.query(BucketCounter):
            counter.set_class(counter.bucket is bucket, "-selected")
