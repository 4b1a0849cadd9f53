"""Issued invoices as PDF/A-3 with their EN 16931 XML (Factur-X), rendered in worker processes."""

from invoicing.render.pdf import RenderedInvoice, RenderError, RenderOptions, render_invoice
from invoicing.render.rules import InvalidDocument, check_document, problems

__all__ = [
    "InvalidDocument", "RenderError", "RenderOptions", "RenderedInvoice",
    "check_document", "problems", "render_invoice",
]  # fmt: skip
