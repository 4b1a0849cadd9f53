"""The HTTP API through its ASGI app (httpx's transport) on SQLite and PostgreSQL: tokens and
scopes, listing and paging, issuing under an Idempotency-Key, payments, contacts, and errors."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from invoicing import audit
from invoicing.db.models import Invoice
from tests.books import customer_invoice, supplier_invoice
from tests.integration.api.helpers import READ, WRITE, bearer

CUSTOMER = {"name": "ACME SARL", "customer": True, "address": "1 rue de la Paix", "postcode": "75002",
            "city": "Paris", "country": "fr", "vat_id": "FR40303265045", "email": "billing@acme.example",
            "external_id": "crm-17"}  # fmt: skip
LINES = [{"description": "Conseil", "quantity": "3", "unit_price": "800", "tax_rate": "20"}]


async def _customer(client) -> int:  # type: ignore[no-untyped-def]
    response = await client.put("/contacts", json=CUSTOMER)
    assert response.status_code == 201, response.text
    return int(response.json()["contact"]["id"])


async def test_every_call_needs_a_known_token_and_writing_needs_the_write_scope(client):
    """GIVEN no token, an unknown one, and a read-only one THEN 401, 401 and 403 as problem details
    that say what to do; /health answers without a token."""
    missing = await client.get("/invoices", headers={"Authorization": ""})
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "send an API token: Authorization: Bearer <token>"
    unknown = await client.get("/invoices", headers=bearer(WRITE + "x"))
    assert unknown.status_code == 401 and unknown.json()["title"] == "Unauthorized"
    read_only = await client.put("/contacts", json=CUSTOMER, headers=bearer(READ))
    assert read_only.status_code == 403 and "may not write" in read_only.json()["detail"]
    assert (await client.get("/invoices", headers=bearer(READ))).status_code == 200
    assert (await client.get("/health", headers={"Authorization": ""})).json() == {"status": "ok"}


async def test_invoices_are_listed_by_filter_a_page_at_a_time(client, db, clock, store):
    """GIVEN three issued invoices on different days and two received WHEN listed two at a time
    THEN the pages hold each once, newest first, with the total and a next link keeping the filters;
    direction, dates, contact and number filter."""
    customer = await _customer(client)
    issued = [customer_invoice(db, clock, customer, issued=dt.date(2026, 2, d)) for d in (2, 10, 20)]
    received = [supplier_invoice(db, clock, store, number=f"L-{n}", total="50.00", due=None,
                                 issued=dt.date(2026, 2, 5), approver=None) for n in (1, 2)]  # fmt: skip
    seen, url = [], "/invoices?limit=2&direction=out"
    while url:
        page = (await client.get(url)).json()
        assert page["total"] == 3 and len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
        assert url is None or "direction=out" in url
    assert seen == issued[::-1]
    since = (await client.get("/invoices", params={"since": "2026-02-05", "until": "2026-02-15"})).json()
    assert {i["id"] for i in since["items"]} == {issued[1], *received}
    by_contact = (await client.get("/invoices", params={"contact_id": customer, "status": "issued"})).json()
    assert by_contact["total"] == 3 and by_contact["next"] is None
    by_number = (await client.get("/invoices", params={"number": "L-2"})).json()
    assert [i["id"] for i in by_number["items"]] == [received[1]]
    one = (await client.get(f"/invoices/{issued[0]}")).json()
    assert one["number"] == "INV-2026-0001" and one["lines"][0]["description"] == "Consulting"
    assert one["total"] == "100.00", "amounts are decimal strings, as the CLI prints them"


async def test_bad_input_is_a_4xx_problem_that_says_what_to_change_never_a_500(client):
    cases = {
        "/invoices?direction=sideways": (422, "direction"),
        "/invoices?since=2026-03-01&until=2026-02-01": (422, "since 2026-03-01 is after until 2026-02-01"),
        "/invoices?cursor=bm90LW91cnM": (422, "cursor is not one this API gave"),
        "/invoices?limit=0": (422, "limit"),
        "/invoices/abc": (422, "invoice_id"),
        "/invoices/999": (404, "invoice 999 not found"),
        "/invoices/999/pdf": (404, "invoice 999 not found"),
        "/nowhere": (404, "Not Found"),
    }
    for url, (status, detail) in cases.items():
        response = await client.get(url)
        assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json"), url
        assert detail in response.json()["detail"], (url, response.json())
    broken = await client.post("/invoices", content=b"{not json", headers={"Idempotency-Key": "k1",
                                                                             "Content-Type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]


async def test_an_invoice_posted_twice_with_one_key_is_issued_once(client, db):
    """GIVEN a CRM that posts an invoice and retries after a timeout with the same Idempotency-Key
    THEN one invoice is issued, the retry gets it back (marked replayed), the audit names the
    token, and the same key with another body is refused."""
    customer = await _customer(client)
    body = {"contact_id": customer, "lines": LINES, "buyer_reference": "PO-4711"}
    first = await client.post("/invoices", json=body, headers={"Idempotency-Key": "order-1001"})
    assert first.status_code == 201, first.text
    again = await client.post("/invoices", json=body, headers={"Idempotency-Key": "order-1001"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert first.headers["idempotent-replayed"] == "false" and first.headers["location"] == f"/invoices/{first.json()['id']}"
    assert again.json()["id"] == first.json()["id"] and first.json()["number"] == "INV-2026-0001"
    assert first.json()["total"] == "2880.00" and first.json()["buyer_reference"] == "PO-4711"
    other = await client.post("/invoices", json={**body, "note": "x"}, headers={"Idempotency-Key": "order-1001"})
    assert other.status_code == 422 and "used before for a different request" in other.json()["detail"]
    missing = await client.post("/invoices", json=body)
    assert missing.status_code == 422 and "idempotency-key" in missing.json()["detail"].lower()
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(Invoice)).scalar_one() == 1
        actors = {e.actor for e in audit.trail(s, "invoice", first.json()["id"])}
        assert actors == {"api:erp"}


async def test_a_list_of_invoices_and_refusals_of_what_cannot_be_issued(client, db):
    customer = await _customer(client)
    listed = await client.post("/invoices?draft=true", json=[{"contact_id": customer, "lines": LINES}] * 2,
                               headers={"Idempotency-Key": "batch-1"})  # fmt: skip
    assert listed.status_code == 201 and [i["status"] for i in listed.json()["items"]] == ["draft", "draft"]
    zero = [{**LINES[0], "quantity": "0"}]
    refused = await client.post("/invoices", json={"contact_id": customer, "lines": zero}, headers={"Idempotency-Key": "b2"})
    assert refused.status_code == 422 and refused.json()["detail"] == "line 1: quantity is zero"
    nobody = await client.post("/invoices", json={"contact_id": 999, "lines": LINES}, headers={"Idempotency-Key": "b3"})
    assert nobody.status_code == 404 and nobody.json()["detail"] == "customer 999 not found"
    shapeless = await client.post("/invoices", json={"lines": []}, headers={"Idempotency-Key": "b4"})
    assert shapeless.status_code == 422 and "contact_id" in shapeless.json()["detail"]
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(Invoice)).scalar_one() == 2, "refusals issue nothing"


async def test_two_posts_at_once_with_one_key_issue_one_invoice(client, db):
    """GIVEN a client that fires the same request twice at once THEN exactly one invoice exists
    and both answers name it (the second waits for the first, or finds its key)."""
    customer = await _customer(client)
    body = {"contact_id": customer, "lines": LINES}
    answers = await asyncio.gather(*(client.post("/invoices", json=body, headers={"Idempotency-Key": "race"})
                                     for _ in range(2)))  # fmt: skip
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert sorted(a.headers["idempotent-replayed"] for a in answers) == ["false", "true"]
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(Invoice)).scalar_one() == 1


async def test_a_payment_is_recorded_once_per_key_and_an_overpayment_is_refused(client, db, clock):
    customer = await _customer(client)
    invoice_id = customer_invoice(db, clock, customer, issued=clock.today(), line="Consulting;1;100;0")
    too_much = await client.post(f"/invoices/{invoice_id}/payments", json={"amount": "150.00"})
    assert too_much.status_code == 422 and "more than the 100.00 EUR still open" in too_much.json()["detail"]
    part = {"amount": "40.00", "paid_on": "2026-03-01", "reference": "RF18INV20260001"}
    paid = await client.post(f"/invoices/{invoice_id}/payments", json=part, headers={"Idempotency-Key": "bank-9"})
    again = await client.post(f"/invoices/{invoice_id}/payments", json=part, headers={"Idempotency-Key": "bank-9"})
    assert paid.status_code == again.status_code == 201 and again.json() == paid.json()
    assert (paid.json()["status"], paid.json()["open_amount"]) == ("partly_paid", "60.00")
    rest = await client.post(f"/invoices/{invoice_id}/payments", json={})
    assert rest.json()["status"] == "paid" and rest.json()["amount"] == "60.00"
    late = await client.post(f"/invoices/{invoice_id}/payments", json={"amount": "1"})
    assert late.status_code == 409 and "is paid" in late.json()["detail"]
    with db.transaction() as s:
        [recorded, *_] = [e for e in audit.trail(s, "invoice", invoice_id) if e.action == "invoice.payment_recorded"]
        assert recorded.actor == "api:erp" and recorded.after["method"] == "api"
        assert s.get(Invoice, invoice_id).amount_paid == 100


async def test_contacts_are_added_updated_by_their_keys_and_listed(client):
    """GIVEN a CRM that pushes the same customer twice, then with a changed city WHEN upserted
    THEN it is added once, left unchanged, then updated; a bad VAT ID is refused with the reason."""
    added = await client.put("/contacts", json=CUSTOMER)
    unchanged = await client.put("/contacts", json=CUSTOMER)
    moved = await client.put("/contacts", json={**CUSTOMER, "city": "Lyon", "postcode": "69001"})
    assert (added.status_code, unchanged.status_code, moved.status_code) == (201, 200, 200)
    assert unchanged.json()["outcome"] == "unchanged" and moved.json()["changed"] == ["postcode", "city"]
    assert moved.json()["contact"]["id"] == added.json()["contact"]["id"]
    bad = await client.put("/contacts", json={"name": "Bad", "vat_id": "DE000"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("VAT ID 'DE000': not a valid VAT ID")
    for n in range(3):
        await client.put("/contacts", json={"name": f"Vendor {n}", "vendor": True})
    first = (await client.get("/contacts", params={"limit": 3})).json()
    second = (await client.get(first["next"])).json()
    assert first["total"] == 4 and [c["name"] for c in first["items"] + second["items"]] == [
        "ACME SARL", "Vendor 0", "Vendor 1", "Vendor 2"]
    round_trip = await client.put("/contacts", json=first["items"][0])
    assert round_trip.json()["outcome"] == "unchanged", "a listed contact can be put back as it is"


async def test_each_token_has_its_own_rate_limit_answered_with_retry_after(app, ticks):
    """GIVEN 1 request a second with bursts of 3 WHEN a token makes a fourth at once THEN 429 with
    Retry-After; the other token is not held back; a second later the first may go on."""
    import httpx

    from bot.api import create_api

    app.settings = app.settings.model_copy(update={"api_rate_per_second": 1.0, "api_rate_burst": 3})
    transport = httpx.ASGITransport(app=create_api(app, now=ticks))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        statuses = [(await http.get("/invoices", headers=bearer(WRITE))).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await http.get("/invoices", headers=bearer(WRITE))
        assert limited.headers["retry-after"] == "1" and "too many requests from erp" in limited.json()["detail"]
        assert (await http.get("/invoices", headers=bearer(READ))).status_code == 200
        ticks.seconds += 1.0
        assert (await http.get("/invoices", headers=bearer(WRITE))).status_code == 200


async def test_the_openapi_description_lists_the_routes_and_the_bearer_scheme(client):
    spec = (await client.get("/openapi.json")).json()
    assert {"/invoices", "/invoices/{invoice_id}/pdf", "/invoices/{invoice_id}/xml", "/contacts"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert (await client.get("/docs")).status_code == 200


