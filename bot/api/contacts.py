"""`/contacts`: list the customers and vendors, and add or update one (matched as a CRM import
matches: external id, then VAT ID, then e-mail)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.api.auth import reader, writer
from bot.api.invoices import core, json_of, next_link
from bot.api.models import ContactIn, ContactPage, ContactUpserted
from bot.wiring import App
from invoicing import contact_import, listing
from invoicing.api_tokens import ApiToken
from invoicing.crm_export import ExportRow
from invoicing.directory import ContactInput, contact_dict

router = APIRouter(tags=["contacts"])


@router.get("/contacts", response_model=ContactPage, summary="List contacts, oldest first")
async def list_contacts(
    request: Request, app: Annotated[App, Depends(core)], _token: Annotated[ApiToken, Depends(reader)],
    limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = 50, cursor: str | None = None,
) -> Response:  # fmt: skip
    def read() -> tuple[list[dict[str, Any]], int, str | None]:
        with app.db.reading() as session:
            contacts, total, after = listing.contact_page(session, limit, cursor)
            return [contact_dict(c) for c in contacts], total, after

    items, total, after = await run_in_threadpool(read)
    return json_of(ContactPage(items=items, total=total, next_cursor=after, next=next_link(request, after)))


def _row(data: ContactIn) -> ExportRow:
    fields = data.model_dump(exclude={"manager", "manager_id", "customer", "vendor", "terms_days"})
    contact = ContactInput(**fields, is_customer=data.customer, is_vendor=data.vendor,
                           payment_terms_days=data.terms_days)  # fmt: skip
    manager = data.manager if data.manager is not None else data.manager_id
    return ExportRow(line=1, contact=contact, manager=str(manager) if manager is not None else None)


@router.put("/contacts", response_model=ContactUpserted, summary="Add a contact, or update the one it is",
            responses={201: {"model": ContactUpserted, "description": "Added"}})  # fmt: skip
async def upsert_contact(
    contact: ContactIn, app: Annotated[App, Depends(core)], token: Annotated[ApiToken, Depends(writer)]
) -> JSONResponse:
    row = _row(contact)

    def write() -> ContactUpserted:
        with app.db.transaction() as session:
            batch = contact_import.Batch.start(session, app.clock, [row], token.actor)
            result, stored = contact_import.upsert(batch, row)
            return ContactUpserted(outcome=result.outcome.value, changed=list(result.changed),
                                   contact=contact_dict(stored))  # fmt: skip

    done = await run_in_threadpool(write)
    status = 201 if done.outcome == contact_import.Outcome.ADDED else 200
    return JSONResponse(done.model_dump(mode="json"), status_code=status)
