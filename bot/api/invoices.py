"""`/invoices`: list and show invoices in and out, their PDF and e-invoice XML; issue invoices from
JSON (as `invoice import` takes it) under an Idempotency-Key, and record payments.

Handlers are thin: they read the request, run one use case in a worker thread (the ORM is
synchronous, the event loop must never wait on it), and shape the answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from bot.api.auth import reader, writer
from bot.api.models import InvoiceList, InvoicePage, PaymentIn, PaymentOut
from bot.wiring import App
from invoicing import api_requests, invoice_files, issuing, listing, payments, views
from invoicing.api_tokens import ApiToken
from invoicing.domain import Direction, InvoiceStatus
from invoicing.invoice_json import InvoiceJson, requests_from_json

router = APIRouter(tags=["invoices"])


def core(request: Request) -> App:
    """Return the application the API serves."""
    return request.app.state.app  # type: ignore[no-any-return]


def json_of(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return `model` as a JSON response, serialised once (FastAPI would validate it again first)."""
    return Response(model.model_dump_json(), status_code=status, headers=headers, media_type="application/json")


def next_link(request: Request, cursor: str | None) -> str | None:
    """Return the path and query of the next page (the same filters), or None on the last."""
    if cursor is None:
        return None
    return f"{request.url.path}?{request.url.include_query_params(cursor=cursor).query}"


@router.get("/invoices", response_model=InvoicePage, summary="List invoices, newest first")
async def list_invoices(
    request: Request, app: Annotated[App, Depends(core)], _token: Annotated[ApiToken, Depends(reader)],
    direction: Direction | None = None, status: InvoiceStatus | None = None,
    since: Annotated[dt.date | None, Query(description="Issued on or after this day.")] = None,
    until: Annotated[dt.date | None, Query(description="Issued on or before this day.")] = None,
    contact_id: int | None = None, number: str | None = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before.")] = None,
) -> Response:  # fmt: skip
    filters = listing.InvoiceFilter(direction, status, since, until, contact_id, number)

    def read() -> listing.Page:
        with app.db.reading() as session:
            return listing.page(session, filters, limit, cursor)

    page = await run_in_threadpool(read)
    answer = InvoicePage(items=page.items, total=page.total, next_cursor=page.next_cursor,
                         next=next_link(request, page.next_cursor))  # fmt: skip
    return json_of(answer)


def _detail(app: App, invoice_id: int) -> views.InvoiceDetail:
    with app.db.reading() as session:
        return views.show_invoice(session, invoice_id)


@router.get("/invoices/{invoice_id}", response_model=views.InvoiceDetail, summary="One invoice in full")
async def get_invoice(
    invoice_id: int, app: Annotated[App, Depends(core)], _token: Annotated[ApiToken, Depends(reader)]
) -> Response:
    return json_of(await run_in_threadpool(_detail, app, invoice_id))


def _file_response(file: invoice_files.InvoiceFile) -> Response:
    ascii_name = file.filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}"
    return Response(file.content, media_type=file.media_type, headers={"Content-Disposition": disposition})


@router.get("/invoices/{invoice_id}/pdf", response_class=Response, summary="The issued PDF, or the original received",
            responses={200: {"content": {"application/pdf": {}}}})  # fmt: skip
async def get_pdf(
    invoice_id: int, app: Annotated[App, Depends(core)], _token: Annotated[ApiToken, Depends(reader)]
) -> Response:
    def read() -> invoice_files.InvoiceFile:
        with app.db.reading() as session:
            return invoice_files.original(session, app.store, invoice_id)

    return _file_response(await run_in_threadpool(read))


@router.get("/invoices/{invoice_id}/xml", response_class=Response, summary="The EN 16931 e-invoice XML",
            responses={200: {"content": {"application/xml": {}}}})  # fmt: skip
async def get_xml(
    invoice_id: int, app: Annotated[App, Depends(core)], _token: Annotated[ApiToken, Depends(reader)]
) -> Response:
    def read() -> invoice_files.InvoiceFile:
        with app.db.reading() as session:
            return invoice_files.einvoice(session, app.store, invoice_id, app.settings.templates_dir)

    return _file_response(await run_in_threadpool(read))


def _issue(app: App, token: ApiToken, key: str, fingerprint: str, data: Any, draft: bool, send: bool) -> tuple[list[int], bool]:
    """Issue the invoices in `data` once per key; return their ids and whether they were issued before."""
    requests = requests_from_json(data)
    policy = app.issuing_policy
    for attempt in (1, 2):
        try:
            with app.db.transaction() as session:
                earlier = api_requests.earlier(session, token.name, key, fingerprint)
                if earlier is not None:
                    return list(earlier["invoice_ids"]), True
                ids = [issuing.issue_new(session, app.clock, r, policy, token.actor, draft=draft, send=send)
                       for r in requests]  # fmt: skip
                api_requests.remember(session, app.clock, token.name, key, fingerprint, {"invoice_ids": ids})
                return ids, False
        except IntegrityError:
            if attempt == 2:
                raise  # not the key (it is found on the second try): a real fault
    raise AssertionError("unreachable")


@router.post("/invoices", status_code=201, response_model=views.InvoiceDetail | InvoiceList,
             summary="Issue invoices from JSON (the shape `invoice import` takes)")  # fmt: skip
async def create_invoices(
    request: Request, app: Annotated[App, Depends(core)], token: Annotated[ApiToken, Depends(writer)],
    payload: Annotated[InvoiceJson | list[InvoiceJson], Body(description="One invoice, or a list of them.")],
    idempotency_key: Annotated[str, Header(description="A key of your own per invoice (or list): a retried "
                                           "request with the same key issues nothing twice.")],
    draft: Annotated[bool, Query(description="Keep them drafts (no number yet).")] = False,
    send: Annotated[bool, Query(description="Also e-mail them to the customers.")] = False,
) -> JSONResponse:  # fmt: skip
    key = api_requests.check_key(idempotency_key)
    data = await request.json()
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    fingerprint = api_requests.request_hash("POST /invoices", f"draft={draft}&send={send}", body)
    ids, replayed = await run_in_threadpool(_issue, app, token, key, fingerprint, data, draft, send)
    details = [await run_in_threadpool(_detail, app, invoice_id) for invoice_id in ids]
    headers = {"Idempotent-Replayed": "true" if replayed else "false"}
    if isinstance(data, list):
        return JSONResponse(InvoiceList(items=details).model_dump(mode="json"), status_code=201, headers=headers)
    headers["Location"] = f"/invoices/{ids[0]}"
    return JSONResponse(details[0].model_dump(mode="json"), status_code=201, headers=headers)


def _pay(app: App, token: ApiToken, invoice_id: int, data: PaymentIn, key: str | None, fingerprint: str) -> tuple[dict[str, Any], bool]:
    for attempt in (1, 2):
        try:
            with app.db.transaction() as session:
                earlier = api_requests.earlier(session, token.name, key, fingerprint) if key else None
                if earlier is not None:
                    return earlier, True
                invoice = payments.find_invoice(session, f"#{invoice_id}")
                recorded = payments.apply_payment(
                    session, app.clock, invoice, data.amount, data.paid_on or app.clock.today(), method="api",
                    actor=token.actor, reference=data.reference,
                )  # fmt: skip
                fields = {**dataclasses.asdict(recorded), "status": recorded.status.value, "flags": list(recorded.flags)}
                result = PaymentOut(**fields).model_dump(mode="json")
                if key:
                    api_requests.remember(session, app.clock, token.name, key, fingerprint, result)
                return result, False
        except IntegrityError:
            if attempt == 2 or not key:
                raise
    raise AssertionError("unreachable")


@router.post("/invoices/{invoice_id}/payments", status_code=201, response_model=PaymentOut,
             summary="Record a payment of an invoice")  # fmt: skip
async def record_payment(
    invoice_id: int, payment: PaymentIn, app: Annotated[App, Depends(core)],
    token: Annotated[ApiToken, Depends(writer)],
    idempotency_key: Annotated[str | None, Header(description="Optional: a retried request with the same key "
                                                  "books nothing twice.")] = None,
) -> JSONResponse:  # fmt: skip
    key = api_requests.check_key(idempotency_key) if idempotency_key is not None else None
    fingerprint = api_requests.request_hash(f"POST /invoices/{invoice_id}/payments", payment.model_dump_json())
    result, replayed = await run_in_threadpool(_pay, app, token, invoice_id, payment, key, fingerprint)
    return JSONResponse(result, status_code=201, headers={"Idempotent-Replayed": "true" if replayed else "false"})
