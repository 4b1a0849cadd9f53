"""The invoice mail the benchmarks send: one attachment, a vendor's sender, a fresh Message-ID."""

from __future__ import annotations

import math
import uuid
from email.message import EmailMessage


def invoice_mail(number: str, attachment: bytes, filename: str, subtype: str = "pdf") -> bytes:
    """Return the bytes of a vendor's mail with invoice `number` attached as `filename`."""
    message = EmailMessage()
    message["From"] = "Vendor GmbH <billing@vendor.example>"
    message["To"] = "invoices@example.test"
    message["Subject"] = f"Invoice {number}"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@vendor.example>"
    message.set_content("Please find our invoice attached.")
    message.add_attachment(attachment, maintype="application", subtype=subtype, filename=filename)
    return message.as_bytes()


def percentile(values: list[float], p: float) -> float:
    """Return the nearest-rank percentile `p` (0-100) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
