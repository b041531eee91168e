"""The operations view: rows (what is shown), tree (the list widget), detail, screen."""

from __future__ import annotations

from textual.binding import BindingType

from notifycenter.tui.operations.detail import OperationDetail, detail_text
from notifycenter.tui.operations.rows import Row, flatten
from notifycenter.tui.operations.screen import OperationsScreen
from notifycenter.tui.operations.tree import OperationTree

# For checking the keymap: every binding id the view answers to.
OPERATIONS_BINDINGS: list[BindingType] = [*OperationsScreen.BINDINGS, *OperationTree.BINDINGS]

__all__ = [
    "OPERATIONS_BINDINGS",
    "OperationDetail",
    "OperationTree",
    "OperationsScreen",
    "Row",
    "detail_text",
    "flatten",
]
