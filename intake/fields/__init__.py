"""Field extraction: invoice fields from words with positions, whatever read them."""

from intake.fields.extractor import extract_fields

__all__ = ["extract_fields"]
