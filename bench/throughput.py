"""Documents per second through the running service and the CLI, and OCR against bare tesseract.

    python -m bench.throughput [--files 30] [--repeat 3] [--images 8] [--ocr-repeat 1]
                               [--languages eng+deu+fra+dan] [--only folder|extract|ocr] [--json]

1. Drop folder: `invoicebot run` is started on a fresh SQLite data dir with the default number
   of workers (one per core) and given one document to warm up; then `--files` distinct
   one-page text PDFs are copied into its inbox at once, and the clock stops when the last one
   is committed as a document.
2. `invoicebot extract --json` of the same files, one command, start-up included.
3. OCR: `--images` corpus images dropped into a running service, against the ideal of every
   core running bare `tesseract IMG stdout` (same languages, `OMP_THREAD_LIMIT=1`): cores divided
   by the mean seconds of a bare run one at a time on the same images. Bare tesseract `cores` at
   a time is measured too: on a machine shared with other work it is what the ideal really is.

Each scenario runs `--repeat` times (a fresh service each time) and is reported by its best and
median run, with the CPU seconds per document of the processes doing the work, which other work
on the machine does not inflate. Text PDFs are the corpus's one-page ones (its folders taken in
turn), made up to `--files` with generated invoices when the corpus has too few or is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from bench.running import INVOICEBOT, RunningService, service_env, tree_cpu_seconds
from intake.ocr import ENGINES, tesseract_env
from invoicing.config import OCR_LANGUAGES
from tests.corpus import corpus_dir, corpus_docs
from tests.factories import simple_invoice_pdf

SCENARIOS = ("folder", "extract", "ocr")


@dataclass(slots=True)
class Runs:
    """Repeated timings of one scenario, `count` documents each time."""

    count: int
    seconds: list[float] = field(default_factory=list)
    #: CPU seconds of the processes doing the work (others' load on the machine does not count).
    cpu_seconds: list[float] = field(default_factory=list)

    def add(self, seconds: float, cpu_seconds: float) -> None:
        self.seconds.append(seconds)
        self.cpu_seconds.append(cpu_seconds)

    @property
    def best_per_second(self) -> float:
        return self.count / min(self.seconds)

    @property
    def median_per_second(self) -> float:
        return self.count / statistics.median(self.seconds)

    @property
    def cpu_ms_per_document(self) -> float:
        return 1000 * statistics.median(self.cpu_seconds) / self.count


@dataclass(slots=True)
class Report:
    cores: int
    languages: str
    folder: Runs
    extract: Runs
    extract_errors: int = 0
    ocr: Runs | None = None
    bare_tesseract_mean_s: float | None = None
    bare_tesseract_cpu_ms: float | None = None
    #: Bare tesseract on the same images, `cores` at a time: what the machine gives right now.
    bare_parallel_per_second: float | None = None

    @property
    def ocr_ideal_per_second(self) -> float | None:
        return self.cores / self.bare_tesseract_mean_s if self.bare_tesseract_mean_s else None


def text_pdfs(count: int, folder: Path) -> list[Path]:
    """Write `count` distinct one-page text PDFs into `folder` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    root = corpus_dir()
    found = []
    if root is not None:
        by_folder: dict[str, list[Path]] = {}
        for doc in corpus_docs(root, "text-pdf"):
            with pdfium.PdfDocument(doc.path) as pdf:
                if len(pdf) == 1:
                    by_folder.setdefault(doc.path.parent.name, []).append(doc.path)
        while any(by_folder.values()):
            for paths in by_folder.values():
                if paths:
                    found.append(paths.pop(0))
    paths = []
    for index, source in enumerate(found[:count]):
        paths.append(folder / f"{index:03d}-{source.name}")
        shutil.copyfile(source, paths[-1])
    for index in range(len(paths), count):
        paths.append(folder / f"{index:03d}-generated.pdf")
        paths[-1].write_bytes(simple_invoice_pdf(number=f"BENCH-{index:05d}"))
    return paths


def images(count: int, folder: Path) -> list[Path]:
    """Copy up to `count` corpus images (receipts and rendered invoices) into `folder`."""
    root = corpus_dir()
    if root is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in corpus_docs(root, "image")[:count]:
        paths.append(folder / doc.path.name)
        shutil.copyfile(doc.path, paths[-1])
    return paths


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_extract(report: Report, files: list[Path], workdir: Path) -> None:
    """Run `invoicebot extract` on the files and add its time and CPU time.

    The CPU time is sampled from the command's process tree while it runs as well: processes it
    does not wait for (a fork server and its children) are not in its resource usage.
    """
    output = workdir / "extract.jsonl"
    cpu = _children_cpu()
    started = time.perf_counter()
    with output.open("w") as out:
        command = subprocess.Popen(
            [INVOICEBOT, "extract", "--json", *map(str, files)], cwd=workdir,
            env=service_env(workdir / "cli-var"), stdout=out,
        )  # fmt: skip
        sampled = 0.0
        while command.poll() is None:
            sampled = max(sampled, tree_cpu_seconds(command.pid))
            time.sleep(0.25)  # scanning /proc costs CPU too
    seconds = time.perf_counter() - started
    if command.returncode != 0:
        raise RuntimeError(f"invoicebot extract exited {command.returncode}")
    report.extract.add(seconds, max(sampled, _children_cpu() - cpu))
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    report.extract_errors = max(report.extract_errors, sum(1 for row in rows if row.get("error")))


def bench_folder(runs: Runs, files: list[Path], workdir: Path, languages: str, ocr_engine: str | None = None) -> None:
    """Drop `files` into a freshly started service and add the time until all are committed."""
    service = RunningService(workdir, languages, ocr_engine)
    try:
        runs.add(*service.drop(files, 1 + len(files)))
    finally:
        service.stop()


def bare_tesseract(path: Path, languages: str) -> float:
    """Return the seconds of one `tesseract IMG stdout` run."""
    started = time.perf_counter()
    subprocess.run(["tesseract", str(path), "stdout", "-l", languages], capture_output=True,
                   env=tesseract_env(), check=True)  # fmt: skip
    return time.perf_counter() - started


def bench_bare_tesseract(report: Report, paths: list[Path]) -> None:
    """Fill in the mean seconds (and CPU seconds) of bare tesseract one image at a time, and the
    images per second of `cores` bare tesseracts at a time."""
    cpu = _children_cpu()
    report.bare_tesseract_mean_s = statistics.mean(bare_tesseract(p, report.languages) for p in paths)
    report.bare_tesseract_cpu_ms = 1000 * (_children_cpu() - cpu) / len(paths)
    started = time.perf_counter()
    with ThreadPoolExecutor(report.cores) as pool:
        list(pool.map(lambda p: bare_tesseract(p, report.languages), paths))
    report.bare_parallel_per_second = len(paths) / (time.perf_counter() - started)


def print_table(report: Report) -> None:
    def line(label: str, runs: Runs, note: str = "") -> None:
        if not runs.seconds:
            return  # the scenario was not run
        print(f"  {label:44} best {runs.best_per_second:5.1f}/s  median {runs.median_per_second:5.1f}/s"
              f"  ({len(runs.seconds)} runs)  {runs.cpu_ms_per_document:6.0f} ms CPU/doc{note}")

    print(f"Throughput on {report.cores} cores (documents per second)")
    line(f"drop folder: {report.folder.count} text PDFs dropped -> committed", report.folder)
    line(f"invoicebot extract of {report.extract.count} text PDFs", report.extract,
         f", start-up included; {report.extract_errors} errors")
    if report.ocr is not None and report.ocr_ideal_per_second and report.bare_parallel_per_second:
        line(f"OCR: {report.ocr.count} images dropped -> committed", report.ocr)
        print(f"  ideal: {report.cores} cores / bare tesseract {report.bare_tesseract_mean_s:.2f} s"
              f" = {report.ocr_ideal_per_second:.2f}/s; bare tesseract {report.cores} at a time:"
              f" {report.bare_parallel_per_second:.2f}/s ({report.languages});"
              f" {report.bare_tesseract_cpu_ms:.0f} ms CPU/image")
        print(f"  OCR best against the ideal: {report.ocr.best_per_second / report.ocr_ideal_per_second:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--files", type=int, default=30, help="text PDFs per run")
    parser.add_argument("--images", type=int, default=8, help="OCR images (0: no OCR run)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each text-PDF scenario")
    parser.add_argument("--ocr-repeat", type=int, default=1, help="runs of the OCR scenario")
    parser.add_argument("--languages", default=OCR_LANGUAGES)
    parser.add_argument("--ocr-engine", choices=ENGINES,
                        help="INVOICEBOT_OCR_ENGINE of the service in the OCR scenario (default: the service's own)")
    parser.add_argument("--only", choices=SCENARIOS, action="append",
                        help="run this scenario only (repeatable; default: all three)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    scenarios = set(args.only or SCENARIOS)
    report = Report(os.cpu_count() or 1, args.languages, Runs(args.files), Runs(args.files))
    with tempfile.TemporaryDirectory(prefix="invoicebot-throughput-") as tmp:
        workdir = Path(tmp)
        pdfs = text_pdfs(args.files, workdir / "pdfs")
        pictures = images(args.images, workdir / "images") if "ocr" in scenarios else []
        for run in range(args.repeat):
            if "folder" in scenarios:
                bench_folder(report.folder, pdfs, workdir / f"service-{run}", args.languages)
            if "extract" in scenarios:
                bench_extract(report, pdfs, workdir)
        if pictures:
            report.ocr = Runs(len(pictures))
            for run in range(args.ocr_repeat):
                bench_folder(report.ocr, pictures, workdir / f"ocr-{run}", args.languages, args.ocr_engine)
            bench_bare_tesseract(report, pictures)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
