"""`invoicebot run` with the API on: a real uvicorn server on a loopback port, the job worker
rendering what the API issued, and a webhook receiver told of it."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import facturx
import httpx

from invoicing.webhook_rules import verify
from tests.integration.api.helpers import TOKENS, WRITE, bearer
from tests.integration.cli import INVOICEBOT, cli_env
from tests.integration.webhook_receiver import webhook_receiver
from tests.services.test_issuing import SELLER

SECRET = "whsec-server-test-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(what: str, answer, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    """Return `answer()` once it is truthy, asking every 0.2 s; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = answer()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_service_serves_the_api_renders_what_it_issues_and_tells_the_webhook(db, tmp_path):
    """GIVEN `invoicebot run` with API tokens and a webhook endpoint WHEN a CRM upserts a customer and
    posts an invoice THEN the endpoint gets the signed invoice.issued event, the PDF appears at
    /invoices/{id}/pdf once the worker rendered it (409 until then), with its Factur-X XML; the
    service stops cleanly and its log never shows the token or the secret."""
    port = _free_port()
    data_dir = tmp_path / "var"
    log_path = tmp_path / "service.log"
    with webhook_receiver() as receiver, log_path.open("w") as log:
        env = {**cli_env(data_dir, db.engine.url.render_as_string(hide_password=False)),
               "INVOICEBOT_API_TOKENS": TOKENS, "INVOICEBOT_API_PORT": str(port),
               "INVOICEBOT_WEBHOOKS": f"{receiver.url} {SECRET}",
               **{f"INVOICEBOT_{k.upper()}": v for k, v in SELLER.items()}}  # fmt: skip
        service = subprocess.Popen([INVOICEBOT, "run"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=bearer(WRITE), timeout=30) as http:
                _until("the API", lambda: _answers(http))
                customer = http.put("/contacts", json={"name": "ACME SARL", "customer": True, "country": "FR",
                                                       "address": "1 rue de la Paix", "postcode": "75002", "city": "Paris"})
                body = {"contact_id": customer.json()["contact"]["id"],
                        "lines": [{"description": "Conseil", "quantity": 2, "unit_price": "450.00", "tax_rate": 20}]}
                created = http.post("/invoices", json=body, headers={"Idempotency-Key": "crm-order-1"})
                assert created.status_code == 201, created.text
                invoice_id = created.json()["id"]
                [event] = [r for r in receiver.wait_for(1) if json.loads(r.body)["type"] == "invoice.issued"]
                assert verify(SECRET, event.headers["invoicebot-signature"], event.body, int(time.time()))
                assert json.loads(event.body)["data"]["invoice"]["id"] == invoice_id
                pdf = _until("the PDF", lambda: _pdf(http, invoice_id))
                assert pdf[:5] == b"%PDF-" and facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]
                assert http.get(f"/invoices/{invoice_id}/xml").content == facturx.get_xml_from_pdf(pdf, check_xsd=False)[1]
        finally:
            service.send_signal(signal.SIGTERM)
            code = service.wait(timeout=60)
    text = Path(log_path).read_text()
    assert code == 0, text
    assert f"API listening on http://127.0.0.1:{port}" in text
    assert WRITE not in text and SECRET not in text


def _answers(http: httpx.Client) -> bool:
    try:
        return http.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def _pdf(http: httpx.Client, invoice_id: int) -> bytes | None:
    response = http.get(f"/invoices/{invoice_id}/pdf")
    if response.status_code == 409:
        assert response.headers["retry-after"] == "5"
        return None
    assert response.status_code == 200, response.text
    return response.content
