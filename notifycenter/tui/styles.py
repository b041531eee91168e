"""Where the `.tcss` style sheets are: in the wheel, or in the source tree.

A wheel carries them as `notifycenter/styles/` (pyproject force-includes them); an
editable install finds them at the repository's top-level `styles/`.
"""

from __future__ import annotations

from pathlib import Path

import notifycenter
from notifycenter.catalogue.tui import STYLES_NOT_FOUND


def styles_dir(package_dir: Path | None = None) -> Path:
    """The first of the packaged and the source-tree styles directory that has sheets."""
    package = package_dir or Path(notifycenter.__file__).parent
    for candidate in (package / "styles", package.parent / "styles"):
        if any(candidate.glob("*.tcss")):
            return candidate
    raise STYLES_NOT_FOUND.error(
        f"no .tcss files in {package / 'styles'} or {package.parent / 'styles'}"
    )


def css_paths(package_dir: Path | None = None) -> list[Path]:
    """Every sheet, in name order so that the cascade does not depend on the file system."""
    return sorted(styles_dir(package_dir).glob("*.tcss"))
