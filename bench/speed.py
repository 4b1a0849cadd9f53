"""Speed of reading invoices: text-PDF reading and extraction per page, OCR against bare tesseract.

    python -m bench.speed [--text-pdfs 10] [--repeat 5] [--images 5] [--languages eng+deu+fra+dan]
                          [--json]

All timings are warm (one untimed run first) and single-process. OCR compares our whole path
(`read_document` on the image bytes: header checks, decoding, preprocessing - grey, even light,
deskew, rescale - the uncompressed temp file, tesseract, TSV parsing) with a bare
`tesseract IMG stdout` on the original file, same languages, `OMP_THREAD_LIMIT=1` for both; the two
alternate so that load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from intake import media
from intake.ocr import OcrOptions, tesseract_env
from intake.readers import read_document
from invoicing.config import OCR_LANGUAGES
from tests.corpus import CorpusDoc, corpus_dir, corpus_docs


@dataclass(frozen=True, slots=True)
class OcrTiming:
    name: str
    ours_s: float
    bare_s: float
    #: CPU seconds (ours: this process and tesseract; bare: tesseract), steadier under load.
    ours_cpu_s: float
    bare_cpu_s: float

    @property
    def ratio(self) -> float:
        return self.ours_s / self.bare_s

    @property
    def cpu_ratio(self) -> float:
        return self.ours_cpu_s / self.bare_cpu_s


@dataclass(slots=True)
class Report:
    text_pdfs: int = 0
    read_ms_per_page: float | None = None
    read_ms_per_page_p90: float | None = None
    extract_ms_per_page: float | None = None
    #: CPU milliseconds per page (this process), steadier than wall time on a loaded machine.
    read_cpu_ms_per_page: float | None = None
    extract_cpu_ms_per_page: float | None = None
    extract_error: str | None = None
    languages: str = OCR_LANGUAGES
    ocr: list[dict[str, float | str]] = field(default_factory=list)
    ocr_ours_median_s: float | None = None
    ocr_bare_median_s: float | None = None
    ocr_ratio_median: float | None = None
    ocr_cpu_ratio_median: float | None = None
    eng_only_bare_median_s: float | None = None
    languages_slowdown: float | None = None


def seconds(action: Callable[[], object]) -> float:
    """Return how many seconds one run of `action` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def wall_and_cpu(action: Callable[[], object]) -> tuple[float, float]:
    """Return the wall seconds and the CPU seconds (ours and our children's) of one run."""
    before = _cpu()
    wall = seconds(action)
    return wall, _cpu() - before


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Return the seconds each of `repeat` runs of `action` took, after one untimed run."""
    action()
    return [seconds(action) for _ in range(repeat)]


def timed_with_cpu(action: Callable[[], object], repeat: int) -> list[tuple[float, float]]:
    """Return the wall and CPU seconds (this process) of `repeat` runs, after one untimed run."""
    action()
    runs = []
    for _ in range(repeat):
        cpu = time.process_time()
        wall = seconds(action)
        runs.append((wall, time.process_time() - cpu))
    return runs


def one_page_pdfs(root: Path, count: int) -> list[CorpusDoc]:
    """Return up to `count` one-page text PDFs spread over the corpus folders."""
    docs = []
    for doc in corpus_docs(root, "text-pdf"):
        with pdfium.PdfDocument(doc.path) as pdf:
            if len(pdf) == 1:
                docs.append(doc)
    step = max(len(docs) // count, 1)
    return docs[::step][:count]


def bench_text(report: Report, docs: list[CorpusDoc], repeat: int) -> None:
    """Fill in the median milliseconds per page for reading, then for full extraction."""
    reads: list[tuple[float, float]] = []
    for doc in docs:
        data = doc.path.read_bytes()
        reads += timed_with_cpu(lambda: read_document(data, media.PDF), repeat)
    report.text_pdfs = len(docs)
    report.read_ms_per_page = statistics.median(w for w, _ in reads) * 1000
    report.read_ms_per_page_p90 = statistics.quantiles([w for w, _ in reads], n=10)[-1] * 1000
    report.read_cpu_ms_per_page = statistics.median(c for _, c in reads) * 1000
    extracts: list[tuple[float, float]] = []
    try:
        from intake.extract import extract_file  # the field extractor may not be there yet

        for doc in docs:
            extracts += timed_with_cpu(lambda: extract_file(doc.path), repeat)
    except Exception as e:  # noqa: BLE001 - a benchmark reports whatever stopped it
        report.extract_error = f"{type(e).__name__}: {e}"
    else:
        report.extract_ms_per_page = statistics.median(w for w, _ in extracts) * 1000
        report.extract_cpu_ms_per_page = statistics.median(c for _, c in extracts) * 1000


def bare_tesseract(path: Path, languages: str) -> None:
    """Run `tesseract IMG stdout` as a user would, one thread, and wait for it."""
    subprocess.run(
        ["tesseract", str(path), "stdout", "-l", languages],
        capture_output=True,
        env=tesseract_env(),
        check=True,
    )


def bench_ocr(report: Report, images: list[CorpusDoc], repeat: int) -> None:
    """Fill in per-image OCR seconds, ours against bare tesseract, and the language cost."""
    options = OcrOptions(languages=report.languages)
    timings = []
    for doc in images:
        data = doc.path.read_bytes()
        media_type = media.sniff_media_type(data, doc.path.name)
        ours: list[tuple[float, float]] = []
        bare: list[tuple[float, float]] = []
        read_document(data, media_type, options)  # warm the page cache and tesseract's data
        for _ in range(repeat):
            ours.append(wall_and_cpu(lambda: read_document(data, media_type, options)))
            bare.append(wall_and_cpu(lambda: bare_tesseract(doc.path, report.languages)))
        timings.append(
            OcrTiming(
                doc.path.name,
                ours_s=statistics.median(w for w, _ in ours),
                bare_s=statistics.median(w for w, _ in bare),
                ours_cpu_s=statistics.median(c for _, c in ours),
                bare_cpu_s=statistics.median(c for _, c in bare),
            )
        )
    report.ocr = [{**asdict(t), "ratio": t.ratio, "cpu_ratio": t.cpu_ratio} for t in timings]
    report.ocr_ours_median_s = statistics.median(t.ours_s for t in timings)
    report.ocr_bare_median_s = statistics.median(t.bare_s for t in timings)
    report.ocr_ratio_median = statistics.median(t.ratio for t in timings)
    report.ocr_cpu_ratio_median = statistics.median(t.cpu_ratio for t in timings)
    if report.languages != "eng":
        eng = [seconds(lambda: bare_tesseract(d.path, "eng")) for d in images]
        report.eng_only_bare_median_s = statistics.median(eng)
        report.languages_slowdown = statistics.median(
            t.bare_s / e for t, e in zip(timings, eng, strict=True)
        )


def ocr_sample(root: Path, count: int) -> list[CorpusDoc]:
    """Return up to `count` corpus images: receipts (JPEG) and invoice renderings (PNG)."""
    images = corpus_docs(root, "image")
    pngs = [d for d in images if d.path.suffix == ".png"]
    jpegs = [d for d in images if d.path.suffix != ".png"]
    take_png = min(len(pngs), max(count // 3, 1))
    return (jpegs[: count - take_png] + pngs[:take_png])[:count]


def print_table(report: Report) -> None:
    """Print the report as plain text."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:8.1f} ms"

    print(f"Text PDFs ({report.text_pdfs} one-page invoices, warm, median per page)")
    read, p90 = ms(report.read_ms_per_page), ms(report.read_ms_per_page_p90)
    print(f"  read (pdfium words + XML)   {read}   p90 {p90}   CPU {ms(report.read_cpu_ms_per_page)}")
    extract = ms(report.extract_ms_per_page) if report.extract_error is None else "failed"
    cpu = f"   CPU {ms(report.extract_cpu_ms_per_page)}" if report.extract_error is None else ""
    print(f"  full extraction             {extract}{cpu}")
    if report.extract_error:
        print(f"    ({report.extract_error})")
    print()
    print(f"OCR per page, languages {report.languages} (OMP_THREAD_LIMIT=1, median seconds)")
    print(f"  {'image':36} {'ours s':>8} {'bare s':>8} {'ratio':>7} {'cpu ratio':>10}")
    for row in report.ocr:
        print(
            f"  {row['name']:36} {row['ours_s']:8.2f} {row['bare_s']:8.2f} "
            f"{row['ratio']:7.3f} {row['cpu_ratio']:10.3f}"
        )
    if report.ocr_ratio_median is not None:
        print(
            f"  {'median':36} {report.ocr_ours_median_s:8.2f} {report.ocr_bare_median_s:8.2f} "
            f"{report.ocr_ratio_median:7.3f} {report.ocr_cpu_ratio_median:10.3f}"
        )
    if report.languages_slowdown is not None:
        print(
            f"  bare tesseract, eng only: median {report.eng_only_bare_median_s:.2f} s; "
            f"{report.languages} is {report.languages_slowdown:.2f}x slower"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table (or JSON); return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--text-pdfs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per text PDF")
    parser.add_argument("--images", type=int, default=5)
    parser.add_argument("--ocr-repeat", type=int, default=2, help="timed runs per image and side")
    parser.add_argument("--languages", default=OCR_LANGUAGES)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    root = corpus_dir()
    if root is None:
        print("corpus not found: set INVOICEBOT_CORPUS", file=sys.stderr)
        return 2
    report = Report(languages=args.languages)
    if args.text_pdfs > 0:
        bench_text(report, one_page_pdfs(root, args.text_pdfs), args.repeat)
    if args.images > 0:
        bench_ocr(report, ocr_sample(root, args.images), args.ocr_repeat)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
