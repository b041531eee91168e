"""The TUI's `/` search box: a few attribute tokens plus free text.

    sev>=warning  sev:error  sev<notice     severity (any name or alias ingest accepts)
    src:istio                               source contains "istio"
    type:io.meshery.provisioning            type starts with it
    status:unacked  status:acked            lifecycle state, for the caller to apply
    silenced:yes  silenced:no               kept quiet by a hub silence in force (or
                                            not), for the caller to apply
    owner:me  owner:none  owner:alice       who owns it, for the caller to apply (`me`:
                                            the user the client is logged in as)
    -src:istio                              a leading "-" negates an attribute token
    anything else                           free text, for summary/details

Tokens of the same key are alternatives (src:istio src:linkerd), different keys and
negated tokens must all match (-src:istio -src:linkerd excludes both). Quotes keep
words together ("disk full").
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from notifycenter.catalogue.filters import INVALID_QUICK_FILTER
from notifycenter.model.errors import NotifyError
from notifycenter.model.filters.dialects import escape_like, starts_with
from notifycenter.model.filters.filter import Filter
from notifycenter.model.filters.nodes import Attribute, Binary, Like, Literal, Node, Not
from notifycenter.model.filters.render import render
from notifycenter.model.filters.shape import combine
from notifycenter.model.lifecycle import STATUS_FILTERS
from notifycenter.model.severity import parse_severity

# The filters `status=` takes on the hub (`STATUS_FILTERS`), plus the short words an
# operator types: each token means exactly what the hub's filter of the same name does.
STATUS_ALIASES = {
    "acked": "acknowledged",
    "ack": "acknowledged",
    "unacknowledged": "unacked",
    "new": "unread",
    "done": "resolved",
}
STATUSES = (*STATUS_FILTERS, *STATUS_ALIASES)
_TOKEN = re.compile(
    r"(?P<neg>-)?(?P<key>sev|severity|src|source|type|status|owner|silenced)(?P<op>>=|<=|!=|==|>|<|=|:)(?P<value>.+)",
    re.IGNORECASE,
)
_KEYS = {"severity": "sev", "source": "src"}


@dataclass(frozen=True)
class QuickFilter:
    cesql: str  # CESQL for the attribute tokens; "" when there are none
    status: str | None
    text: str  # free text, matched by the caller against summary and details
    filter: Filter | None
    owner: str | None = None  # a user, `me` or `none`, for the caller to apply
    # `silenced:yes|no`: whether a silence in force keeps the row quiet, for the caller
    # to apply (it changes with time, as the hub's `silenced=` does).
    silenced: bool | None = None


def quick_filter(text: str) -> QuickFilter:
    """Split the search box's text; an unknown severity or status raises a catalogued error."""
    groups: dict[str | int, list[Node]] = {}
    status: str | None = None
    owner: str | None = None
    silenced: bool | None = None
    words: list[str] = []
    for token in _split(text):
        match = _TOKEN.fullmatch(token)
        if match is None:
            words.append(token)
            continue
        key = _KEYS.get(match["key"].lower(), match["key"].lower())
        if key == "status":
            status = canonical_status(match["value"])
            continue
        if key == "owner":
            owner = _owner_token(match["neg"], match["op"], match["value"])
            continue
        if key == "silenced":
            silenced = _silenced_token(match["op"], match["value"])
            silenced = (not silenced) if match["neg"] else silenced
            continue
        node = _attribute_token(key, match["op"], match["value"])
        if match["neg"]:
            groups[len(groups)] = [Not(node)]  # exclusions are never alternatives
        else:
            groups.setdefault(key, []).append(node)
    alternatives = [combine("OR", nodes) for nodes in groups.values()]
    if not alternatives:
        return QuickFilter("", status, " ".join(words), None, owner, silenced)
    tree = combine("AND", alternatives)
    expression = render(tree)
    return QuickFilter(
        expression, status, " ".join(words), Filter(expression, tree), owner, silenced
    )


SILENCED_WORDS = {"yes": True, "true": True, "no": False, "false": False}


def _silenced_token(op: str, value: str) -> bool:
    """`silenced:yes`: a silence in force keeps the notification quiet, as the hub's
    `silenced=true` means; once the silence ends the row is no longer selected."""
    wanted = SILENCED_WORDS.get(value.strip().lower())
    if op not in (":", "=", "==") or wanted is None:
        raise INVALID_QUICK_FILTER.error(f"silenced takes yes or no (silenced:yes), not {value!r}")
    return wanted


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote while the operator is still typing
        return text.split()


def canonical_status(value: str) -> str:
    """The hub's name for a status token (`acked` -> `acknowledged`); an unknown one
    raises the catalogued invalid-quick-filter error naming every accepted word."""
    lowered = value.strip().lower()
    lowered = STATUS_ALIASES.get(lowered, lowered)
    if lowered not in STATUS_FILTERS:
        raise INVALID_QUICK_FILTER.error(
            f"unknown status {value!r}: use one of {', '.join(STATUSES)}"
        )
    return lowered


def _owner_token(negated: str | None, op: str, value: str) -> str:
    """`owner:alice`, `owner:me`, `owner:none`: one owner, as the hub's `owner=` takes."""
    if negated:
        raise INVALID_QUICK_FILTER.error(f"-owner:{value} cannot be negated: use owner:none")
    if op not in (":", "=", "=="):
        raise INVALID_QUICK_FILTER.error(f"owner takes ':' (as in owner:{value}), not {op!r}")
    return value.strip()


def _attribute_token(key: str, op: str, value: str) -> Node:
    if key == "sev":
        try:
            number = int(parse_severity(value))
        except NotifyError:
            raise INVALID_QUICK_FILTER.error(
                f"unknown severity {value!r} in sev{op}{value}"
            ) from None
        symbol = {":": "=", "==": "="}.get(op, op)
        return Binary(symbol, Attribute("severitynumber"), Literal(number))
    if op not in (":", "=", "=="):
        raise INVALID_QUICK_FILTER.error(f"{key} takes ':' (as in {key}:{value}), not {op!r}")
    if key == "src":
        # A trailing backslash would escape LIKE's closing %; searching without it is close enough.
        return Like(Attribute("source"), f"%{escape_like(value.rstrip(chr(92)))}%")
    return starts_with(Attribute("type"), value)
