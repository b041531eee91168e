"""`notifycenter errors`: keep a component's error codes unique, documented and exported.

Works like MeshKit's errorutil (same component_info.json, same export) on Go and Python
components, and fails where errorutil only logs: on duplicates and placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from notifycenter import errorutil
from notifycenter.catalogue.errorutil import ERROR_CODES_NEED_ATTENTION
from notifycenter.errorutil.report import analysis_document, render_text
from notifycenter.errorutil.update import write_atomically
from notifycenter.errorutil.walk import DEFAULT_SKIP_DIRS, parse_skip_dirs


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """DIR and the options every subcommand shares, errorutil's names where it has them."""
    options = [
        click.argument("directory", default=".", metavar="[DIR]", type=click.Path(path_type=Path)),
        click.option(
            "--skip-dirs",
            "skip_dirs",
            multiple=True,
            metavar="DIRS",
            help="Directories to skip: comma-separated, repeatable. A name matches at any "
            f"depth, a path with a slash from DIR. Always skipped: {', '.join(DEFAULT_SKIP_DIRS)} "
            "and virtual environments.",
        ),
        click.option(
            "-i",
            "--info-dir",
            type=click.Path(path_type=Path),
            help="Directory holding component_info.json [default: DIR].",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Choice(["table", "json"]),
            help="Output format (also a global option).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _wants_json(ctx: click.Context, output: str | None) -> bool:
    return (output or getattr(ctx.obj, "output", None) or "table") == "json"


def _analyze(
    directory: Path, skip_dirs: tuple[str, ...], info_dir: Path | None
) -> errorutil.Analysis:
    return errorutil.analyze(directory, parse_skip_dirs(skip_dirs), info_dir)


def _echo_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@click.group(name="errors")
def command() -> None:
    """Check, number and document the component's error codes (MeshKit errorutil compatible)."""


@command.command(short_help="List errors and problems with their codes.")
@_common
@click.option(
    "-v", "--verbose", is_flag=True, help="Show every error's descriptions, causes and remedies."
)
@click.pass_context
def analyze(
    ctx: click.Context,
    directory: Path,
    skip_dirs: tuple[str, ...],
    info_dir: Path | None,
    output: str | None,
    verbose: bool,
) -> None:
    """List every error and what is wrong with the codes; exit 1 on duplicates or placeholders."""
    analysis = _analyze(directory, skip_dirs, info_dir)
    if _wants_json(ctx, output):
        _echo_json(analysis_document(analysis))
    else:
        click.echo(render_text(analysis, verbose=verbose), nl=False)
    if analysis.failed:
        raise ERROR_CODES_NEED_ATTENTION.error(
            f"In {directory}: duplicate codes {len(analysis.duplicate_codes)}, duplicate names "
            f"{len(analysis.duplicate_names)}, placeholder codes {len(analysis.placeholders)}",
        )


@command.command(short_help="Give placeholder codes the next free codes.")
@_common
@click.option("--dry-run", is_flag=True, help="Show the changes as a diff; write nothing.")
@click.pass_context
def update(
    ctx: click.Context,
    directory: Path,
    skip_dirs: tuple[str, ...],
    info_dir: Path | None,
    output: str | None,
    dry_run: bool,
) -> None:
    """Give each placeholder code the next free code and bump next_error_code."""
    analysis = _analyze(directory, skip_dirs, info_dir)
    plan = errorutil.plan_update(analysis)
    if not dry_run:
        errorutil.apply(plan)
    if _wants_json(ctx, output):
        _echo_json(_update_document(plan, directory, dry_run))
    else:
        _echo_update(plan, directory, dry_run)
    for entry in plan.not_rewritable:
        click.echo(
            f"warning: {entry.name} at {entry.code_location or entry.location}: the placeholder "
            'is not a single string literal; write it as "replace_me"',
            err=True,
        )
    if analysis.duplicate_codes or analysis.duplicate_names:
        click.echo(
            "warning: duplicate codes or names remain; see notifycenter errors analyze", err=True
        )


def _update_document(plan: errorutil.UpdatePlan, directory: Path, dry_run: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "dry_run": dry_run,
        "assigned": [
            {"name": a.name, "code": a.code, "file": a.literal.path, "line": a.line}
            for a in plan.assignments
        ],
        "next_error_code": plan.next_error_code,
    }
    if dry_run:
        document["diff"] = plan.diff(directory)
    return document


def _echo_update(plan: errorutil.UpdatePlan, directory: Path, dry_run: bool) -> None:
    if dry_run:
        click.echo(plan.diff(directory) or "Nothing to update.", nl=not plan.changed)
        return
    for a in plan.assignments:
        click.echo(f"{a.code}  {a.name}  {a.literal.path}:{a.line}")
    if not plan.changed:
        click.echo("Nothing to update.")
    else:
        click.echo(f"next_error_code is now {plan.next_error_code}")


@command.command(short_help="Write the errorutil export and the Markdown reference.")
@_common
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Directory for errorutil_errors_export.json and errors.md [default: DIR].",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(path_type=Path),
    help="Write the Markdown reference to this file instead of OUT/errors.md.",
)
@click.option(
    "--export/--no-export",
    default=True,
    show_default=True,
    help="Write errorutil_errors_export.json.",
)
@click.pass_context
def doc(
    ctx: click.Context,
    directory: Path,
    skip_dirs: tuple[str, ...],
    info_dir: Path | None,
    output: str | None,
    out_dir: Path | None,
    markdown_path: Path | None,
    export: bool,
) -> None:
    """Write errorutil's JSON export and a Markdown reference with one anchor per code."""
    analysis = _analyze(directory, skip_dirs, info_dir)
    out = out_dir or directory
    written: list[Path] = []
    if export:
        written.append(out / errorutil.EXPORT_FILENAME)
        write_atomically(written[-1], errorutil.render_export(analysis).encode())
    written.append(markdown_path or out / errorutil.MARKDOWN_FILENAME)
    write_atomically(written[-1], errorutil.render_markdown(analysis).encode())
    left_out = (
        len(analysis.placeholders)
        + len(analysis.malformed)
        + sum(len(g) for g in analysis.duplicate_codes.values())
    )
    if _wants_json(ctx, output):
        _echo_json({"written": [str(p) for p in written], "left_out": left_out})
    else:
        for path in written:
            click.echo(f"wrote {path}")
    if left_out:
        click.echo(
            f"warning: {left_out} errors with placeholder, malformed or duplicate codes "
            "are not documented; see notifycenter errors analyze",
            err=True,
        )
