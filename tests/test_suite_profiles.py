"""The suite's own settings: property tests run a fifth of their examples unless asked for all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests import hypothesis_profiles
from tests.hypothesis_profiles import examples


@pytest.fixture
def restored_profile() -> Iterator[None]:
    """Loading a profile changes it for the whole worker: put back the one the run chose."""
    chosen = settings.get_current_profile_name()
    yield
    settings.load_profile(chosen)


def test_a_plain_run_takes_a_fifth_of_each_tests_examples(
    monkeypatch: pytest.MonkeyPatch, restored_profile: None
) -> None:
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    hypothesis_profiles.load_profile()
    assert settings.get_current_profile_name() == "fast"
    assert settings().max_examples == 20
    assert (examples(300), examples(60), examples(12), examples(3)) == (60, 12, 5, 3)


def test_the_full_profile_runs_every_example(
    monkeypatch: pytest.MonkeyPatch, restored_profile: None
) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "full")
    hypothesis_profiles.load_profile()
    assert settings().max_examples == 100
    assert (examples(300), examples(60), examples(12)) == (300, 60, 12)
