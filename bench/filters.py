"""Filter figures: compile time, and evaluation rate over varied events on one core (per
second of CPU time).

    .venv/bin/python bench/filters.py [--events 1000000] [--repeat 5] [--round 200000]

CESQL's compiled `matches` is compared with `hand_written`, a plain Python function with
exactly the expression's semantics (missing attributes, text severities and integers
beyond 32 bits included; checked equal on every event of the run and on edge cases), so
the ratio says what compiling buys and costs. The run is `--repeat` × `--events`
evaluations per filter in rounds of `--round` events. Within a round the filters take
turns every pass over the event pool (a few milliseconds), the order reversed each pass,
so that a busy machine slows them alike; each round's CPU time (`time.process_time`)
gives one rate per filter and one ratio to the hand-written rate. Printed: the median
rate, and the median ratio with its interquartile range over the rounds. Asserts only
that the compared functions agree. `time_hub_list` is the hook for timing the hub's
filtered list with the same expression (the hub supplies the listing function).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from notifycenter.model.filters import Filter, SqlPushdown, compile_cesql
from notifycenter.model.filters.parser import parse
from notifycenter.model.filters.values import CesqlError, to_int, to_str

BENCH_EXPRESSION = (
    "severitynumber >= 13 AND source LIKE 'urn:meshery:adapter:%' AND NOT (category = 'audit')"
)
HUB_COLUMNS = {
    "source": "source",
    "type": "type",
    "severitynumber": "severitynumber",
    "subject": "subject",
    "category": "category",
    "id": "id",
    "time": "time",
}

_SOURCES = [
    "urn:meshery:adapter:istio",
    "urn:meshery:adapter:linkerd",
    "urn:meshery:adapter:consul",
    "urn:meshery:server:main",
    "urn:meshery:cloud:remote",
    "https://ci.example/jobs/7",
]
_TYPES = [
    "io.meshery.provisioning.istio.virtualservice",
    "io.meshery.operation.progress",
    "io.meshery.notification.ack",
    "io.meshery.remote.user.signup",
]
_SEVERITIES = [5, 9, 10, 11, 13, 17, 18, 19, 21]


def varied_events(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Events of realistic shape; some lack category or subject, a few carry text severities."""
    rnd = random.Random(seed)
    events = []
    for n in range(count):
        event: dict[str, Any] = {
            "specversion": "1.0",
            "id": f"{n:08x}",
            "source": rnd.choice(_SOURCES),
            "type": rnd.choice(_TYPES),
            "time": "2026-11-28T09:00:00Z",
            "severitynumber": rnd.choice(_SEVERITIES),
        }
        if rnd.random() < 0.8:
            event["category"] = rnd.choice(["system", "audit", "user", "operation"])
        if rnd.random() < 0.5:
            event["subject"] = f"design/{rnd.randrange(100)}"
        if rnd.random() < 0.01:
            event["severitynumber"] = str(event["severitynumber"])
        events.append(event)
    return events


def time_compile(expression: str, repeat: int = 200) -> tuple[float, float, float]:
    """(first compile incl. building the parser, median parse, median full compile) in ms."""
    parse.__globals__["_lark"].cache_clear()
    start = time.perf_counter()
    compile_cesql(expression)
    first = time.perf_counter() - start
    parses, compiles = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        parse(expression)
        parses.append(time.perf_counter() - start)
        start = time.perf_counter()
        compile_cesql(expression)
        compiles.append(time.perf_counter() - start)
    return first * 1e3, statistics.median(parses) * 1e3, statistics.median(compiles) * 1e3


def time_rounds(
    checks: Mapping[str, Callable[[Mapping[str, Any]], object]],
    pool: list[dict[str, Any]],
    rounds: int,
    passes: int,
) -> dict[str, list[float]]:
    """CPU seconds per round for each of `checks`: a round is `passes` passes over `pool`
    per check, the checks taking turns every pass and the order reversed each pass, so
    that what the machine does meanwhile falls on all of them alike."""
    seconds = {label: [0.0] * rounds for label in checks}
    order = list(checks)
    clock = time.process_time  # CPU time: time spent descheduled does not count
    gc.disable()
    try:
        for index in range(rounds):
            for _ in range(passes):
                for label in order:
                    check = checks[label]
                    start = clock()
                    for event in pool:
                        check(event)
                    seconds[label][index] += clock() - start
                order.reverse()
    finally:
        gc.enable()
    return seconds


def hand_written(event: Mapping[str, Any]) -> bool:
    """BENCH_EXPRESSION as a person would write it with the same semantics: each attribute
    present, the severity a 32-bit integer or text that casts to one, the others cast to
    text; false as soon as one condition fails."""
    severity = event.get("severitynumber")
    if severity is None:
        return False
    if type(severity) is not int or not -2147483648 <= severity <= 2147483647:
        errors: list[CesqlError] = []
        severity = to_int(severity, errors)
        if errors:
            return False
    if severity < 13:
        return False
    source = event.get("source")
    if source is None:
        return False
    if type(source) is not str:
        source = to_str(source)
    if not source.startswith("urn:meshery:adapter:"):
        return False
    category = event.get("category")
    if category is None:
        return False
    if type(category) is not str:
        category = to_str(category)
    return category != "audit"


# Values the varied events rarely or never hold, on which the compared functions must agree.
EDGE_VALUES: dict[str, list[Any]] = {
    "severitynumber": [13, 12, "13", " 13", "013", "+13", "x", True, 2**31, -(2**31), 13.0, []],
    "source": ["urn:meshery:adapter:istio", "urn:meshery:adapter:", "URN:meshery:adapter:x", 17],
    "category": ["audit", "Audit", "system", "", True, 0, None],
}


def edge_events() -> list[dict[str, Any]]:
    """Every combination of the edge values (None: the attribute is absent)."""
    events: list[dict[str, Any]] = [{}]
    for name, values in EDGE_VALUES.items():
        events = [
            {**event, **({} if value is None else {name: value})}
            for event in events
            for value in values
        ]
    return [{"specversion": "1.0", "id": "x", "type": "t", **event} for event in events]


def closure_baseline() -> Callable[[Mapping[str, Any]], bool]:
    """BENCH_EXPRESSION as one closure per node, the design codegen.py replaced.

    Kept only to show what generating code buys; same semantics on these events.
    """
    from notifycenter.model.filters.values import CesqlError, to_bool, to_int, to_str

    def attribute(name: str) -> Callable[..., Any]:
        def read(e: Mapping[str, Any], errs: list[CesqlError]) -> Any:
            value = e.get(name)
            if value is None:
                errs.append(CesqlError("missingAttribute", name))
            return value

        return read

    def compare(
        read: Callable[..., Any], test: Callable[[Any, list[CesqlError]], bool]
    ) -> Callable[..., bool]:
        def node(e: Mapping[str, Any], errs: list[CesqlError]) -> bool:
            value = read(e, errs)
            return False if value is None else test(value, errs)

        return node

    def both(left: Callable[..., bool], right: Callable[..., bool]) -> Callable[..., bool]:
        return lambda e, errs: (
            to_bool(right(e, errs), errs) if to_bool(left(e, errs), errs) else False
        )

    severity = compare(attribute("severitynumber"), lambda v, errs: to_int(v, errs) >= 13)
    adapter = compare(
        attribute("source"), lambda v, errs: to_str(v).startswith("urn:meshery:adapter:")
    )
    audit = compare(attribute("category"), lambda v, errs: to_str(v) == "audit")
    tree = both(both(severity, adapter), lambda e, errs: not to_bool(audit(e, errs), errs))

    def matches(event: Mapping[str, Any]) -> bool:
        errs: list[CesqlError] = []
        return tree(event, errs) is True and not errs

    return matches


def time_hub_list(
    list_events: Callable[[Filter, SqlPushdown], Iterable[Mapping[str, Any]]],
    expression: str = BENCH_EXPRESSION,
    columns: Mapping[str, str] = HUB_COLUMNS,
    repeat: int = 5,
) -> dict[str, float]:
    """Time a filtered hub listing. `list_events(filter, pushdown)` runs the query, re-checks
    rows with `filter.matches` when `pushdown.exact` is false, and yields the events."""
    compiled = compile_cesql(expression)
    pushdown = compiled.to_sql(columns)
    timings, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = sum(1 for _ in list_events(compiled, pushdown))
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    figures = {
        "rows": float(rows),
        "median_s": median,
        "rows_per_s": rows / median if median else float("inf"),
    }
    print(
        f"hub list  {expression!r}: {rows} rows in {median * 1e3:.1f} ms "
        f"(median of {repeat}), push-down exact={pushdown.exact}"
    )
    return figures


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile); a single value is all three."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    low, median, high = statistics.quantiles(values, n=4)
    return low, median, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="evaluations per run")
    parser.add_argument("--pool", type=int, default=20_000, help="distinct events cycled through")
    parser.add_argument("--repeat", type=int, default=5, help="runs of --events per filter")
    parser.add_argument("--round", type=int, default=200_000, help="evaluations per round")
    args = parser.parse_args()

    first, parse_ms, compile_ms = time_compile(BENCH_EXPRESSION)
    print(f"compile   first call (builds the LALR parser): {first:.1f} ms")
    print(
        f"compile   parse only: {parse_ms:.3f} ms   parse + fold + codegen + compile(): {compile_ms:.3f} ms"
    )

    pool = varied_events(args.pool)
    cesql = compile_cesql(BENCH_EXPRESSION)
    matched = sum(1 for e in pool if cesql.matches(e))
    print(
        f"events    {args.repeat * args.events:,} evaluations per filter over"
        f" {len(pool):,} distinct events ({matched / len(pool):.0%} match)"
    )
    filters = {
        "hand-written Python": hand_written,
        "CESQL matches()": cesql.matches,
        "CESQL evaluate()": cesql.evaluate,
        "closure-per-node baseline": closure_baseline(),
    }
    for event in pool + edge_events():
        verdict = hand_written(event)
        assert cesql.matches(event) is verdict, event
        value, errors = cesql.evaluate(event)
        assert (value is True and not errors) is verdict, event
    assert all(filters["closure-per-node baseline"](e) is cesql.matches(e) for e in pool)
    passes = max(1, args.round // len(pool))
    rounds = max(1, args.repeat * args.events // (passes * len(pool)))
    seconds = time_rounds(filters, pool, rounds, passes)
    per_round = passes * len(pool)
    print(
        f"rounds    {rounds} of {per_round:,} evaluations per filter, the filters taking"
        f" turns every {len(pool):,}; CPU time"
    )
    base = seconds["hand-written Python"]
    for label, times in seconds.items():
        # Each round's ratio compares runs taken at most a few milliseconds apart.
        ratios = [hand / own for own, hand in zip(times, base, strict=True)]
        low, median, high = quartiles(ratios)
        print(
            f"rate      {label:28s} {per_round / statistics.median(times):12,.0f} events/s"
            f"  {median:5.2f}× hand-written (IQR {low:.2f}–{high:.2f} over {rounds} rounds)"
        )
    print(f"push-down {cesql.to_sql(HUB_COLUMNS)}")


if __name__ == "__main__":
    main()
