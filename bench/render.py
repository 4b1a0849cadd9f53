"""Speed of issuing invoices: PDF/A-3 with Factur-X XML and payment QR code, in worker processes.

    python -m bench.render [--invoices 200] [--workers 2] [--stages 40] [--json]

Renders generated one-page invoices (one to eight lines; every VAT scenario, the four languages,
EUR with a GiroCode, CHF with a QR-bill page, some credit notes) through `InvoiceRenderer`, the
pool the service uses, after the workers are warm. Prints invoices per second, the median and
90th percentile time per invoice as a caller sees it, the workers' CPU time per invoice
(steadier than wall time when others share the machine), the share of their cores the workers
got, and what their CPU time allows on idle cores (workers / CPU per invoice). Then, in this
process, where one invoice's time goes: the template, WeasyPrint's layout, its PDF writing
(font subsetting apart), the XML and its XSD check, and Factur-X embedding.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import facturx
from weasyprint import HTML
from weasyprint.pdf import fonts as weasyprint_fonts
from weasyprint.text import ffi as weasyprint_ffi

from invoicing.document import InvoiceDocument
from invoicing.render.pdf import RenderOptions, renderer
from invoicing.render.pool import InvoiceRenderer
from tests.invoices import SCENARIOS, generate


@dataclass(slots=True)
class Report:
    invoices: int = 0
    workers: int = 0
    cores: int = 0
    font_subsetter: str = ""
    invoices_per_second: float = 0.0
    median_ms: float = 0.0
    p90_ms: float = 0.0
    worker_cpu_ms_per_invoice: float = 0.0
    #: The share of their cores the workers got (1.0: each worker had a core to itself).
    cpu_share: float = 0.0
    #: Invoices per second the workers' CPU time allows when they have their cores to themselves.
    capacity_per_second: float = 0.0
    load_average: list[float] = field(default_factory=list)
    #: Where one invoice's CPU time goes, in this process (milliseconds, mean over --stages).
    stages_ms: dict[str, float] = field(default_factory=dict)


def invoices(count: int) -> list[InvoiceDocument]:
    """Return `count` one-page invoices of every scenario (1 to 8 lines)."""
    return [generate(seed, SCENARIOS[seed % len(SCENARIOS)], line_count=1 + seed % 8) for seed in range(count)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(documents: list[InvoiceDocument], workers: int, report: Report) -> None:
    with InvoiceRenderer(workers) as pool, ThreadPoolExecutor(workers) as callers:
        list(callers.map(pool.render, documents[:workers]))  # every worker warm
        pids = pool.pids
        cpu_before = sum(cpu_seconds(p) for p in pids)

        def timed(document: InvoiceDocument) -> float:
            started = time.perf_counter()
            pool.render(document)
            return time.perf_counter() - started

        started = time.perf_counter()
        latencies = list(callers.map(timed, documents))
        wall = time.perf_counter() - started
        cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
    report.invoices_per_second = round(len(documents) / wall, 2)
    report.median_ms = round(statistics.median(latencies) * 1000)
    report.p90_ms = round(statistics.quantiles(latencies, n=10)[-1] * 1000)
    report.worker_cpu_ms_per_invoice = round(cpu / len(documents) * 1000)
    report.cpu_share = round(cpu / (wall * workers), 2)
    report.capacity_per_second = round(workers * len(documents) / cpu, 1)


def stages(documents: list[InvoiceDocument]) -> dict[str, float]:
    """Return the mean CPU milliseconds per invoice of each step of rendering, in this process."""
    work = renderer(RenderOptions())
    work.render(documents[0])
    spent = {"template": 0.0, "layout": 0.0, "pdf_writing": 0.0, "font_subsetting": 0.0,
             "xml_and_xsd": 0.0, "facturx_embedding": 0.0}  # fmt: skip
    subset = weasyprint_fonts.Font.subset

    def timed_subset(self: weasyprint_fonts.Font, *args: object) -> None:
        started = time.process_time()
        subset(self, *args)
        spent["font_subsetting"] += time.process_time() - started

    weasyprint_fonts.Font.subset = timed_subset  # type: ignore[method-assign]
    try:
        for document in documents:
            clock = time.process_time()

            def lap(name: str) -> None:
                nonlocal clock
                now = time.process_time()
                spent[name] += now - clock
                clock = now

            html = work.html(document)
            lap("template")
            laid_out = HTML(string=html, base_url=work.base_url, url_fetcher=work.assets).render(
                font_config=work.fonts, stylesheets=work.stylesheets
            )
            lap("layout")
            pdf = laid_out.write_pdf(pdf_variant="pdf/a-3b")
            lap("pdf_writing")
            xml = work.xml(document)
            lap("xml_and_xsd")
            facturx.generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=False)
            lap("facturx_embedding")
    finally:
        weasyprint_fonts.Font.subset = subset  # type: ignore[method-assign]
    spent["pdf_writing"] -= spent["font_subsetting"]
    return {name: round(seconds / len(documents) * 1000, 1) for name, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stages", type=int, default=40, help="invoices timed step by step (0: none)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = Report(invoices=args.invoices, workers=args.workers, cores=os.cpu_count() or 0)
    report.font_subsetter = "harfbuzz" if weasyprint_ffi.harfbuzz_subset is not None else "fonttools"
    documents = invoices(args.invoices)
    throughput(documents, args.workers, report)
    if args.stages:
        report.stages_ms = stages(documents[: args.stages])
    report.load_average = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(asdict(report), indent=2))
        return
    print(f"{report.invoices} invoices, {report.workers} workers on {report.cores} cores "
          f"(font subsetting: {report.font_subsetter}; load average {report.load_average[0]})")  # fmt: skip
    print(f"  {report.invoices_per_second} invoices/s; per invoice median {report.median_ms} ms, "
          f"p90 {report.p90_ms} ms; {report.worker_cpu_ms_per_invoice} ms CPU in the worker")  # fmt: skip
    print(f"  the workers got {report.cpu_share:.0%} of their cores; with the cores to themselves: "
          f"{report.capacity_per_second} invoices/s")  # fmt: skip
    if report.stages_ms:
        total = sum(report.stages_ms.values())
        print(f"  one invoice, {total:.0f} ms CPU: " + ", ".join(
            f"{name} {ms:.0f} ({ms / total:.0%})" for name, ms in report.stages_ms.items()))  # fmt: skip


if __name__ == "__main__":
    main()
