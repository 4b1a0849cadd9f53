"""Errors as problem details (RFC 9457-like JSON): a status, a title and a message that says what
to change. Bad input is a 4xx, never a 500; what the core refuses (`InvoicingError`) keeps its
message."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from invoicing.errors import Conflict, InvalidTransition, InvoicingError, NotAuthorised, NotFound
from invoicing.invoice_files import NotReadyYet
from invoicing.parties import MissingDetails

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
#: Seconds a client is told to wait before asking again for a file still being made.
RETRY_SOON = 5


class ApiProblem(Exception):
    """An answer other than success, raised anywhere in a request."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """Return the problem response of `status` with `detail`."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def status_of(error: InvoicingError) -> tuple[int, dict[str, str]]:
    """Return the HTTP status (and headers) that tell a client what the core refused and why."""
    if isinstance(error, NotFound):
        return 404, {}
    if isinstance(error, NotReadyYet):
        return 409, {"Retry-After": str(RETRY_SOON)}
    if isinstance(error, InvalidTransition | Conflict):
        return 409, {}
    if isinstance(error, NotAuthorised):
        return 403, {}
    if isinstance(error, MissingDetails) and error.whose.startswith("the business"):
        return 503, {}  # our own details are missing: the operator, not the client, must act
    return 422, {}  # bad input: KeyReused, InvalidValue, InvalidInvoiceJson, InvalidLine...


def _validation_detail(error: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    errors = [
        {"where": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body", "problem": str(e.get("msg"))}
        for e in error.errors()
    ]
    return "; ".join(f"{e['where']}: {e['problem']}" for e in errors[:5]), errors


def install(api: FastAPI) -> None:
    """Answer every error of `api` as problem details."""

    @api.exception_handler(ApiProblem)
    async def _api_problem(_request: Request, error: ApiProblem) -> JSONResponse:
        return problem(error.status, error.detail, error.headers, **error.extra)

    @api.exception_handler(InvoicingError)
    async def _refused(_request: Request, error: InvoicingError) -> JSONResponse:
        status, headers = status_of(error)
        return problem(status, str(error), headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(error)
        return problem(422, detail, errors=errors)

    @api.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        return problem(error.status_code, detail, dict(error.headers or {}))

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("API %s %s failed", request.method, request.url.path)
        return problem(500, "internal error; it is logged on the server")
