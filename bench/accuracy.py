"""Field accuracy of invoice extraction over the evaluation corpus, per field and per kind.

    python -m bench.accuracy [--kind text-pdf] [--limit N] [--json] [--visual-only] [--no-rival]

Scores with the corpus README's rules (see `bench.scoring`). `--visual-only` reads the visible
page only (readers + field extraction), ignoring any embedded e-invoice XML. Documents run in a
process pool of two; nothing is cached. When invoice2data is installed (`make bench` does it),
it runs on the same PDF and image files and its table is printed beside ours (see `bench.rival`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.scoring import score_document
from invoicing.extraction import FIELD_NAMES, ExtractedInvoice
from tests.corpus import corpus_dir, corpus_docs

KINDS = ("text-pdf", "image", "scanned-pdf", "xml")


@dataclass(frozen=True, slots=True)
class DocResult:
    path: str
    kind: str
    seconds: float
    scores: dict[str, bool]
    error: str | None = None
    predicted: dict[str, Any] = field(default_factory=dict)


def extract_visual(path: Path) -> ExtractedInvoice:
    """Return the fields read from the visible pages only (embedded XML ignored)."""
    from intake import media
    from intake.einvoice import parse_einvoice
    from intake.fields import extract_fields
    from intake.readers import read_document

    data = path.read_bytes()
    media_type = media.sniff_media_type(data, path.name)
    if media_type == media.XML:
        return parse_einvoice(data)
    return extract_fields(read_document(data, media_type).pages)


def run_one(job: tuple[str, str, dict[str, Any], bool]) -> DocResult:
    """Return the scored extraction of one corpus document."""
    path_text, kind, truth, visual_only = job
    path = Path(path_text)
    started = time.perf_counter()
    extracted: ExtractedInvoice | None = None
    error = None
    try:
        if visual_only:
            extracted = extract_visual(path)
        else:
            from intake.extract import extract_file

            extracted = extract_file(path)
    except Exception as e:  # a bench run reports every failure and goes on
        error = f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - started
    predicted = {} if extracted is None else {n: str(extracted.field_value(n)) for n in FIELD_NAMES}
    return DocResult(path.name, kind, seconds, score_document(extracted, truth), error, predicted)


def run_rival(job: tuple[str, str, dict[str, Any], bool]) -> DocResult:
    """Return invoice2data's scored reading of one corpus document."""
    from bench import rival

    path_text, kind, truth, _ = job
    started = time.perf_counter()
    extracted, error = None, None
    try:
        extracted = rival.extract(Path(path_text), kind)
        if extracted is None:
            error = "no template matched"
    except Exception as e:  # a bench run reports every failure and goes on
        error = f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - started
    return DocResult(Path(path_text).name, kind, seconds, score_document(extracted, truth), error)


def summarise(results: Sequence[DocResult]) -> dict[str, Any]:
    """Return per-field x per-kind accuracy, micro accuracy and median seconds per kind."""
    summary: dict[str, Any] = {"kinds": {}}
    for kind in KINDS:
        docs = [r for r in results if r.kind == kind]
        if not docs:
            continue
        fields = {}
        for name in FIELD_NAMES:
            marks = [r.scores[name] for r in docs if name in r.scores]
            if marks:
                fields[name] = {"right": sum(marks), "scored": len(marks)}
        right = sum(f["right"] for f in fields.values())
        scored = sum(f["scored"] for f in fields.values())
        summary["kinds"][kind] = {
            "documents": len(docs),
            "errors": sum(r.error is not None for r in docs),
            "fields": fields,
            "micro": right / scored if scored else None,
            "median_seconds": statistics.median(r.seconds for r in docs),
        }
    return summary


def format_table(summary: dict[str, Any]) -> str:
    """Return the summary as a fixed-width table, fields down, kinds across."""
    kinds = list(summary["kinds"])
    head = f"{'field':<16}" + "".join(f"{k:>20}" for k in kinds)
    rows = [head, "-" * len(head)]
    for name in FIELD_NAMES:
        cells = []
        for kind in kinds:
            f = summary["kinds"][kind]["fields"].get(name)
            cells.append("-" if f is None else f"{f['right'] / f['scored']:.3f} ({f['right']}/{f['scored']})")
        rows.append(f"{name:<16}" + "".join(f"{c:>20}" for c in cells))
    rows.append("-" * len(head))
    micro = [summary["kinds"][k]["micro"] for k in kinds]
    rows.append(f"{'micro':<16}" + "".join(f"{m:>20.3f}" if m is not None else f"{'-':>20}" for m in micro))
    seconds = [summary["kinds"][k]["median_seconds"] for k in kinds]
    rows.append(f"{'median s/doc':<16}" + "".join(f"{s:>20.2f}" for s in seconds))
    docs = [f"{summary['kinds'][k]['documents']} ({summary['kinds'][k]['errors']} err)" for k in kinds]
    rows.append(f"{'documents':<16}" + "".join(f"{d:>20}" for d in docs))
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; print the table (or JSON) and return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind (repeatable)")
    parser.add_argument("--limit", type=int, help="at most N documents per kind")
    parser.add_argument("--json", action="store_true", help="print per-document results as JSON")
    parser.add_argument("--visual-only", action="store_true", help="ignore embedded e-invoice XML")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-rival", action="store_true", help="do not run invoice2data beside us")
    args = parser.parse_args(argv)
    root = corpus_dir()
    if root is None:
        print("corpus not found: set INVOICEBOT_CORPUS", file=sys.stderr)
        return 2
    jobs = []
    for kind in args.kind or KINDS:
        docs = corpus_docs(root, kind)[: args.limit]
        jobs += [(str(d.path), d.kind, d.truth, args.visual_only) for d in docs]
    # Slow OCR jobs first, so the two workers finish together.
    jobs.sort(key=lambda j: j[1] not in ("image", "scanned-pdf"))
    from bench import rival

    rival_jobs = [] if args.no_rival or not rival.available() else [j for j in jobs if j[1] in rival.SUPPORTED_KINDS]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run_one, jobs))
        rival_results = list(pool.map(run_rival, rival_jobs))
    summary = summarise(results)
    rival_summary = summarise(rival_results) if rival_results else None
    if args.json:
        print(json.dumps({"summary": summary, "documents": [asdict(r) for r in results],
                          "invoice2data": rival_summary}, indent=1))  # fmt: skip
        return 0
    print("invoicebot" + (" (visible page only)" if args.visual_only else ""))
    print(format_table(summary))
    for r in results:
        if r.error:
            print(f"error: {r.path}: {r.error}")
    if rival_summary is not None:
        matched = sum(r.error is None for r in rival_results)
        print(f"\ninvoice2data {_version()} (built-in templates; {matched}/{len(rival_results)} documents matched a template)")
        print(format_table(rival_summary))
    elif not args.no_rival:
        print("\ninvoice2data not installed: `pip install -e '.[bench]'` to compare")
    return 0


def _version() -> str:
    from importlib.metadata import version

    return version("invoice2data")


if __name__ == "__main__":
    sys.exit(main())
