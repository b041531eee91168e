"""How many examples the property tests run: a fifth by default, every one on demand.

`pytest` loads the `fast` profile: a test without a count of its own runs 20 examples, and
`examples(n)` gives a fifth of a test's own count, so the suite stays quick on two cores.
`HYPOTHESIS_PROFILE=full pytest` (or `pytest --hypothesis-profile=full`) is the thorough
run: Hypothesis' usual 100 examples, and each test's own count in full.
"""

from __future__ import annotations

import os

from hypothesis import settings

FULL_EXAMPLES = 100  # Hypothesis' own default

settings.register_profile("fast", max_examples=20)
settings.register_profile("full", max_examples=FULL_EXAMPLES)


def load_profile() -> None:
    """The profile named by HYPOTHESIS_PROFILE, else `fast`; --hypothesis-profile wins later."""
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def examples(full: int, least: int = 5) -> int:
    """A test's example count under the loaded profile: `full` in the full run.

    Read when the test module is imported, after the profile is loaded.
    """
    return min(full, max(least, full * settings().max_examples // FULL_EXAMPLES))
