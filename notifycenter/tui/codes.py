"""Error codes that lead to their documentation: `d` on an event, or `:code CODE`.

A notifycenter code opens its catalogue entry (what, why, what to do) and names its
anchor in docs/errors.md; a Meshery or MeshKit code names Meshery's error reference.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from notifycenter.catalogue import by_code
from notifycenter.model.errors import ErrorSpec
from notifycenter.model.sanitize import sanitize_line

OWN_DOCS = "docs/errors.md#{code}"
MESHERY_DOCS = "https://docs.meshery.io/reference/error-codes"


def docs_link(code: str) -> str:
    """Where a code is documented: our catalogue's anchor, or Meshery's reference."""
    if code.lower().startswith("notifycenter-"):
        return OWN_DOCS.format(code=code.lower())
    return MESHERY_DOCS


class CodeScreen(ModalScreen[None]):
    """One code's documentation; `o` opens the link, `y` copies it."""

    BINDINGS = [
        Binding("escape,q,d", "close", "Close", id="code.close"),
        Binding("o", "open_link", "Open docs", id="code.open"),
        Binding("y", "copy_link", "Copy link", id="code.copy"),
    ]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = sanitize_line(code, 120)
        self.link = docs_link(self.code)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="code-body"):
            yield Static(code_content(self.code, by_code(self.code.lower())), id="code-text")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_link(self) -> None:
        self.app.open_url(self.link)

    def action_copy_link(self) -> None:
        self.app.copy_to_clipboard(self.link)
        self.notify(f"copied {self.link}", timeout=2, markup=False)


def code_content(code: str, spec: ErrorSpec | None) -> Content:
    parts: list[Content | str | tuple[str, str]] = [(code, "bold $accent"), "\n"]
    if spec is None:
        if code.lower().startswith("notifycenter-"):
            parts += ["\nNot in this version's catalogue.\n"]
        else:
            parts += ["\nA Meshery or component error code: see its reference.\n"]
    else:
        parts += [
            (f"{spec.name} · {spec.severity}\n\n", "$text-muted"),
            (f"{spec.short}\n", "bold"),
            f"{spec.long}\n",
            ("\nProbable cause\n", "bold $accent"),
            *[f"• {cause}\n" for cause in spec.causes],
            ("\nSuggested remediation\n", "bold $accent"),
            *[f"{n}. {remedy}\n" for n, remedy in enumerate(spec.remedies, 1)],
        ]
    parts += [("\ndocs  ", "$text-muted"), Content(docs_link(code)), "\n"]
    parts += [("o opens it · y copies it · escape closes", "italic $text-muted")]
    return Content.assemble(*parts)
