"""Benchmark how accurately the product reads Form 1040 returns laid out as real ones are.

Why: an advisor uploads whatever PDF the client has: the IRS form filled by software, a tax program's own
printout, a fillable PDF whose figures live only in form fields, or a scan. The target is "at least 98% of the
fields right and no invented value" on each kind.

How it measures:

- ``--returns`` random, internally consistent returns (``tests/taxprofiles/form1040/specimens.py``:
  ``random_facts`` from ``--seed``), each rendered in every layout of ``--layouts`` (the scans, slow to make and
  to read, use the first ``--scan-returns``, default 10, of them).
- Each PDF is read by the product's reader: ``taxprofiles.form1040.sandbox.read_return_sandboxed(data)``
  (``Reading.extraction.values``: field -> Value, only the fields found; ``Reading.extraction.names``). A
  DocumentError counts every field of that return as missed.
- Each field is compared with ``specimens.expected(facts)``: right when equal to the cent (the year and the
  filing status exactly), or when both are absent. "Invented" counts a value read where the form prints none.
  The names (taxpayer and spouse as printed) are shown on their own row, outside the target.
- Seconds: the reader's wall clock per return (rendering excluded, shown apart).

Usage::

    .venv/bin/python bench/bench_1040_reading.py                          # 40 returns, every layout
    .venv/bin/python bench/bench_1040_reading.py --returns 10 --layouts official,software
    .venv/bin/python bench/bench_1040_reading.py --show-misses 20         # list the first wrong fields
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.taxprofiles.form1040 import specimens  # noqa: E402

FIELDS = ("tax_year", "filing_status", *specimens.MONEY)
TARGET_ACCURACY = 0.98
CENT = Decimal("0.01")


@dataclass
class Read:
    """What the reader returned for one PDF: values by field (only those found) and the names."""

    values: dict[str, Any]
    names: tuple[str, ...] = ()
    error: str = ""


@dataclass
class Tally:
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    invented: Counter[str] = field(default_factory=Counter)
    names_right: int = 0
    returns: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    read_seconds: list[float] = field(default_factory=list)
    render_seconds: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def load_reader() -> Callable[[bytes], Read]:
    """The product's reader as an upload is read: ``read_return_sandboxed`` (the limited child process)."""
    from taxprofiles.form1040 import sandbox
    from taxprofiles.form1040.fields import DocumentError

    def read(data: bytes) -> Read:
        try:
            reading = sandbox.read_return_sandboxed(data)
        except DocumentError as exc:
            return Read({}, error=type(exc).__name__ + ": " + str(exc)[:60])
        extraction = reading.extraction
        return Read({name: found.value for name, found in extraction.values.items()}, extraction.names)

    return read


def same(want: object, got: object) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, Decimal):
        try:
            return Decimal(str(got)).quantize(CENT) == want
        except (InvalidOperation, ValueError):
            return False
    return want == got


def score(tally: Tally, facts: specimens.ReturnFacts, read: Read, label: str, show: int) -> None:
    want = specimens.expected(facts)
    tally.returns += 1
    if read.error:
        tally.errors[read.error] += 1
    for name in FIELDS:
        expected_value, got = want[name], read.values.get(name)
        tally.total[name] += 1
        if same(expected_value, got):
            tally.right[name] += 1
            continue
        if expected_value is None:
            tally.invented[name] += 1
        if len(tally.misses) < show:
            tally.misses.append(f"{label:<24} {name:<20} expected {expected_value!s:>14}  read {got!s:>14}")
    if tuple(read.names) == tuple(facts.names):
        tally.names_right += 1
    elif len(tally.misses) < show:
        tally.misses.append(f"{label:<24} {'names':<20} expected {facts.names}  read {tuple(read.names)}")


def pct(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}%" if total else "    - "


def report(tallies: dict[str, Tally], layouts: list[str]) -> bool:
    width = 11
    head = f"{'field':<20}" + "".join(f"{layout:>{width}}" for layout in layouts)
    print(head)
    print("-" * len(head))
    for name in FIELDS:
        cells = []
        for layout in layouts:
            t = tallies[layout]
            cell = pct(t.right[name], t.total[name])
            cells.append(f"{cell + ('!' if t.invented[name] else ' '):>{width}}")
        print(f"{name:<20}" + "".join(cells))
    print("-" * len(head))
    rows: list[tuple[str, Callable[[Tally], str]]] = [
        ("all fields", lambda t: pct(sum(t.right.values()), sum(t.total.values()))),
        ("fields right", lambda t: f"{sum(t.right.values())}/{sum(t.total.values())}"),
        ("invented values", lambda t: str(sum(t.invented.values()))),
        ("names (not in target)", lambda t: pct(t.names_right, t.returns)),
        ("returns", lambda t: str(t.returns)),
        ("unreadable returns", lambda t: str(sum(t.errors.values()))),
        ("s/return reading", lambda t: f"{sum(t.read_seconds) / max(1, len(t.read_seconds)):.3f}"),
        ("s/return rendering", lambda t: f"{sum(t.render_seconds) / max(1, len(t.render_seconds)):.3f}"),
        (
            "target met",
            lambda t: (
                "yes"
                if sum(t.right.values()) >= TARGET_ACCURACY * sum(t.total.values()) and not sum(t.invented.values())
                else "NO"
            ),
        ),
    ]
    for title, cell in rows:
        print(f"{title:<20}" + "".join(f"{cell(tallies[layout]):>{width}}" for layout in layouts))
    print("('!' after a percentage: that field was invented at least once in that layout)")
    right = sum(sum(tallies[layout].right.values()) for layout in layouts)
    total = sum(sum(tallies[layout].total.values()) for layout in layouts)
    invented = sum(sum(tallies[layout].invented.values()) for layout in layouts)
    met = total > 0 and right >= TARGET_ACCURACY * total and invented == 0
    print()
    print(
        f"overall: {right}/{total} fields right ({pct(right, total).strip()}), {invented} invented; "
        f"target at least {TARGET_ACCURACY:.0%} right and 0 invented: {'MET' if met else 'NOT MET'}"
    )
    for layout in layouts:
        for error, count in tallies[layout].errors.most_common(3):
            print(f"  {layout}: {count} x {error}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--returns", type=int, default=40, help="random returns per layout (default 40)")
    parser.add_argument("--seed", type=int, default=1040, help="seed of the random returns (default 1040)")
    parser.add_argument("--layouts", default=",".join(specimens.LAYOUTS), help="comma-separated, of: %(default)s")
    parser.add_argument("--scan-returns", type=int, default=10, help="returns for the scan layout (default 10)")
    parser.add_argument("--show-misses", type=int, default=0, help="print the first N wrong fields per layout")
    args = parser.parse_args(argv)
    layouts = [layout.strip() for layout in args.layouts.split(",") if layout.strip()]
    unknown = set(layouts) - set(specimens.LAYOUTS)
    if unknown:
        parser.error(f"unknown layouts {sorted(unknown)}: choose from {', '.join(specimens.LAYOUTS)}")

    read = load_reader()
    print("reader: taxprofiles.form1040.sandbox.read_return_sandboxed (as an upload is read)")
    rng = random.Random(args.seed)
    returns = [specimens.random_facts(rng) for _ in range(args.returns)]
    print(
        f"{len(returns)} returns (seed {args.seed}; scans: {min(len(returns), args.scan_returns)}), "
        f"layouts: {', '.join(layouts)}"
    )
    print()
    tallies: dict[str, Tally] = defaultdict(Tally)
    started = time.perf_counter()
    for layout in layouts:
        count = min(len(returns), args.scan_returns) if layout == "scan" else len(returns)
        tally = tallies[layout]
        for index, facts in enumerate(returns[:count]):
            clock = time.perf_counter()
            pdf = specimens.render(facts, layout)
            tally.render_seconds.append(time.perf_counter() - clock)
            clock = time.perf_counter()
            result = read(pdf)
            tally.read_seconds.append(time.perf_counter() - clock)
            score(tally, facts, result, f"{layout} #{index} {facts.year}", args.show_misses)
        print(f"  {layout}: {count} returns in {sum(tally.render_seconds) + sum(tally.read_seconds):.1f} s", flush=True)
    print(f"  total {time.perf_counter() - started:.1f} s")
    print()
    report(tallies, layouts)
    if args.show_misses:
        for layout in layouts:
            if tallies[layout].misses:
                print()
                print(f"first wrong fields, {layout}:")
                for miss in tallies[layout].misses:
                    print("  " + miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
