"""Matching a bank statement to open invoices: how much is matched right, left for a person, matched wrong.

    python -m bench.matching [--entries 1000] [--invoices 800] [--seed 2026] [--repeat 5] [--json]

Generates, from the seed, open invoices of a few hundred customers (some owing the same amount
twice, some with an early-payment discount, numbers of two years) and a camt.053.001.08 statement
whose entries each say what they were meant to pay: RF references (structured, or typed in the
text), invoice numbers in free text (clean, lower case, spaced, run together, with typos, several
in one payment), partial payments and overpayments, payments with no text from a known account
with a unique or a shared amount, payments for invoices that do not exist, debits (some quoting
our numbers: refunds), other currencies, and a few batch bookings. It reads the file with
`statements.camt.read_camt`, matches with `matching.match_entries`, and scores each entry
against what it was meant for: right (exactly the invoices meant), left for a person, or wrong.
Times are the median of `--repeat` warm runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from bench.matching_data import Case, generate
from invoicing.matching import Match, match_entries
from invoicing.statements.camt import read_camt


@dataclass(slots=True)
class Report:
    seed: int
    entries: int
    invoices: int
    #: Entries meant for one or more open invoices (the rest should be left alone).
    matchable: int = 0
    matched_right: int = 0
    left_for_person: int = 0
    matched_wrong: int = 0
    #: Entries meant for nothing that were (rightly) not matched.
    rightly_unmatched: int = 0
    parse_ms: float = 0.0
    match_ms: float = 0.0
    #: CPU time of the same runs (steadier than the wall clock on a shared machine).
    parse_cpu_ms: float = 0.0
    match_cpu_ms: float = 0.0
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def right_share(self) -> float:
        return self.matched_right / self.matchable if self.matchable else 0.0

    @property
    def person_share(self) -> float:
        return self.left_for_person / self.matchable if self.matchable else 0.0


def score(cases: Sequence[Case], results: Sequence[object], report: Report) -> None:
    """Fill `report` with each entry's outcome against what its case was meant to pay."""
    matched: dict[str, set[int]] = defaultdict(set)
    for result in results:
        if isinstance(result, Match):
            matched[result.entry.end_to_end_id or ""].add(result.invoice_id)
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        got = matched.get(case.id, set())
        if not case.truth:
            outcome = "rightly_unmatched" if not got else "matched_wrong"
        elif not got:
            outcome = "left_for_person"
        else:
            outcome = "matched_right" if got == set(case.truth) else "matched_wrong"
        if outcome == "matched_wrong" and len(report.wrong_examples) < 10:
            report.wrong_examples.append(f"{case.id} {case.category}: meant {sorted(case.truth)}, got {sorted(got)}")
        categories[case.category][outcome] += 1
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.matchable = sum(1 for case in cases if case.truth)
    report.by_category = {name: dict(counts) for name, counts in sorted(categories.items())}


def run(entries: int, invoices: int, seed: int, repeat: int) -> Report:
    statement, open_invoices, cases = generate(entries=entries, invoices=invoices, seed=seed)
    report = Report(seed=seed, entries=len(cases), invoices=len(open_invoices))
    times: list[tuple[float, float, float, float]] = []
    for _ in range(repeat + 1):  # the first run warms up and is not timed
        started, started_cpu = time.perf_counter(), time.process_time()
        read = read_camt(statement)
        parsed, parsed_cpu = time.perf_counter(), time.process_time()
        results = match_entries(read.entries, open_invoices)
        done, done_cpu = time.perf_counter(), time.process_time()
        times.append(((parsed - started) * 1000, (done - parsed) * 1000,
                      (parsed_cpu - started_cpu) * 1000, (done_cpu - parsed_cpu) * 1000))  # fmt: skip
    if read.problems or len(read.entries) != len(cases):
        raise SystemExit(f"the statement read {len(read.entries)} entries for {len(cases)} cases: {read.problems[:3]}")
    report.parse_ms, report.match_ms, report.parse_cpu_ms, report.match_cpu_ms = (
        statistics.median(column) for column in zip(*times[1:], strict=True)
    )
    score(cases, results, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=800)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.entries, args.invoices, args.seed, args.repeat)
    if args.json:
        print(json.dumps({**asdict(report), "right_share": report.right_share, "person_share": report.person_share}, indent=2))
    else:
        print(f"{report.entries} entries against {report.invoices} open invoices (seed {report.seed})")
        print(f"  meant for an invoice: {report.matchable}")
        print(f"    matched right:   {report.matched_right:5d}  {report.right_share:6.1%}")
        print(f"    left for person: {report.left_for_person:5d}  {report.person_share:6.1%}")
        print(f"  matched wrong:     {report.matched_wrong:5d}")
        print(f"  meant for nothing, left alone: {report.rightly_unmatched}")
        print(f"  time: parse {report.parse_ms:.1f} ms, match {report.match_ms:.1f} ms (median of {args.repeat}; "
              f"CPU {report.parse_cpu_ms:.1f} ms + {report.match_cpu_ms:.1f} ms)")  # fmt: skip
        width = max(len(name) for name in report.by_category)
        outcomes = ("matched_right", "left_for_person", "matched_wrong", "rightly_unmatched")
        print(f"  {'category':<{width}}  right  person  wrong  left-alone")
        for name, counts in report.by_category.items():
            print(f"  {name:<{width}}  " + "  ".join(f"{counts.get(o, 0):>{len(h)}}" for o, h in
                                                zip(outcomes, ("right", "person", "wrong", "left-alone"), strict=True)))  # fmt: skip
        for example in report.wrong_examples:
            print(f"  WRONG {example}")
    return 1 if report.matched_wrong else 0


if __name__ == "__main__":
    sys.exit(main())
