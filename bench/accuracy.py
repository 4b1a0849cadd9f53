"""Field accuracy of invoice extraction, per set (in-sample, held-out, generated), kind and field.

    python -m bench.accuracy [--set in-sample|held-out] [--generated DIR] [--kind text-pdf]
                             [--limit N] [--json] [--visual-only] [--no-rival] [--failures]
                             [--ocr-engine tesseract|rapidocr|auto|both]

Scores with the corpus README's rules (see `bench.scoring`) and counts, per field, values right,
wrong (another value), missed (none found) and invented (a value where the truth says none is
printed). The corpus is split by `bench.split` into an in-sample part and a held-out part,
reported separately; `--generated DIR` adds a set written by `python -m bench.generate`.
`--failures` lists the fields got wrong in the in-sample and generated sets (never the held-out
one: no rule is written from it). `--visual-only` reads the visible page only (readers + field
extraction), ignoring any embedded e-invoice XML. Documents run in a process pool of two; nothing
is cached. When invoice2data is installed (`make bench` does it), it runs on the same PDF and
image files of the corpus and its table is printed beside ours (see `bench.rival`).
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

from bench.scoring import MARKS, RIGHT, judge_document
from bench.split import GENERATED, HELD_OUT, IN_SAMPLE, split_docs
from intake.ocr import ENGINES, OcrOptions
from invoicing.config import OCR_ENGINE
from invoicing.extraction import FIELD_NAMES, ExtractedInvoice
from tests.corpus import CorpusDoc, corpus_dir, corpus_docs

KINDS = ("text-pdf", "image", "scanned-pdf", "xml", "receipt")
SETS = (IN_SAMPLE, HELD_OUT, GENERATED)
#: Shop receipts, reported as one kind whatever their file type.
RECEIPT = "receipt"
_SCORED = ("right", "wrong", "missed")


@dataclass(frozen=True, slots=True)
class DocResult:
    path: str
    kind: str
    set: str
    seconds: float
    marks: dict[str, str]
    error: str | None = None
    predicted: dict[str, Any] = field(default_factory=dict)


def report_kind(doc: CorpusDoc) -> str:
    """Return the kind a document is reported under: its own, or `RECEIPT` for a shop receipt."""
    meta = doc.truth.get("_meta") or {}
    is_receipt = meta.get("document") == RECEIPT or "sroie" in doc.path.parts
    return RECEIPT if is_receipt else doc.kind


def extract_visual(path: Path, ocr: OcrOptions | None = None) -> ExtractedInvoice:
    """Return the fields read from the visible pages only (embedded XML ignored)."""
    from intake import media
    from intake.einvoice import parse_einvoice
    from intake.extract import read_visible
    from intake.readers import read_document

    data = path.read_bytes()
    media_type = media.sniff_media_type(data, path.name)
    if media_type == media.XML:
        return parse_einvoice(data)
    return read_visible(data, media_type, read_document(data, media_type, ocr), ocr)[0]


def run_one(job: tuple[str, str, str, dict[str, Any], bool, str]) -> DocResult:
    """Return the judged extraction of one document."""
    path_text, kind, set_name, truth, visual_only, engine = job
    ocr = OcrOptions(engine=engine)
    path = Path(path_text)
    started = time.perf_counter()
    extracted: ExtractedInvoice | None = None
    error = None
    try:
        if visual_only:
            extracted = extract_visual(path, ocr)
        else:
            from intake.extract import extract_file

            extracted = extract_file(path, ocr)
    except Exception as e:  # a bench run reports every failure and goes on
        error = f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - started
    predicted = {} if extracted is None else {n: str(extracted.field_value(n)) for n in FIELD_NAMES}
    marks = judge_document(extracted, truth)
    return DocResult(path.name, kind, set_name, seconds, marks, error, predicted)


def run_rival(job: tuple[str, str, str, dict[str, Any], bool, str]) -> DocResult:
    """Return invoice2data's judged reading of one corpus document."""
    from bench import rival

    path_text, kind, set_name, truth, _, _ = job
    started = time.perf_counter()
    extracted, error = None, None
    try:
        extracted = rival.extract(Path(path_text), kind)
        if extracted is None:
            error = "no template matched"
    except Exception as e:  # a bench run reports every failure and goes on
        error = f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - started
    return DocResult(Path(path_text).name, kind, set_name, seconds, judge_document(extracted, truth), error)


def _counts(docs: Sequence[DocResult]) -> dict[str, dict[str, int]]:
    fields: dict[str, dict[str, int]] = {}
    for name in FIELD_NAMES:
        marks = [r.marks[name] for r in docs if name in r.marks]
        if marks:
            fields[name] = {mark: marks.count(mark) for mark in MARKS}
    return fields


def _share(counts: dict[str, int]) -> float | None:
    scored = sum(counts[m] for m in _SCORED)
    return counts[RIGHT] / scored if scored else None


def summarise(results: Sequence[DocResult]) -> dict[str, Any]:
    """Return, per set and kind: mark counts per field, the share right and the share invented."""
    summary: dict[str, Any] = {}
    for set_name in SETS:
        for kind in KINDS:
            docs = [r for r in results if r.set == set_name and r.kind == kind]
            if not docs:
                continue
            fields = _counts(docs)
            total = {m: sum(f[m] for f in fields.values()) for m in MARKS}
            judged = sum(total.values())
            summary.setdefault(set_name, {})[kind] = {
                "documents": len(docs),
                "errors": sum(r.error is not None for r in docs),
                "fields": fields,
                "total": total,
                "right_share": _share(total),
                "invented_share": total["invented"] / judged if judged else None,
                "median_seconds": statistics.median(r.seconds for r in docs),
            }
    return summary


def _cell(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "-"
    share = _share(counts)
    marks = "/".join(str(counts[m]) for m in ("right", "wrong", "missed", "invented"))
    return f"{'-' if share is None else f'{share:.3f}'} {marks}"


def format_table(summary: dict[str, Any]) -> str:
    """Return the summary as fixed-width tables, one per set: fields down, kinds across; each cell
    is the share right, then right/wrong/missed/invented."""
    out = []
    for set_name, kinds in summary.items():
        head = f"{set_name:<16}" + "".join(f"{k:>26}" for k in kinds)
        rows = [head, "-" * len(head)]
        for name in FIELD_NAMES:
            rows.append(f"{name:<16}" + "".join(f"{_cell(kinds[k]['fields'].get(name)):>26}" for k in kinds))
        rows.append("-" * len(head))
        rows.append(f"{'all fields':<16}" + "".join(f"{_cell(kinds[k]['total']):>26}" for k in kinds))
        invented = [kinds[k]["invented_share"] for k in kinds]
        rows.append(f"{'invented share':<16}" + "".join(f"{'-' if i is None else f'{i:.3f}':>26}" for i in invented))
        rows.append(f"{'median s/doc':<16}" + "".join(f"{kinds[k]['median_seconds']:>26.2f}" for k in kinds))
        docs = [f"{kinds[k]['documents']} ({kinds[k]['errors']} err)" for k in kinds]
        rows.append(f"{'documents':<16}" + "".join(f"{d:>26}" for d in docs))
        out.append("\n".join(rows))
    return "\n\n".join(out)


def failures(results: Sequence[DocResult], truths: dict[str, dict[str, Any]]) -> list[str]:
    """Return one line per field not right in the in-sample and generated sets (never held-out)."""
    from bench.scoring import truth_value

    lines = []
    for r in results:
        if r.set == HELD_OUT:
            continue
        for name, mark in r.marks.items():
            if mark not in ("right", "empty"):
                want = truth_value(truths[r.path], name)
                lines.append(f"{r.set} {r.kind} {r.path} {name} {mark}: got {r.predicted.get(name)!r} want {want!r}")
    return lines


def collect_jobs(args: argparse.Namespace) -> list[tuple[str, str, str, dict[str, Any], bool, str]]:
    """Return (path, kind, set, truth, visual_only, OCR engine) for every document selected."""
    sets: list[tuple[str, list[CorpusDoc]]] = []
    root = corpus_dir()
    if root is not None and args.set != [GENERATED]:
        parts = split_docs(corpus_docs(root))
        sets += [(name, parts[name]) for name in (IN_SAMPLE, HELD_OUT) if name in (args.set or SETS)]
    if args.generated:
        sets.append((GENERATED, corpus_docs(Path(args.generated))))
    jobs = []
    for set_name, docs in sets:
        for kind in KINDS:
            chosen = [d for d in docs if report_kind(d) == kind and (not args.kind or d.kind in args.kind)]
            jobs += [(str(d.path), kind, set_name, d.truth, args.visual_only, args.ocr_engine)
                     for d in chosen[: args.limit]]
    # Slow OCR jobs first, so the two workers finish together.
    jobs.sort(key=lambda j: j[1] in ("text-pdf", "xml"))
    return jobs


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; print the tables (or JSON) and return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=SETS, action="append", help="only this set (repeatable)")
    parser.add_argument("--generated", help="a folder written by `python -m bench.generate`")
    parser.add_argument("--kind", choices=KINDS[:4], action="append", help="only this file kind (repeatable)")
    parser.add_argument("--limit", type=int, help="at most N documents per set and kind")
    parser.add_argument("--json", action="store_true", help="print per-document results as JSON")
    parser.add_argument("--visual-only", action="store_true", help="ignore embedded e-invoice XML")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ocr-engine", choices=ENGINES, default=OCR_ENGINE,
                        help="which OCR reads pictures (see intake.ocr.OcrOptions.engine)")
    parser.add_argument("--no-rival", action="store_true", help="do not run invoice2data beside us")
    parser.add_argument("--failures", action="store_true", help="list wrong fields (not of held-out documents)")
    args = parser.parse_args(argv)
    if corpus_dir() is None and not args.generated:
        print("corpus not found: set INVOICEBOT_CORPUS (or pass --generated DIR)", file=sys.stderr)
        return 2
    jobs = collect_jobs(args)
    from bench import rival

    rival_jobs = [] if args.no_rival or not rival.available() else [
        j for j in jobs if j[2] != GENERATED and Path(j[0]).suffix.lower() != ".xml"
    ]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run_one, jobs))
        rival_results = list(pool.map(run_rival, rival_jobs))
    summary = summarise(results)
    rival_summary = summarise(rival_results) if rival_results else None
    if args.json:
        print(json.dumps({"summary": summary, "documents": [asdict(r) for r in results if r.set != HELD_OUT],
                          "invoice2data": rival_summary}, indent=1))  # fmt: skip
        return 0
    print("invoicebot" + (" (visible page only)" if args.visual_only else ""))
    print(format_table(summary))
    for r in results:
        if r.error and r.set != HELD_OUT:
            print(f"error: {r.set} {r.path}: {r.error}")
    if args.failures:
        print("\n".join(failures(results, {Path(j[0]).name: j[3] for j in jobs})))
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
