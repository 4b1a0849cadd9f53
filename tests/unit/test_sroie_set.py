"""The SROIE receipts set: real till receipts with the shop, date and total of their key files."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from bench.sroie import build, key_date, key_total, part_of


@pytest.mark.parametrize(
    ("text", "iso"),
    [("25/12/2018", "2018-12-25"), ("02/JAN/2017", "2017-01-02"), ("20180304", "2018-03-04"),
     ("25032018", "2018-03-25"), ("(06/12/2016)", "2016-12-06"), ("12/28/2017", "2017-12-28"),
     ("15-01-19", "2019-01-15"), ("sometime", None)],
)
def test_a_key_files_date_is_read_day_first_and_month_first_only_where_that_cannot_be(text: str, iso: str | None) -> None:
    assert key_date(text) == iso


@pytest.mark.parametrize(("text", "total"), [("9.00", "9.00"), ("RM 1,234.5", "1234.50"), ("", None), ("0.00", None)])
def test_a_key_files_total_is_a_decimal_with_cents_or_none(text: str, total: str | None) -> None:
    assert key_total(text) == total


def test_receipts_of_the_corpus_are_skipped_and_the_rest_split_with_only_their_keys_as_truth(tmp_path: Path) -> None:
    """GIVEN three SROIE pictures with key files: one whose bytes the corpus holds, one whose shop
    and total a corpus document's truth has (a scan made from it), one new with an unreadable date
    WHEN the set is built THEN only the new one is kept, in its name's part, its truth the shop and
    the total (no date), and its part's manifest lists it."""
    data = tmp_path / "data"
    (data / "img").mkdir(parents=True)
    (data / "key").mkdir()
    pictures = {"000": b"\xff\xd8corpus", "001": b"\xff\xd8scanned", "002": b"\xff\xd8new"}
    keys = {"000": ("SHOP A SDN BHD", "25/12/2018", "9.00"), "001": ("SHOP B SDN BHD", "01/01/2018", "4.50"),
            "002": ("SHOP C SDN BHD", "sometime", "12.30")}
    for stem, picture in pictures.items():
        (data / "img" / f"{stem}.jpg").write_bytes(picture)
        company, date, total = keys[stem]
        (data / "key" / f"{stem}.json").write_text(json.dumps({"company": company, "date": date, "total": total}))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.json").write_text(json.dumps({"total": "4.50", "seller": {"name": "Shop B Sdn Bhd"}}))
    digest = hashlib.sha256(pictures["000"]).hexdigest()
    (corpus / "MANIFEST.tsv").write_text(
        f"path\tkind\tsource_repo\tlicense\tsha256\nsroie.jpg\timage\tr\tl\t{digest}\nscan.pdf\tscanned-pdf\tr\tl\tabc\n"
    )

    counts = build(tmp_path / "out", data, corpus / "MANIFEST.tsv")

    assert (counts["found"], counts["in corpus"], counts["no date"]) == (3, 2, 1)
    part = tmp_path / "out" / part_of("002.jpg")
    assert json.loads((part / "sroie-002.json").read_text()) | {"source": "", "license": "", "_meta": {}} == {
        "total": "12.30", "seller": {"name": "SHOP C SDN BHD"}, "kind": "image", "source": "", "license": "",
        "_meta": {},
    }
    assert json.loads((part / "sroie-002.json").read_text())["_meta"]["document"] == "receipt"
    with (part / "MANIFEST.tsv").open(newline="") as f:
        assert [row["path"] for row in csv.DictReader(f, delimiter="\t")] == ["sroie-002.jpg"]
