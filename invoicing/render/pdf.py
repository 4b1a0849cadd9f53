"""Render one document in this process: the HTML template through WeasyPrint to PDF/A-3, with
its EN 16931 XML embedded by the factur-x library (Factur-X / ZUGFeRD profile EN 16931).

The text printed comes from customers and users, and a user may bring their own templates, so
WeasyPrint fetches only bundled assets: files inside the template folders and the configured
logo, and `data:` images (the payment QR codes). Anything else (other local files, the network)
is refused, and attachments named by the HTML (`<link rel=attachment>`) are dropped: the only
file the PDF carries is the e-invoice XML.

Fonts, the stylesheet and the templates are loaded once per process (`Renderer`); the worker
processes of `invoicing.render.pool` each hold one.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import facturx
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from invoicing.document import DocumentKind, InvoiceDocument
from invoicing.errors import InvoicingError
from invoicing.render import view
from invoicing.render.cii import invoice_xml
from invoicing.render.labels import labels_for
from invoicing.render.rules import check_document
from invoicing.templating import environment, folders, source

log = logging.getLogger(__name__)

TEMPLATE = "invoice/invoice.html"
STYLESHEET = "invoice/invoice.css"
#: Media types a `data:` URL may carry: the QR codes are PNG; SVG and JPEG for users' templates.
_DATA_TYPES = ("data:image/png", "data:image/svg+xml", "data:image/jpeg")
#: Laid over every stylesheet, a user's too: PDF/A forbids pictures marked for interpolation.
_PDF_A_RULES = "* { image-rendering: crisp-edges !important; }"
_BETWEEN_TAGS = re.compile(r">\s+<")


class RenderError(InvoicingError):
    """An invoice could not be rendered; the message says why."""


class AssetRefused(ValueError):
    """WeasyPrint asked for a resource outside the bundled assets (it logs it and goes on)."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How invoices look: a folder of user templates in front of the packaged ones, and a logo."""

    #: `INVOICEBOT_TEMPLATES_DIR`: templates here override the packaged ones of the same name.
    templates_dir: Path | None = None
    #: An image file (PNG, JPEG, SVG) printed at the top left of every invoice.
    logo: Path | None = None

    def __post_init__(self) -> None:
        if self.templates_dir is not None and not Path(self.templates_dir).is_dir():
            raise RenderError(f"templates folder {self.templates_dir} does not exist")
        if self.logo is not None and not Path(self.logo).is_file():
            raise RenderError(f"logo file {self.logo} does not exist")


@dataclass(frozen=True, slots=True)
class RenderedInvoice:
    #: The PDF/A-3 with the XML embedded as factur-x.xml.
    pdf: bytes
    #: The EN 16931 CII XML (also inside the PDF).
    xml: bytes


class BundledAssets(URLFetcher):
    """A WeasyPrint URL fetcher that serves the template folders, the logo and data: images only."""

    def __init__(self, roots: tuple[Path, ...], files: tuple[Path, ...] = ()) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)
        self.files = frozenset(path.resolve() for path in files)
        #: URLs refused, for the log and the tests.
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(_DATA_TYPES):
            return super().fetch(url, headers)
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("refused to fetch %s while rendering an invoice", url[:200])
            raise AssetRefused(f"not a bundled asset: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def _local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        inside = path in self.files or any(path.is_relative_to(root) for root in self.roots)
        return path if inside and path.is_file() else None


class Renderer:
    """Renders documents with fonts, stylesheet and templates loaded once (one per process)."""

    def __init__(self, options: RenderOptions) -> None:
        self.options = options
        self.fonts = FontConfiguration()
        self.template = environment(options.templates_dir).get_template(TEMPLATE)
        self.base_url = Path(self.template.filename or folders()[0]).parent.as_uri() + "/"
        self.assets = BundledAssets(folders(options.templates_dir), (options.logo,) if options.logo else ())
        css, css_path = source(STYLESHEET, options.templates_dir)
        self.stylesheets = [
            CSS(string=css, base_url=css_path.as_uri(), url_fetcher=self.assets, font_config=self.fonts),
            CSS(string=_PDF_A_RULES, font_config=self.fonts),
        ]
        self.logo_url = Path(options.logo).resolve().as_uri() if options.logo else None

    def html(self, document: InvoiceDocument) -> str:
        """Return the invoice's HTML, without the white space between tags.

        Only white space between two tags goes ("</td>\n  <td>"): it lays out as nothing, yet each
        gap costs WeasyPrint a node to parse and style (a tenth of the work on an invoice). A
        template that needs a space between two inline elements writes it inside one of them.
        """
        html = self.template.render(view.context(document, self.options.templates_dir, self.logo_url))
        return _BETWEEN_TAGS.sub("><", html)

    def visual_pdf(self, document: InvoiceDocument) -> bytes:
        """Return the PDF/A-3b of the page alone, before the XML is embedded."""
        html = HTML(string=self.html(document), base_url=self.base_url, url_fetcher=self.assets)
        rendered = html.render(font_config=self.fonts, stylesheets=self.stylesheets)
        rendered.metadata.attachments = []  # the e-invoice XML is the only embedded file
        return rendered.write_pdf(pdf_variant="pdf/a-3b")  # type: ignore[no-any-return]

    def xml(self, document: InvoiceDocument) -> bytes:
        """Return the EN 16931 XML of `document`, checked against the Factur-X XSD."""
        return einvoice_xml(document, self.options.templates_dir)

    def render(self, document: InvoiceDocument) -> RenderedInvoice:
        """Return the PDF/A-3 with the embedded EN 16931 XML, and the XML."""
        check_document(document)
        xml = self.xml(document)
        pdf = facturx.generate_from_binary(
            self.visual_pdf(document), xml, flavor="factur-x", level="en16931",
            check_xsd=False,  # checked by `einvoice_xml` already
            pdf_metadata=_metadata(document, labels_for(document.language, self.options.templates_dir)),
            lang=document.language,
        )  # fmt: skip
        return RenderedInvoice(pdf=pdf, xml=xml)


def einvoice_xml(document: InvoiceDocument, templates_dir: Path | None = None) -> bytes:
    """Return the EN 16931 CII XML of `document`, checked against the Factur-X EN 16931 XSD.

    Its exemption notes and payment terms are the texts the page prints (in the document's
    language, from the labels in `templates_dir`).
    """
    labels = labels_for(document.language, templates_dir)
    terms = "\n".join(view.payment_terms(document, labels))
    xml = invoice_xml(document, labels["exemption"], terms)
    try:
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as e:  # factur-x raises bare Exception for an invalid file
        raise RenderError(f"the e-invoice XML of {document.number} breaks the Factur-X XSD: {e}") from e
    return xml


def _metadata(document: InvoiceDocument, labels: dict[str, Any]) -> dict[str, str]:
    title = labels["title_credit_note" if document.kind is DocumentKind.CREDIT_NOTE else "title_invoice"]
    return {
        "author": document.seller.name,
        "keywords": "Factur-X, ZUGFeRD, EN 16931",
        "title": f"{title} {document.number}",
        "subject": f"{title} {document.number} {document.seller.name} / {document.buyer.name}",
    }


@functools.lru_cache(maxsize=4)
def renderer(options: RenderOptions) -> Renderer:
    """Return this process's renderer for `options` (built once: fonts, stylesheet, templates)."""
    return Renderer(options)


def render_invoice(document: InvoiceDocument, options: RenderOptions | None = None) -> RenderedInvoice:
    """Return the PDF/A-3 invoice with its EN 16931 XML, rendered in this process.

    Raises `InvalidDocument` when the document cannot be issued as it stands. The service
    renders in worker processes (`InvoiceRenderer`); this is what they run.
    """
    return renderer(options or RenderOptions()).render(document)
