"""`-o yaml`: the same records as `-o json`, as YAML (PyYAML's safe dumper).

Event text is untrusted: only ASCII is written raw, everything else (control and format
characters included, so no escape sequence or bidi override reaches the terminal) as a
YAML escape in a double-quoted string, which any YAML reader turns back into the original.
"""

from __future__ import annotations

from typing import Any

import click


def yaml_text(value: Any) -> str:
    import yaml  # type: ignore[import-untyped]  # only `-o yaml` pays for it

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    try:
        text: str = yaml.dump(
            value, Dumper=dumper, allow_unicode=False, sort_keys=False, default_flow_style=False
        )
    except RecursionError:  # nested deeper than the dumper goes: JSON is YAML too
        from notifycenter.commands.output import json_text

        return json_text(value) + "\n"
    return text


def echo_yaml(value: Any) -> None:
    click.echo(yaml_text(value), nl=False)
