"""Build a set of real shop receipts from the ICDAR-2019 SROIE data, to measure receipts on more
than the corpus's few: its photos of Malaysian till receipts with the shop's name, the date and the
total that its task-3 key files give.

    python -m bench.sroie OUT_DIR SROIE_DATA_DIR [--exclude-manifest PATH]

SROIE_DATA_DIR holds `img/NNN.jpg` and `key/NNN.json` (the `data/` folder of the public repository
zzzDavid/ICDAR-2019-SROIE). Receipts already in the evaluation corpus are skipped: a picture whose
SHA-256 is in `--exclude-manifest` (the corpus's MANIFEST.tsv), or whose shop and total are those
of a document the manifest lists (the corpus also holds scans made from SROIE pictures). The rest
are split by a hash of the picture's name: a third to OUT_DIR/heldout, the rest to OUT_DIR/dev,
each with a truth `.json` beside every picture and a MANIFEST.tsv, the layout `bench.generate`
writes, so that

    python -m bench.accuracy --set generated --generated OUT_DIR/heldout --visual-only --no-rival

measures it. The truth holds only what the key file gives (`seller.name`, `issue_date`, `total`):
other fields are not scored. A key's date or total that none of the plain forms below reads is
left out of that receipt's truth rather than guessed; the counts say how many. SROIE's labels have
known noise (a company's name as the key file spells it, not always as printed). Never look at the
held-out part's receipts or failures: it is for a final check.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bench.realset import DEV, HELDOUT, excluded_hashes, part_of, write_manifest

KIND = "image"
SOURCE = "zzzDavid/ICDAR-2019-SROIE"
LICENSE = "ICDAR-2019 SROIE data set (research use; licence of the underlying data not stated)"
#: The date forms SROIE's key files use, day before month as Malaysian receipts print them; the
#: month first only where no day-first form reads the date ("12/28/2017").
DATE_FORMATS = (
    "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y",
    "%d %b %Y", "%d-%b-%Y", "%d/%b/%Y", "%d %b %y", "%d-%b-%y", "%d %B %Y", "%b %d, %Y", "%b %d %Y",
    "%d%b%Y", "%Y%m%d", "%d%m%Y", "%m/%d/%Y",
)


def key_date(text: str) -> str | None:
    """Return the key file's date as YYYY-MM-DD, or None where no plain form reads it."""
    text = re.sub(r"\s+", " ", text.strip(" ()"))
    for form in DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
        if 2000 <= value.year <= 2030:
            return value.isoformat()
    return None


def key_total(text: str) -> str | None:
    """Return the key file's total as a decimal string with cents ("9.00"), or None."""
    digits = re.sub(r"[^\d.]", "", text.replace(",", ""))
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return f"{value:.2f}" if value > 0 else None


def truth_of(key: dict[str, Any], name: str) -> dict[str, Any]:
    """Return the truth of one receipt: only the fields its key file gives in a plain form."""
    truth: dict[str, Any] = {}
    if (date := key_date(str(key.get("date", "")))) is not None:
        truth["issue_date"] = date
    if (total := key_total(str(key.get("total", "")))) is not None:
        truth["total"] = total
    if str(key.get("company", "")).strip():
        truth["seller"] = {"name": str(key["company"]).strip()}
    truth |= {"source": f"github.com/{SOURCE} : data/img/{name}", "license": LICENSE, "kind": KIND,
              "_meta": {"document": "receipt", "truth_source": f"SROIE task-3 key file data/key/{Path(name).stem}.json"}}
    return truth


def corpus_shops(manifest: Path | None) -> set[tuple[str, str]]:
    """Return the (shop, total) of each document the manifest lists whose truth names both."""
    if manifest is None:
        return set()
    shops = set()
    with manifest.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            truth_path = (manifest.parent / row["path"]).with_suffix(".json")
            if truth_path.exists():
                truth = json.loads(truth_path.read_text())
                shop = (truth.get("seller") or {}).get("name")
                if shop and truth.get("total"):
                    shops.add((shop.strip().casefold(), str(truth["total"])))
    return shops


def build(out_dir: Path, data_dir: Path, manifest: Path | None = None) -> Counter[str]:
    """Write the set into `out_dir`/dev and `out_dir`/heldout; return the counts of the summary."""
    hashes, shops = excluded_hashes(manifest), corpus_shops(manifest)
    counts: Counter[str] = Counter()
    rows: dict[str, list[tuple[str, ...]]] = {DEV: [], HELDOUT: []}
    for part in rows:
        shutil.rmtree(out_dir / part, ignore_errors=True)
        (out_dir / part).mkdir(parents=True)
    for picture in sorted((data_dir / "img").glob("*.jpg")):
        counts["found"] += 1
        key_path = data_dir / "key" / f"{picture.stem}.json"
        if not key_path.exists():
            counts["without key"] += 1
            continue
        data = picture.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        truth = truth_of(json.loads(key_path.read_text()), picture.name)
        shop = ((truth.get("seller") or {}).get("name", "").casefold(), truth.get("total", ""))
        if digest in hashes or shop in shops:
            counts["in corpus"] += 1
            continue
        counts["no date"] += "issue_date" not in truth
        counts["no total"] += "total" not in truth
        part = part_of(picture.name)
        name = f"sroie-{picture.name}"
        (out_dir / part / name).write_bytes(data)
        (out_dir / part / name).with_suffix(".json").write_text(json.dumps(truth, indent=1, ensure_ascii=False))
        rows[part].append((name, KIND, SOURCE, LICENSE, digest))
        counts[part] += 1
    for part, found in rows.items():
        write_manifest(out_dir / part, found)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="where dev/ and heldout/ are written")
    parser.add_argument("data_dir", type=Path, help="SROIE's data/ folder (img/ and key/)")
    parser.add_argument("--exclude-manifest", type=Path, help="a MANIFEST.tsv whose receipts to skip")
    args = parser.parse_args(argv)
    counts = build(args.out_dir, args.data_dir, args.exclude_manifest)
    print(f"pictures found: {counts['found']}, skipped: {counts['in corpus']} in the corpus, "
          f"{counts['without key']} without a key file")
    print(f"kept: dev {counts[DEV]}, held-out {counts[HELDOUT]} "
          f"(dates left out of the truth: {counts['no date']}, totals: {counts['no total']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
