"""Whatever surrounds a placeholder, `update` changes the placeholder's literal and nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifycenter.errorutil import analyze, apply, plan_update
from tests.hypothesis_profiles import examples

# Anything a comment may hold: no line breaks, no NUL.
noise = st.text(
    st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=30
)


def python_source(notes: list[str], codes: list[str]) -> str:
    blocks = [
        f"# {note}\nA{i} = ErrorSpec(short={note!r}, code={code!r}, name='ErrA{i}', severity='ERROR',"
        f" long='', causes=('c',), remedies=('r',))  # {note}\n"
        for i, (note, code) in enumerate(zip(notes, codes, strict=False))
    ]
    return "".join(blocks)


def go_source(notes: list[str], codes: list[str]) -> str:
    blocks = [
        f'// {note}\nconst ErrA{i}Code = "{code}" // {note}\n'
        f'func ErrA{i}() error {{ return errors.New(ErrA{i}Code, errors.Alert, []string{{"s"}}, nil,'
        f' []string{{"c"}}, []string{{"r"}}) }}\n'
        for i, (note, code) in enumerate(zip(notes, codes, strict=False))
    ]
    return "package p\n\n" + "".join(blocks)


def run_update(filename: str, render, notes: list[str]) -> tuple[bytes, bytes]:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        (root / "component_info.json").write_text(
            '{"name": "c", "type": "component", "next_error_code": 10}'
        )
        (root / filename).write_bytes(render(notes, ["replace_me"] * len(notes)).encode())
        apply(plan_update(analyze(root)))
        return (root / filename).read_bytes(), render(
            notes, [f"c-{10 + i}" for i in range(len(notes))]
        ).encode()


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(noise, min_size=1, max_size=4))
def test_python_update_touches_only_placeholders(notes: list[str]) -> None:
    updated, expected = run_update("errors.py", python_source, notes)
    assert updated == expected


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(noise, min_size=1, max_size=4))
def test_go_update_touches_only_placeholders(notes: list[str]) -> None:
    updated, expected = run_update("error.go", go_source, notes)
    assert updated == expected
