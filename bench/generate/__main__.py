"""Write a generated set: `python -m bench.generate OUT_DIR --seed N` (see the package docstring)."""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bench.generate import degrade, documents

TEMPLATES = Path(__file__).parent / "templates"
FONTS = ("'Liberation Sans'", "'DejaVu Sans'", "'Liberation Serif'", "'DejaVu Sans Condensed'")


def render(env: Environment, template: str, context: dict[str, object]) -> bytes:
    """Return the PDF WeasyPrint makes of the template filled with `context`."""
    from weasyprint import HTML

    html = env.get_template(template).render(**context)
    return HTML(string=html).write_pdf()


def font(family: str, layouts: int) -> str:
    """Return the font family as the template is to print it. Sets made with `layouts=1` are
    printed as they were: the family's quotes escaped, which the CSS rejects, so in WeasyPrint's
    default font."""
    return Markup(family) if layouts >= 2 else family


def generate(out: Path, seed: int, invoices: int, receipts: int, degraded: bool,
             layouts: int = 4, screens: bool = True) -> list[dict[str, str]]:
    """Write the documents and their truth into `out`; return the manifest rows.

    `layouts=1` leaves out the page structures added later (long, sidebar, headline) and the
    fonts, so that a seed measured before them gives the same documents; `layouts=2` leaves out
    the VAT summary tables, totals bands and carried sums added after them; `layouts=3` the
    sellers exempt from VAT added after those. With `screens` (and
    `degraded`), every third one-page invoice is also captured on screen (`degrade.screenshot`),
    drawn from a random generator of its own, so the other documents are those of a set made
    before screen captures.
    """
    rng = random.Random(seed)
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []

    def write(name: str, data: bytes, kind: str, truth: dict[str, object]) -> None:
        (out / name).write_bytes(data)
        (out / name).with_suffix(".json").write_text(json.dumps({**truth, "kind": kind}, indent=1, ensure_ascii=False))
        rows.append({"path": name, "kind": kind, "source_repo": "bench.generate", "license": "generated",
                     "sha256": ""})

    for serial in range(invoices):
        extra = random.Random(f"{seed}:{serial}") if layouts >= 2 else None
        tables = random.Random(f"{seed}:{serial}:tax-table") if layouts >= 3 else None
        exempt = random.Random(f"{seed}:{serial}:exempt") if layouts >= 4 else None
        context, truth = documents.invoice(rng, serial, extra, tables, exempt)
        pdf = render(env, "invoice.html.j2", {**context, "font": font(rng.choice(FONTS), layouts)})
        stem = f"s{seed}-inv{serial:03d}"
        write(f"{stem}.pdf", pdf, "text-pdf", truth)
        # A photo shows one page: an invoice of two pages is scanned instead.
        if degraded and (serial % 2 == 0 or degrade.page_count(pdf) > 1):
            write(f"{stem}-scan.pdf", degrade.scan(pdf, rng), "scanned-pdf", truth)
        elif degraded:
            write(f"{stem}-photo.jpg", degrade.photo(pdf, rng), "image", truth)
        if degraded and screens and serial % 3 == 1 and degrade.page_count(pdf) == 1:
            screen = random.Random(f"{seed}:{serial}:screen")
            write(f"{stem}-screen.png", degrade.screenshot(pdf, screen), "image", truth)
    for serial in range(receipts):
        context, truth = documents.receipt(rng, serial)
        height = 120 + 7 * len(context["rows"])  # type: ignore[arg-type]
        pdf = render(env, "receipt.html.j2", {**context, "font": font(rng.choice(FONTS), layouts), "height": height})
        write(f"s{seed}-rcp{serial:03d}.jpg", degrade.photo(pdf, rng, dpi=rng.choice((200, 240))), "image", truth)
    with (out / "MANIFEST.tsv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, write the set and say how many documents it holds."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write into (outside the repository)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--invoices", type=int, default=60)
    parser.add_argument("--receipts", type=int, default=30)
    parser.add_argument("--no-degraded", action="store_true", help="text PDFs only, no scans, photos or screen captures")
    parser.add_argument("--no-screens", action="store_true",
                        help="no screen captures (sets as they were made before them)")
    parser.add_argument("--layouts", type=int, choices=(1, 2, 3, 4), default=4,
                        help="1: only the classic page, as sets were made before the long, sidebar and headline "
                             "structures; 2: those structures, as sets were made before VAT summary tables, totals bands "
                             "and carried sums; 3: those, as sets were made before sellers exempt from VAT "
                             "(default 4: all)")
    args = parser.parse_args(argv)
    rows = generate(args.out, args.seed, args.invoices, args.receipts, not args.no_degraded, args.layouts,
                    not args.no_screens)
    print(f"{len(rows)} documents written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
