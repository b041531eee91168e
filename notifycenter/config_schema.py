"""The one schema of every settings file: `config.toml` (contexts, `[hub]`, `[tui]`) and
the hub's token file.

Validation is strict, so a misspelt key fails loudly instead of being ignored: unknown
keys are errors with a "did you mean" hint, and no value is coerced to another type. An
error names the file, the line, the key and what is allowed, with the catalogued code of
the part of the file it is in. Values come back typed; `None` means "not set".
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from notifycenter.catalogue import by_code
from notifycenter.catalogue import client as client_codes
from notifycenter.catalogue import failover as failover_codes
from notifycenter.catalogue import hub as hub_codes
from notifycenter.catalogue import tui as tui_codes
from notifycenter.config import server_key
from notifycenter.model.errors import ErrorSpec, NotifyError
from notifycenter.model.lifecycle import parse_duration
from notifycenter.model.protocol import DEFAULT_BIND, Role, is_server_url, parse_bind
from notifycenter.model.severity import Severity, parse_severity
from notifycenter.toml_lines import key_lines, line_of

OFF = ("off", "none", "mute", "muted")
SEVERITY_NAMES = " ".join(s.name for s in sorted(Severity, reverse=True))

Loc = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)


def _refuse(problem: str, spec: ErrorSpec | None = None) -> PydanticCustomError:
    """A value error in the schema's words; `spec` overrides the section's code."""
    context = {"problem": problem, "code": spec.code if spec else ""}
    return PydanticCustomError("setting", "{problem}", context)


def _type_name(value: object) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "an integer", float: "a float"}
    return names.get(type(value), type(value).__name__)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _refuse(f"must be a string, not {_type_name(value)}")
    if not value.strip():
        raise _refuse("must not be empty")
    return value


def _server(value: object) -> str:
    url = _text(value)
    if not is_server_url(url):
        raise _refuse(
            f"must be an http:// or https:// URL, not {url!r}", client_codes.INVALID_SERVER_URL
        )
    return url.rstrip("/")


def _servers(value: object) -> str | list[str]:
    """A context's hub: one URL, or an array of the URLs of its servers by preference."""
    if not isinstance(value, list):
        return _server(value)
    if not value:
        raise _refuse("must hold at least one URL", failover_codes.NO_SERVERS)
    urls = [_server(item) for item in value]
    keys = [server_key(url) for url in urls]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise _refuse(f"lists {urls[index]!r} twice", failover_codes.DUPLICATE_SERVER)
    return urls


def _bind(value: object) -> str:
    bind = _text(value)
    if parse_bind(bind) is None:
        raise _refuse(f"must be HOST:PORT such as {DEFAULT_BIND}, not {bind!r}")
    return bind


def _duration(value: object) -> str:
    text = _text(value)
    try:
        valid = parse_duration(text) is not None
    except (OverflowError, ValueError):
        valid = False
    if not valid:
        raise _refuse(f"must be a duration such as 10m or 1h30m, not {text!r}")
    return text


def _severity(value: object) -> Severity:
    try:
        if isinstance(value, str):
            return parse_severity(value)
    except NotifyError:
        pass
    raise _refuse(f"must be one of {SEVERITY_NAMES}, not {value!r}")


def _severity_or_off(value: object) -> Severity | None:
    if isinstance(value, str) and value.strip().lower() in OFF:
        return None
    return _severity(value)


def _bell(value: object) -> Severity | bool:
    """true = ALERT and above; false or "off" = never; else the lowest severity that rings."""
    if isinstance(value, bool):
        return Severity.ALERT if value else False
    severity = _severity_or_off(value)
    return False if severity is None else severity


def _keys(value: object) -> str:
    """`"a,ctrl+k"` or `["a", "ctrl+k"]` to the comma-separated form Textual takes."""
    if isinstance(value, list) and value and all(isinstance(k, str) and k for k in value):
        value = ",".join(value)
    if not isinstance(value, str) or not value.strip() or " " in value.strip():
        raise _refuse(f'must be keys such as "a" or "a,ctrl+k", not {value!r}')
    return value.strip()


def _at_least_one(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _refuse(f"must be an integer of at least 1, not {value!r}")
    return value


def _positive(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _refuse(f"must be a number above 0, not {value!r}")
    return float(value)


def _secret(value: object) -> str:
    if not isinstance(value, str) or len(value) < 8:
        raise _refuse("must be a string of at least 8 characters")
    return value


def _role(value: object) -> Role:
    if value not in Role.__members__.values():
        raise _refuse(f"must be one of {', '.join(Role)}, not {value!r}")
    return Role(str(value))


Text = Annotated[str, PlainValidator(_text)]
ServerUrl = Annotated[str, PlainValidator(_server)]
ServerUrls = Annotated[str | list[str], PlainValidator(_servers)]
Bind = Annotated[str, PlainValidator(_bind)]
Duration = Annotated[str, PlainValidator(_duration)]
SeverityName = Annotated[Severity, PlainValidator(_severity)]
SeverityOrOff = Annotated[Severity | None, PlainValidator(_severity_or_off)]
Bell = Annotated[Severity | bool, PlainValidator(_bell)]
Keys = Annotated[str, PlainValidator(_keys)]
AtLeastOne = Annotated[int, PlainValidator(_at_least_one)]
Positive = Annotated[float, PlainValidator(_positive)]
Secret = Annotated[str, PlainValidator(_secret)]
RoleName = Annotated[Role, PlainValidator(_role)]


class Table(BaseModel):
    """A TOML table: kebab-case keys only, nothing unknown, nothing coerced."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        alias_generator=lambda name: name.replace("_", "-"),
        populate_by_name=False,
        # Built on first use: a command that reads config.toml never builds the token file's.
        defer_build=True,
    )


class ContextTable(Table):
    """`[contexts.NAME]`: a hub (one server, or several to fail over between) and how to
    authenticate to it."""

    server: ServerUrls
    token_file: Text | None = None
    token: Text | None = None


class SourceTable(Table):
    """One `[[hub.sources]]`: a system the hub follows; credentials by file or variable."""

    url: Text
    name: Text | None = None
    token_file: Text | None = None
    token_env: Text | None = None
    auth_json: Text | None = None
    provider: Text | None = None
    resync: Positive | None = None
    creds_file: Text | None = None


class HubTable(Table):
    """`[hub]`: defaults for `notifycenter serve`; its options win."""

    bind: Bind | None = None
    data_dir: Text | None = None
    token_file: Text | None = None
    stall_after: Duration | None = None
    alertmanager_url: ServerUrl | None = None
    accept_json: bool | None = None
    retain: Duration | None = None
    retain_max_events: AtLeastOne | None = None
    sink_hosts: list[Text] = []
    public_url: ServerUrl | None = None
    database: Text | None = None
    database_password_file: Text | None = None
    sources: list[SourceTable] = []


class NotificationsTable(Table):
    """`[tui.notifications]`: which events pop up as toasts, and how many."""

    min_severity: SeverityName | None = None
    sources: dict[str, SeverityOrOff] = {}
    mute: list[Text] = []
    max_toasts: AtLeastOne | None = None
    window: Positive | None = None
    operations: bool | None = None
    toasts: bool | None = None
    successes: bool | None = None


class TuiTable(Table):
    """`[tui]`: theme, bell, emergency takeover, key bindings and the notification policy."""

    theme: Text | None = None
    bell: Bell | None = None
    takeover: bool | None = None  # an unacknowledged EMERGENCY/ALERT gets the whole screen
    keymap: dict[str, Keys] = {}
    notifications: NotificationsTable = NotificationsTable()


class ConfigFile(Table):
    """The whole `config.toml`."""

    current_context: Text | None = None
    contexts: dict[str, ContextTable] = {}
    hub: HubTable = HubTable()
    tui: TuiTable = TuiTable()


class TokenEntry(Table):
    """One `[[token]]` of the hub's token file."""

    token: Secret
    user: Text
    role: RoleName
    rate: Positive | None = None
    burst: Positive | None = None


class TokenFile(Table):
    """The hub's token file: one `[[token]]` table per bearer token."""

    token: list[TokenEntry] = []


# Which catalogued error a problem gets: (where it is, "unknown" or "value") -> spec.
CodeFor = Callable[[Loc, str], ErrorSpec]


def config_code(loc: Loc, kind: str) -> ErrorSpec:
    """`config.toml`: each part of the file reports with its own area's code."""
    section = loc[0] if loc else None
    if section == "tui":
        return tui_codes.INVALID_TUI_SETTING
    if kind == "unknown":
        return client_codes.CONFIG_UNKNOWN_KEY
    if section == "hub":
        return hub_codes.INVALID_SETTING
    return client_codes.CONFIG_WRONG_TYPE


def validate(
    model: type[Model],
    raw: Mapping[str, Any],
    *,
    code_for: CodeFor,
    origin: str | None = None,
    source: str | None = None,
    prefix: Loc = (),
) -> Model:
    """`raw` as `model`, or the catalogued error of its first problem in file order.

    `origin` (the file) and `source` (its text, for line numbers) make the message
    point at the line; `prefix` is where `raw` sits in a larger file (`("tui",)`).
    """
    try:
        return model.model_validate(raw)
    except ValidationError as invalid:
        lines = key_lines(source) if source else {}
        problems = sorted(
            invalid.errors(include_url=False),
            key=lambda e: line_of(lines, (*prefix, *e["loc"])) or 0,
        )
        first = problems[0]
        loc: Loc = (*prefix, *first["loc"])
        message = _describe(model, first, loc)
        line = line_of(lines, loc)
        where = f"{origin}:{line}" if origin and line else origin
        if where:
            message = f"{where}: {message}"
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more)"
        kind = "unknown" if first["type"] == "extra_forbidden" else "value"
        code = (first.get("ctx") or {}).get("code")
        spec = (by_code(code) if code else None) or code_for(loc, kind)
        raise spec.error(message) from None


def _describe(model: type[BaseModel], error: ErrorDetails, loc: Loc) -> str:
    kind, value = error["type"], error.get("input")
    key = dotted(loc)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = allowed_keys(model, error["loc"][:-1])
        table = f"[{dotted(loc[:-1])}]" if len(loc) > 1 else "the top level"
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {name!r} in {table}{hint}; allowed: {', '.join(allowed)}"
    if kind == "missing":
        return f"[{dotted(loc[:-1])}] needs {loc[-1]}"
    expected = _EXPECTED.get(kind)
    if expected:
        return f"{key} must be {expected}, not {_type_name(value)}"
    if kind == "setting":
        return f"{key} {error['msg']}"
    return f"{key}: {error['msg']}"


_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "float_type": "a number",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "list_type": "an array",
}


def dotted(loc: Sequence[str | int]) -> str:
    """`tui.keymap.lifecycle.ack`, `token[1].role`: a key path as the message shows it."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + _key_text(part)
    return text


def _key_text(key: str) -> str:
    plain = key.replace("-", "").replace("_", "").replace(".", "").isalnum()
    return key if plain and key.isascii() else '"' + key.replace('"', '\\"') + '"'


def allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the schema allows in the table at `loc` of `model`."""
    node: Any = model
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            fields = {f.alias or n: f.annotation for n, f in node.model_fields.items()}
            node = fields.get(str(part))
        elif get_origin(node) in (dict, tuple, list):
            node = get_args(node)[-1 if get_origin(node) is dict else 0]
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [f.alias or n for n, f in node.model_fields.items()]
    return []


def _unwrap(node: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` to X."""
    while True:
        if get_origin(node) is Annotated:
            node = get_args(node)[0]
        elif get_origin(node) in (Union, types.UnionType):
            rest = [a for a in get_args(node) if a is not type(None)]
            if len(rest) != 1:
                return node
            node = rest[0]
        else:
            return node
