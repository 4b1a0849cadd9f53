"""The cash flow chart: a PNG of one currency's weeks, money in above the line, out below, and the
running balance. matplotlib through its Agg canvas only (no pyplot, no display, no global state),
so that charts can be drawn in worker threads; import this module only where a chart is drawn
(matplotlib takes a while to load).
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from invoicing.cashflow import Projection

IN_COLOUR, OUT_COLOUR, BALANCE_COLOUR = "#2e7d32", "#c62828", "#1565c0"


def render_chart(projection: Projection, currency: str | None = None, *, dpi: int = 100) -> bytes:
    """Return the PNG chart of `currency` (the business currency by default), week by week."""
    currency = currency or projection.currency
    series = projection.series(currency)
    # Floats only to place bars on a picture; every figure printed comes from the Decimals.
    money_in = [float(f.money_in) for f in series]
    money_out = [-float(f.money_out) for f in series]
    balance = [float(f.balance) for f in series]
    positions = list(range(len(series)))

    figure = Figure(figsize=(10, 5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(positions, money_in, width=0.7, color=IN_COLOUR, label="in")
    axes.bar(positions, money_out, width=0.7, color=OUT_COLOUR, label="out")
    axes.plot(positions, balance, color=BALANCE_COLOUR, marker="o", linewidth=2, label="balance")
    axes.axhline(0, color="#555555", linewidth=0.8)
    axes.set_xticks(positions, [f"{w.label[5:]}\n{w.start:%d %b}" for w in projection.weeks], fontsize=8)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axes.set_ylabel(currency)
    axes.set_title(f"Cash flow {currency}, {projection.today:%d %b %Y} to {projection.until:%d %b %Y}")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
