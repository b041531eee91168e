"""Worst cases of hostile filters: the slowest evaluation each kind of attack achieves.

    .venv/bin/python bench/filters_hostile.py [--size 1048576] [--repeat 3]

Each filter is the most expensive of its kind that the engine still accepts, evaluated
against an event whose `subject` is `--size` characters chosen to defeat it. Prints the
best of `--repeat` times per filter (`matches`, the stream's path, and the SQLite GLOB
the hub's lists push LIKE down to), the worst of them all, and the time to compile the
largest filters accepted; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Callable

from notifycenter.model.errors import NotifyError
from notifycenter.model.filters import compile_cesql, compile_subscription_filters
from notifycenter.model.filters.like import MAX_WILDCARDS
from notifycenter.model.filters.sql import to_sql


def largest(make: Callable[[int], str], compiler: Callable[[str], object] = compile_cesql) -> str:
    """`make(n)` for the largest n the engine compiles (n from 1 to 10,000)."""
    low, high = 1, 10_000
    while low < high:
        middle = (low + high + 1) // 2
        try:
            compiler(make(middle))
            low = middle
        except NotifyError:
            high = middle - 1
    return make(low)


def hostile(size: int) -> list[tuple[str, str, str]]:
    """(name, expression, subject) triples."""
    many = largest(lambda n: " OR ".join(["subject>1"] * n))
    upper = largest(lambda n: "LENGTH(CONCAT(" + ", ".join(["UPPER(subject)"] * n) + ")) = 1")
    underscores = largest(lambda n: "subject LIKE '%" + "a_" * min(n, MAX_WILDCARDS - 2) + "b%'")
    run = largest(lambda n: f"subject LIKE '%_{'a' * n}b%'")
    spread = largest(lambda n: "subject LIKE '%" + "%".join(["a_b"] * n) + "%c%'")
    return [
        ("LIKE, 100 %", "subject LIKE '" + "%a" * 99 + "%b%'", "a" * size),
        ("LIKE, 100 % (old regex killer)", "subject LIKE '" + "%a" * 100 + "'", "a" * size + "b"),
        ("LIKE, most _ in one run", underscores, "a" * size),
        ("LIKE, longest run around _", run, "a" * size),
        ("LIKE, most runs with _", spread, "a" * size),
        ("many integer casts", many, "0" * (size - 1) + "1"),
        ("case mapping, CONCAT", upper, "ß" * size),
        ("integer of many digits", "subject = 1", "1" * size),
    ]


def _best(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20, help="characters in the value")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE e (subject TEXT)")
    worst = ("", 0.0)
    print(f"value of {args.size:,} characters; best of {args.repeat}")
    for name, expression, subject in hostile(args.size):
        compiled = compile_cesql(expression)
        event = {"specversion": "1.0", "id": "1", "source": "s", "type": "t", "subject": subject}
        took = _best(lambda: compiled.matches(event), args.repeat)  # noqa: B023
        line = f"{name:34} matches {took * 1000:9.1f} ms"
        worst = max(worst, (name, took), key=lambda w: w[1])
        pushdown = to_sql(compiled.tree, {"subject": "subject"})
        if pushdown.exact:
            db.execute("DELETE FROM e")
            db.execute("INSERT INTO e VALUES (?)", (subject,))
            sql = f"SELECT count(*) FROM e WHERE {pushdown.where}"
            glob = _best(lambda: db.execute(sql, pushdown.params).fetchone(), args.repeat)  # noqa: B023
            line += f"   SQLite {glob * 1000:9.1f} ms"
        print(line)
    print(f"worst: {worst[0]}, {worst[1] * 1000:.1f} ms")
    compile_times(args.repeat)


def compile_times(repeat: int) -> None:
    """Compiling happens once per request or subscription: the largest filters accepted."""
    chain = largest(lambda n: " OR ".join(["s='x'"] * n))
    names = largest(
        lambda n: json.dumps({"any": [{"exact": {"subject": f"s{i}"}} for i in range(n)]}),
        compile_subscription_filters,
    )
    for name, text, compiler in (
        (f"CESQL chain, {len(chain):,} characters", chain, compile_cesql),
        (f"exact filters, {len(names):,} characters", names, compile_subscription_filters),
    ):
        took = _best(lambda: compiler(text), repeat)  # noqa: B023
        print(f"compile {name:38} {took * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
