"""Every case of the CloudEvents SQL TCK (tests/data/cesql/*.yaml), one test each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from notifycenter.catalogue.filters import CESQL_PARSE
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import compile_cesql

TCK_DIR = Path(__file__).resolve().parent / "data" / "cesql"  # origin and licence: README.md
TCK_CASES = 275  # a file that fails to load must not shrink the suite unnoticed

# Any valid event will do where a case gives none (TCK README).
DEFAULT_EVENT = {
    "specversion": "1.0",
    "id": "myId",
    "source": "localhost.localdomain",
    "type": "myType",
}


# libyaml's parser where PyYAML has it: every worker reads the TCK when it collects, and
# the pure-Python parser took 0.11 s of it (libyaml 0.015 s).
LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_TYPED_KEYS = frozenset({"result", "event", "eventOverrides"})


def _value(node: yaml.Node, typed: bool = False) -> Any:
    """A node read by BaseLoader; under `typed`, plain scalars become TCK values.

    BaseLoader keeps every scalar a string (so `1.0` stays "1.0"). A TCK result or
    attribute is a boolean, an integer or a string, and a quoted scalar is a string;
    expressions and names stay text.
    """
    if isinstance(node, yaml.MappingNode):
        return {_value(k): _value(v, typed or _value(k) in _TYPED_KEYS) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_value(v, typed) for v in node.value]
    text = node.value
    if typed and not node.style:  # plain, unquoted (None from PyYAML's parser, "" from libyaml's)
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        if re.fullmatch(r"[+-]?[0-9]+", text):
            return int(text)
    return text


def _cases() -> list[Any]:
    params = []
    for path in sorted(TCK_DIR.glob("*.yaml")):
        suite = _value(yaml.compose(path.read_text(encoding="utf-8"), Loader=LOADER))
        for case in suite["tests"]:
            params.append(pytest.param(case, id=f"{path.name}::{case['name']}"))
    return params


def test_every_tck_case_is_collected() -> None:
    assert len(_cases()) == TCK_CASES


def _event(case: dict[str, Any]) -> dict[str, Any]:
    event = dict(case.get("event") or DEFAULT_EVENT)
    event.update(case.get("eventOverrides") or {})
    return event


@pytest.mark.parametrize("case", _cases())
def test_tck_case(case: dict[str, Any]) -> None:
    expression = case["expression"]
    if case.get("error") == "parse":
        with pytest.raises(NotifyError) as raised:
            compile_cesql(expression)
        assert raised.value.code == CESQL_PARSE.code
        assert raised.value.extra["column"] >= 1
        return

    value, errors = compile_cesql(expression).evaluate(_event(case))

    if "result" in case:
        expected = case["result"]
        assert (type(value), value) == (type(expected), expected)
    kinds = [error.kind for error in errors]
    if "error" in case:
        assert case["error"] in kinds
    else:
        assert kinds == []
