"""Read structured e-invoices (CII and UBL XML) exactly, as an `ExtractedInvoice`.

Supported: UN/CEFACT CII D16B (Factur-X, ZUGFeRD 2.x, XRechnung CII), ZUGFeRD 1.0 (and its
pre-release `CBFBUY:5` schema), OASIS UBL 2.1 Invoice and CreditNote (XRechnung UBL, Peppol
BIS 3). The XML is parsed without DTDs, entities or network access; a document that declares a
DTD is refused outright, because an e-invoice never needs one and entity tricks (XXE,
"billion laughs") live there.
"""

from __future__ import annotations

from lxml import etree

from intake.einvoice.cii import D16B, ZUGFERD1, Dialect, read_cii
from intake.einvoice.ubl import read_ubl
from intake.errors import NotAnEInvoice, UnsafeXml
from invoicing.extraction import ExtractedInvoice

__all__ = ["parse_einvoice"]

_CII: dict[str, Dialect] = {
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice": D16B,
    "{urn:ferd:CrossIndustryDocument:invoice:1p0}CrossIndustryDocument": ZUGFERD1,
    "{urn:un:unece:uncefact:data:standard:CBFBUY:5}Invoice": ZUGFERD1,
}
_UBL = frozenset(
    {
        "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
        "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
    }
)


def parse_einvoice(xml: bytes) -> ExtractedInvoice:
    """Return the invoice in CII or UBL XML; raise `NotAnEInvoice` when it is neither."""
    root = _parse_safely(xml)
    tag = root.tag
    if tag not in _CII and tag not in _UBL:
        raise NotAnEInvoice(f"not a supported e-invoice: root element {tag}", root_tag=tag)
    _strip_namespaces(root)
    invoice = read_ubl(root) if tag in _UBL else read_cii(root, _CII[tag])
    if invoice.invoice_number is None and invoice.total is None:
        raise NotAnEInvoice("e-invoice XML without an invoice number or a total", root_tag=tag)
    return invoice


def _parse_safely(xml: bytes) -> etree._Element:
    """Return the root element of `xml`, parsed with entities, DTDs and network turned off."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(xml, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        if _declares_doctype(xml):  # libxml2 may stop an entity bomb before we see its DTD
            raise UnsafeXml("XML with a DTD (entity declarations) is refused") from e
        raise NotAnEInvoice(f"not well-formed XML: {e}") from e
    if root is None:
        raise NotAnEInvoice("not well-formed XML: no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXml("XML with a DTD (entity declarations) is refused", root_tag=root.tag)
    return root


def _declares_doctype(xml: bytes) -> bool:
    """Return whether `xml` contains a document type declaration, in UTF-8 or UTF-16."""
    return any("<!DOCTYPE".encode(codec) in xml for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def _strip_namespaces(root: etree._Element) -> None:
    """Drop the namespaces from every tag, so that one set of paths serves every schema version.

    The root's namespace has already decided the syntax; below it, CII versions differ only in
    namespace URIs, and the pre-release ZUGFeRD schema puts its elements in no namespace at all.
    """
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(root)
