"""Issued invoices as PDF/A-3 with their EN 16931 XML (Factur-X), rendered in worker processes.

`rules` (what an invoice needs before it is issued) is pure and cheap; the renderer loads
WeasyPrint, so it is imported only when something is printed.
"""

from __future__ import annotations

from typing import Any

from invoicing.render.rules import InvalidDocument, check_document, problems

_LAZY = {"RenderedInvoice", "RenderError", "RenderOptions", "render_invoice"}

__all__ = [
    "InvalidDocument", "RenderError", "RenderOptions", "RenderedInvoice",
    "check_document", "problems", "render_invoice",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from invoicing.render import pdf

        return getattr(pdf, name)
    raise AttributeError(f"module 'invoicing.render' has no attribute {name!r}")
