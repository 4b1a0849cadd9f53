"""Build an "extra real set": public Factur-X / ZUGFeRD PDFs with their truth taken from the XML
they embed, to measure the field extractor on real layouts it was not written for.

    python -m bench.realset OUT_DIR SOURCE_DIR [SOURCE_DIR...] [--exclude-manifest PATH] [--shown-total]

Each SOURCE_DIR holds one folder per public repository, named `owner+repo`, with that repository's
files at any depth. Every `*.pdf` whose embedded e-invoice XML the product's own reader
(`intake.readers.pdf.find_embedded_xml`, `intake.extract.embedded_invoice`) parses with a total is
kept, once per SHA-256 of its bytes; files whose SHA-256 is in the `sha256` column of
`--exclude-manifest` (the evaluation corpus's MANIFEST.tsv) are skipped. Repositories are split
by a hash of `owner/repo`: a third go to OUT_DIR/heldout, the rest to OUT_DIR/dev; a PDF that
repositories of both parts hold (a fork's, a shared sample) is a development PDF (`homes`), so
fetching more forks never moves a file already read into the held-out part. Each part gets
the PDFs, a truth `.json` beside each, and a MANIFEST.tsv, the layout `bench.generate` writes, so

    python -m bench.accuracy --set generated --generated OUT_DIR/dev --visual-only --no-rival

measures it. Never look at the held-out part's documents or failures: it is for a final check.

With `--shown-total`, a PDF is kept only where its text layer prints the XML's total. That leaves
out sample pages and PDFs whose visible invoice is not the one in their XML, whose truth no
reader of the page could give.

With `--degraded N`, the first N kept PDFs of each repository (in the order of their paths) are also written
as a scan (`bench.generate.degrade.scan`, every page) and, where they have one page, as a photo
(`degrade.photo`), with the same truth: real layouts through OCR, which the generated set's own
layouts cannot stand in for. Each copy's degradation (resolution, skew, blur, light, JPEG
quality) is drawn from a random generator seeded by the PDF's hash; the noise's grain is PIL's own.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from stdnum import iban as stdnum_iban

from bench.generate import degrade
from intake.extract import embedded_invoice
from intake.fields.amounts import format_amount
from intake.fields.ids import compact
from intake.readers.pdf import find_embedded_xml
from invoicing.extraction import FIELD_NAMES, ExtractedInvoice

DEV, HELDOUT = "dev", "heldout"
KIND = "text-pdf"
#: The kinds and file suffixes of a PDF's degraded copies (`--degraded`).
SCAN, PHOTO = ("scanned-pdf", "-scan.pdf"), ("image", "-photo.jpg")
LICENSE = "see repository"
MANIFEST_HEADER = ("path", "kind", "source_repo", "license", "sha256")


def part_of(repo: str) -> str:
    """Return the part (`dev` or `heldout`) every PDF of `owner/repo` goes to, by a hash of the
    name (`bench.sroie` splits its receipts by their file names the same way)."""
    return HELDOUT if int(hashlib.sha256(repo.encode()).hexdigest()[:8], 16) % 3 == 0 else DEV


def hashed_pdfs(source_dirs: Sequence[Path]) -> list[tuple[str, Path, str]]:
    """Return (owner/repo, path, SHA-256) for every PDF of `source_pdfs`, each file read once."""
    return [(repo, path, hashlib.sha256(path.read_bytes()).hexdigest()) for repo, path in source_pdfs(source_dirs)]


def homes(pdfs: Sequence[tuple[str, Path, str]]) -> dict[str, str]:
    """Return, for the SHA-256 of every PDF (`hashed_pdfs`), the repository it is counted under:
    the first development repository that holds it, else the first that does. A file that forks
    and shared sample sets copy into repositories of both parts is a development file, so the
    held-out part holds only what no development repository holds, whichever are fetched."""
    found: dict[str, str] = {}
    for repo, _, digest in pdfs:
        if digest not in found or (part_of(found[digest]) == HELDOUT and part_of(repo) == DEV):
            found[digest] = repo
    return found


def source_pdfs(source_dirs: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    """Yield (owner/repo, path) for every PDF under the `owner+repo` folders, in a stable order."""
    for source in source_dirs:
        for repo_dir in sorted(p for p in source.iterdir() if p.is_dir() and "+" in p.name):
            repo = repo_dir.name.replace("+", "/", 1)
            for path in sorted(repo_dir.rglob("*")):
                if path.suffix.lower() == ".pdf" and path.is_file():
                    yield repo, path


def pdf_invoice(document: pdfium.PdfDocument) -> ExtractedInvoice | None:
    """Return the invoice the PDF's embedded e-invoice XML states, or None without a readable one."""
    return embedded_invoice(find_embedded_xml(document)[1])


#: The ways pages group thousands and mark decimals: "1234.56", "1234,56", "1,234.56", "1.234,56", "1'234.56".
_STYLES = (("", "."), ("", ","), (",", "."), (".", ","), ("'", "."))


def total_forms(total: Decimal) -> set[str]:
    """Return the ways a page may print `total` without its sign (`_STYLES`)."""
    return {format_amount(abs(total), group, mark) for group, mark in _STYLES}


def page_text(document: pdfium.PdfDocument) -> str:
    """Return the PDF's text layer (pdfium's text, not the product's reader), its blanks removed."""
    texts = []
    for page in document:
        textpage = page.get_textpage()
        try:
            texts.append(textpage.get_text_bounded())
        finally:
            textpage.close()
            page.close()
    return re.sub(r"[\s\u00a0\u202f\u2009]", "", "".join(texts))


def shows_total(text: str, total: Decimal) -> bool:
    """Return whether `page_text` prints `total` in one of `total_forms`: a page that does not is a
    sample page or another invoice's."""
    return any(form in text for form in total_forms(total))


#: The truth's identifiers, kept only where the page prints them (`truth_of`).
_PRINTED_IDS = ("seller.vat_id", "seller.iban")


def truth_of(invoice: ExtractedInvoice, repo: str, printed: str | None = None) -> dict[str, Any]:
    """Return the benchmark's truth object for `invoice`: the scored fields (`FIELD_NAMES`) its XML
    states, as JSON values (ISO dates, decimals as strings).

    A field the XML leaves empty is left out, so not scored, rather than null ("not printed"): an
    e-invoice's due date, VAT ID and account are optional, and pages print them all the same. So is
    a seller's IBAN that fails its checksum, a sample's made-up account: the page prints either
    that one, which the extractor rightly does not return (a valid IBAN or none), or a valid one
    the XML mistyped. With the page's text (`page_text`), a VAT ID or IBAN it does not print, in
    any spacing, is left out too: no reader of the page could give it. The real set therefore
    measures fields right, wrong and missed; values invented are measured on the generated sets
    and the corpus, whose truth knows what is printed."""
    data = invoice.model_dump(mode="json")
    if data["seller"]["iban"] is not None and not stdnum_iban.is_valid(data["seller"]["iban"]):
        data["seller"]["iban"] = None
    shown = None if printed is None else compact(printed)
    truth: dict[str, Any] = {}
    for name in FIELD_NAMES:
        head, _, tail = name.partition(".")
        value = data[head][tail] if tail else data[head]
        if value is None or (name in _PRINTED_IDS and shown is not None and compact(value) not in shown):
            continue
        if tail:
            truth.setdefault(head, {})[tail] = value
        else:
            truth[head] = value
    return {**truth, "source": repo, "license": LICENSE, "kind": KIND}


def excluded_hashes(manifest: Path | None) -> set[str]:
    """Return the SHA-256 values in the `sha256` column of `manifest` (none without one)."""
    if manifest is None:
        return set()
    with manifest.open(newline="") as f:
        return {row["sha256"].strip().lower() for row in csv.DictReader(f, delimiter="\t")
                if row.get("sha256")}  # fmt: skip


def write_manifest(folder: Path, rows: Sequence[tuple[str, ...]]) -> None:
    """Write `folder`/MANIFEST.tsv: `MANIFEST_HEADER`, then a row per file."""
    with (folder / "MANIFEST.tsv").open("w", newline="") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows([MANIFEST_HEADER, *rows])


def build(
    out_dir: Path, source_dirs: Sequence[Path], exclude: set[str], shown_total: bool = False, degraded: int = 0
) -> Counter[str]:
    """Write the set into `out_dir`/dev and `out_dir`/heldout; return the counts of the summary.
    With `shown_total`, only PDFs whose text layer prints the XML's total (`shows_total`) are kept;
    the first `degraded` PDFs of each repository get degraded copies too (`write_degraded`)."""
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    per_repo: Counter[tuple[str, str]] = Counter()
    rows: dict[str, list[tuple[str, ...]]] = {DEV: [], HELDOUT: []}
    repos: dict[str, set[str]] = {DEV: set(), HELDOUT: set(), "found": set()}
    for part in rows:
        shutil.rmtree(out_dir / part, ignore_errors=True)
        (out_dir / part).mkdir(parents=True)
    pdfs = hashed_pdfs(source_dirs)
    home = homes(pdfs)
    for repo, path, digest in pdfs:
        counts["found"] += 1
        repos["found"].add(repo)
        if digest in seen or home[digest] != repo:
            counts["duplicate"] += 1
            continue
        seen.add(digest)
        if digest in exclude:
            counts["in corpus"] += 1
            continue
        data = path.read_bytes()  # a kept copy's bytes, read again only here
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            counts["no usable XML"] += 1
            continue
        try:
            invoice = pdf_invoice(document)
            total = invoice.total if invoice is not None else None
            text = page_text(document) if total is not None else ""  # read only for a PDF that is kept
            hidden = total is not None and shown_total and not shows_total(text, total)
        finally:
            document.close()
        if invoice is None or total is None:
            counts["no usable XML"] += 1
            continue
        if hidden:
            counts["total not printed"] += 1
            continue
        part = part_of(repo)
        stem = f"{repo.replace('/', '+', 1)}--{digest[:12]}"
        (out_dir / part / f"{stem}.pdf").write_bytes(data)
        truth = truth_of(invoice, repo, text)
        _write_truth(out_dir / part / f"{stem}.json", truth)
        rows[part].append((f"{stem}.pdf", KIND, repo, LICENSE, digest))
        per_repo[part, repo] += 1
        if per_repo[part, repo] <= degraded:
            rows[part] += write_degraded(out_dir / part, stem, data, truth, seed=int(digest[:12], 16))
            counts["degraded"] += 1
        repos[part].add(repo)
        counts["kept"] += 1
        counts[part] += 1
    for part, part_rows in rows.items():
        write_manifest(out_dir / part, part_rows)
        counts[f"{part} repositories"] = len(repos[part])
    counts["repositories"] = len(repos["found"])
    return counts


def _write_truth(path: Path, truth: dict[str, Any]) -> None:
    path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_degraded(
    part_dir: Path, stem: str, pdf: bytes, truth: dict[str, Any], seed: int
) -> list[tuple[str, ...]]:
    """Write a scan of every page of `pdf` and, for a one-page PDF, a photo of it into `part_dir`,
    each with `truth` under its own kind, degraded as a random generator seeded with `seed` draws;
    return their manifest rows."""
    rng = random.Random(seed)
    copies = [(SCAN, degrade.scan(pdf, rng))]
    if degrade.page_count(pdf) == 1:
        copies.append((PHOTO, degrade.photo(pdf, rng)))
    rows = []
    for (kind, suffix), data in copies:
        name = stem + suffix
        (part_dir / name).write_bytes(data)
        _write_truth((part_dir / name).with_suffix(".json"), {**truth, "kind": kind})
        rows.append((name, kind, truth["source"], LICENSE, hashlib.sha256(data).hexdigest()))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="where dev/ and heldout/ are written")
    parser.add_argument("source_dirs", type=Path, nargs="+", help="folders of owner+repo folders")
    parser.add_argument("--exclude-manifest", type=Path, help="a MANIFEST.tsv whose files to skip")
    parser.add_argument("--shown-total", action="store_true",
                        help="keep only PDFs whose text layer prints the XML's total")
    parser.add_argument("--degraded", type=int, default=0, metavar="N",
                        help="also write a scan and a photo of the first N PDFs of each repository")
    args = parser.parse_args(argv)
    exclude = excluded_hashes(args.exclude_manifest)
    counts = build(args.out_dir, args.source_dirs, exclude, args.shown_total, args.degraded)
    print(f"repositories with PDFs: {counts['repositories']}, PDFs found: {counts['found']}")
    print(f"skipped: {counts['duplicate']} duplicate, {counts['in corpus']} in the corpus, "
          f"{counts['no usable XML']} without a readable e-invoice total"
          + (f", {counts['total not printed']} whose text layer does not print that total" if args.shown_total else ""))  # fmt: skip
    print(f"kept: {counts['kept']}" + (f", {counts['degraded']} of them with degraded copies" if args.degraded else ""))
    for part in (DEV, HELDOUT):
        print(f"  {part}: {counts[part]} PDFs from {counts[f'{part} repositories']} repositories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
