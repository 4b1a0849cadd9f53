"""Per-document memos of field extraction: once per text while a document is read, never across."""

from __future__ import annotations

from intake.fields.memo import one_document, per_document

calls: list[str] = []


@per_document
def _shout(text: str) -> str:
    calls.append(text)
    return text.upper()


def test_a_text_is_worked_out_once_per_document_and_afresh_for_the_next():
    """GIVEN a memoized rule WHEN two documents each ask twice about the same text, and a caller
    outside any document asks too THEN each document works it out once, the outsider every time."""
    calls.clear()
    with one_document():
        assert [_shout("total"), _shout("total")] == ["TOTAL", "TOTAL"]
    with one_document():
        assert _shout("total") == "TOTAL"
    assert [_shout("total"), _shout("total")] == ["TOTAL", "TOTAL"]
    assert calls == ["total", "total", "total", "total"]
