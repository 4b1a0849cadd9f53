"""The matching benchmark's generated statement reads back whole, and nothing in it is matched wrong."""

from __future__ import annotations

from bench.matching import run


def test_a_small_benchmark_run_reads_every_case_and_matches_none_wrong():
    """GIVEN 300 generated entries against 240 open invoices WHEN read and matched THEN every entry is scored, most
    of those meant for an invoice are matched right, and none is matched wrong."""
    report = run(entries=300, invoices=240, seed=7, repeat=1)
    assert report.matched_right + report.left_for_person + report.matched_wrong + report.rightly_unmatched == 300
    assert report.matched_wrong == 0
    assert report.right_share > 0.8
    assert {"rf_structured", "number_typo", "iban_shared_amount", "debit"} <= set(report.by_category)
