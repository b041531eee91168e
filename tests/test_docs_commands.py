"""Docs that stay true: every `notifycenter …` command in README.md and docs/*.md runs.

Each command shown in a fenced block runs against a sandbox hub (served by this process,
seeded so that the refs the docs use exist) with the environment isolated and the files
the docs name present. It must exit 0, or, when the docs show it failing, fail with the
code they show. Commands that cannot run here are parsed instead (every subcommand,
option and argument checked by click without running it), each for a reason below.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from notifycenter.cli import main
from tests.clirun import notifycenter
from tests.hubprocess import Hub, make_event, post_batch
from tests.hubthread import HubThread

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
ERROR_SHOWN = re.compile(r"^Error (notifycenter-\d{4})")
OPERATION = "00f067aa0ba902b7"
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "&"}

# Commands that cannot run in a sandbox: (what identifies them, why). They are parsed.
PARSED_ONLY = (
    (("serve",), "binds a fixed port and serves until stopped"),
    (("demo",), "opens the notification center, or posts until Ctrl-C"),
    (("tui",), "opens the notification center"),
    ((), "without a command: opens the notification center"),
    (("errors", "analyze"), "reads a Meshery checkout that is not here"),
    (("errors", "update"), "rewrites a Meshery checkout that is not here"),
    (("errors", "doc"), "reads a Meshery checkout that is not here"),
)
# Shown failing because of a file the docs do not show whole.
BROKEN_CONFIG_EXAMPLE = "notifycenter-1201"


@dataclass(frozen=True)
class Shown:
    """One command as the docs show it, and the error code they show it failing with."""

    where: str
    argv: tuple[str, ...]
    stdin_file: str | None
    error: str | None

    def __str__(self) -> str:
        return self.where


def shown_commands() -> list[Shown]:
    found = []
    for doc in DOCS:
        lines = doc.read_text(encoding="utf-8").splitlines()
        in_block, language, prompts = False, "", False
        index = 0
        while index < len(lines):
            fence = FENCE.match(lines[index].strip())
            if fence:
                in_block, language = not in_block, fence.group(1)
                prompts = in_block and block_has_prompts(lines, index + 1)
                index += 1
                continue
            text = lines[index].strip()
            start = index
            if in_block and language in ("", "sh", "shell", "bash", "console"):
                prompt = text.startswith("$ ")
                if prompts and not prompt:  # output shown after a prompt is not a command
                    index += 1
                    continue
                text = text.removeprefix("$ ")
                if text.startswith("notifycenter ") or text == "notifycenter":
                    while text.endswith("\\") and index + 1 < len(lines):
                        index += 1
                        text = text[:-1] + " " + lines[index].strip()
                    error = shown_error(lines, index + 1) if prompt else None
                    where = f"{doc.relative_to(ROOT)}:{start + 1}"
                    found.append(parse(where, text, error))
            index += 1
    return found


def block_has_prompts(lines: list[str], index: int) -> bool:
    """Whether the block starting at `index` marks its commands with `$ `."""
    while index < len(lines) and not lines[index].strip().startswith("```"):
        if lines[index].startswith("$ "):
            return True
        index += 1
    return False


def shown_error(lines: list[str], index: int) -> str | None:
    """The code of the error the docs show after a `$` command, up to the next one."""
    while index < len(lines) and not lines[index].startswith(("$ ", "```")):
        error = ERROR_SHOWN.match(lines[index].strip())
        if error:
            return error.group(1)
        index += 1
    return None


def parse(where: str, line: str, error: str | None) -> Shown:
    """The first command of a shell line: up to a pipe or `&&`, comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    argv: list[str] = []
    stdin_file = None
    tokens = list(lexer)
    for position, token in enumerate(tokens):
        if token.startswith("#") or token in SHELL_OPERATORS:
            break
        if token == "<":
            stdin_file = tokens[position + 1]
            break
        argv.append(token)
    return Shown(where, tuple(argv[1:]), stdin_file, error)


SHOWN = shown_commands()


def test_the_docs_show_commands() -> None:
    places = {shown.where.split(":")[0] for shown in SHOWN}
    assert {"README.md", "docs/cli.md"} <= places and len(SHOWN) > 30


def command_words(argv: tuple[str, ...]) -> list[str]:
    """The subcommand path and the rest, without the root's options in front."""
    words = list(argv)
    while words and words[0].startswith("-"):
        takes_value = words[0] in ("--server", "--context", "--token", "-o", "--output", "--filter")
        words = words[2:] if takes_value else words[1:]
    return words


def parsed_only_reason(shown: Shown) -> str | None:
    if any("…" in word for word in shown.argv):
        return "an elided placeholder (…)"
    words = command_words(shown.argv)
    for prefix, reason in PARSED_ONLY:
        if (not prefix and not words) or (prefix and words[: len(prefix)] == list(prefix)):
            return reason
    if words[:2] == ["events", "tail"] and ("-f" in words or "--follow" in words):
        return "follows the log until Ctrl-C"
    if shown.error == BROKEN_CONFIG_EXAMPLE:
        return "shown failing on a config file the docs show only in part"
    return None


def parse_without_running(argv: tuple[str, ...]) -> None:
    """Click checks the whole command line (subcommands, options, arguments) without running it."""
    ctx = main.make_context("notifycenter", list(argv))
    command: click.Command = main
    rest = [*ctx._protected_args, *ctx.args]
    while isinstance(command, click.Group) and rest:
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command, rest = sub, [*ctx._protected_args, *ctx.args]


@pytest.fixture(scope="module")
def docs_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One seeded hub for every command: they tolerate each other's changes (an ack, an
    archive), and one hub instead of one per command keeps this file fast."""
    with HubThread(tmp_path_factory.mktemp("docs-hub")) as hub:
        seed(hub)
        yield hub


@pytest.fixture
def sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path, docs_hub: Hub
) -> Hub:
    """The hub as the docs' examples expect it, and the files they name, in the working folder."""
    hub = docs_hub
    monkeypatch.setenv("NOTIFYCENTER_SERVER", hub.url)
    monkeypatch.chdir(tmp_path)
    event = '{"specversion": "1.0", "id": "e-1", "source": "urn:docs", "type": "io.docs.example"}'
    (tmp_path / "event.json").write_text(event)
    (tmp_path / "events.json").write_text(
        "[" + ",".join(event.replace("e-1", f"e-{n}") for n in (2, 3, 4)) + "]"
    )
    (tmp_path / "file.json").write_text('{"metadata": {"cluster": "prod-eu"}}')
    (tmp_path / "bookinfo.yaml").write_text("kind: List\n")
    (tmp_path / "tokens.toml").write_text(
        '[[token]]\ntoken = "docs-secret-token"\nuser = "alice"\nrole = "admin"\n'
    )
    token_folder = isolated_environment / ".config" / "notifycenter"
    token_folder.mkdir(parents=True, exist_ok=True)
    (token_folder / "prod.token").write_text("prod-token\n")
    # The contexts the docs use; the environment still points every command at the sandbox.
    (isolated_environment / "config.toml").write_text(
        'current-context = "local"\n\n[contexts.local]\nserver = "http://127.0.0.1:9181"\n\n'
        '[contexts.prod]\nserver = "https://notify.prod.example:9181"\n'
        'token-file = "~/.config/notifycenter/prod.token"\n'
    )
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for tool in ("kubectl", "helm"):  # stand-ins: the docs' point is `run`, not the tool
        stub(bin_folder / tool)
    for script in ("backup.sh", "deploy.sh"):
        stub(tmp_path / script)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    return hub


def stub(path: Path) -> None:
    path.write_text('#!/bin/sh\necho "$0 $*"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def seed(hub: Hub) -> None:
    """Cursors 1-45 with an unacknowledged Istio error at 42 and 43, a linkerd event with id
    9a2e, and operation 00f067aa0ba902b7 that succeeded."""
    events = [make_event(n) for n in range(1, 40)]
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    operation = {"id": OPERATION, "name": "Deploy bookinfo"}
    for state, severity in (("started", "INFO"), ("succeeded", "SUCCESS")):
        events.append(
            make_event(
                f"op-{state}",
                source="urn:meshery:server",
                type=f"io.meshery.operation.{state}",
                severitytext=severity,
                traceparent=f"00-{trace}-{OPERATION}-01",
                data={"summary": f"Deploy bookinfo: {state}", "operation": operation},
            )
        )
    events += [make_event(42), make_event(43)]
    events += [make_event(44, source="urn:meshery:adapter:linkerd", id="9a2e"), make_event(45)]
    events += failed_operation("6e0c63257de34c92", "Nightly backup", "./backup.sh")
    answer = post_batch(hub.url, events)
    assert answer.is_success and answer.json()["cursors"][41] == f"{42:016d}", answer.text


def is_synopsis(shown: Shown) -> bool:
    """`notifycenter ops watch ID [--timeout 5m]`: a usage line, not a command."""
    return any(word.startswith("[") for word in shown.argv)


def check_synopsis(argv: tuple[str, ...]) -> None:
    """The command path exists and has every option the usage line names."""
    command: click.Command = main
    ctx = click.Context(main, info_name="notifycenter")
    words = [w for w in argv if not w.startswith("[")]
    for word in words:
        if not isinstance(command, click.Group) or word.startswith("-") or word.isupper():
            break
        sub = command.get_command(ctx, word)
        assert sub is not None, f"no command {word!r}"
        command = sub
    options = option_names(command)
    if command is not main:  # the root's options are written before the command
        options |= option_names(main)
    named = {m.group(1) for w in argv if (m := re.match(r"^\[?(--?[a-z][\w-]*)", w))}
    assert named <= options, f"{sorted(named - options)} not options of {command.name}"


def failed_operation(span: str, name: str, command: str) -> list[dict[str, object]]:
    """An operation that failed as `notifycenter run` reports a command's failure."""
    operation = {"id": span, "name": name}
    traceparent = f"00-{'1' * 32}-{span}-01"
    error = {
        "code": "notifycenter-1601",
        "shortDescription": ["The command exited with a non-zero status"],
        "longDescription": [f"{command}: exited with status 3"],
        "probableCause": ["The command hit an error; its last lines of output say which"],
        "suggestedRemediation": ["Read the output tail in the details"],
    }
    return [
        make_event(
            f"{span}-started",
            source="urn:notifycenter:run:docs",
            type="io.meshery.operation.started",
            severitytext="INFO",
            traceparent=traceparent,
            data={"summary": f"{name}: started", "operation": operation},
        ),
        make_event(
            f"{span}-failed",
            source="urn:notifycenter:run:docs",
            type="io.meshery.operation.failed",
            traceparent=traceparent,
            data={
                "summary": f"{name} failed",
                "details": "step 29\nfatal: disk full",
                "operation": {**operation, "message": "exited with status 3"},
                "error": error,
            },
        ),
    ]


def option_names(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


@pytest.mark.parametrize("shown", SHOWN, ids=str)
def test_every_command_in_the_docs_works(shown: Shown, sandbox: Hub) -> None:
    if is_synopsis(shown):
        check_synopsis(shown.argv)
        return
    reason = parsed_only_reason(shown)
    if reason is not None:
        parse_without_running(shown.argv)  # a usage error raises here
        return
    stdin = Path(shown.stdin_file).read_text() if shown.stdin_file else None
    ran = notifycenter(*shown.argv, input=stdin)
    output = ran.stdout + ran.stderr
    if shown.error:
        assert ran.returncode != 0 and shown.error in output, output
    else:
        assert ran.returncode == 0, (
            f"{shown.where}: notifycenter {shlex.join(shown.argv)}\n{output}"
        )
