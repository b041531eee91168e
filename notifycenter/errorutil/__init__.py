"""Error-code tooling compatible with MeshKit's errorutil, for Go and Python components.

`analyze` reads a component's sources and reports its errors and what is wrong with
their codes; `plan_update`/`apply` give placeholders the next free codes; `render_export`
and `render_markdown` produce the errorutil export and the reference page.
"""

from notifycenter.errorutil.analysis import Analysis, analyze, scan
from notifycenter.errorutil.component import ComponentInfo
from notifycenter.errorutil.export import EXPORT_FILENAME, export_document, render_export
from notifycenter.errorutil.markdown import MARKDOWN_FILENAME, anchor, render_markdown
from notifycenter.errorutil.model import ErrorEntry, Location
from notifycenter.errorutil.update import UpdatePlan, apply, plan_update

__all__ = [
    "EXPORT_FILENAME",
    "MARKDOWN_FILENAME",
    "Analysis",
    "ComponentInfo",
    "ErrorEntry",
    "Location",
    "UpdatePlan",
    "analyze",
    "anchor",
    "apply",
    "export_document",
    "plan_update",
    "render_export",
    "render_markdown",
    "scan",
]
