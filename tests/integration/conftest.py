"""Fixtures for the mail tests: a Dovecot server, a document reader and a mail inbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from intake.mail.inbox import MailInbox, MailPolicy
from intake.pipeline import DocumentReader, Intake
from invoicing.receiving import ReceivingPolicy
from tests.integration import dovecot as dovecot_helper
from tests.integration.dovecot import BOT, Dovecot


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A real Dovecot on a free loopback port, for the tests of one module."""
    reason = dovecot_helper.available()
    if reason:
        pytest.skip(f"Dovecot cannot run: {reason}")
    server = Dovecot.create()
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def reader() -> Iterator[DocumentReader]:
    documents = DocumentReader(1)
    yield documents
    documents.close()


@pytest.fixture
def inbox(db, clock, store, reader) -> MailInbox:  # type: ignore[no-untyped-def]
    """The mail inbox over a fresh database, refusing mails over 200 kB."""
    intake = Intake(db, clock, store, reader, ReceivingPolicy(), 10 * 1024 * 1024)
    return MailInbox(intake, MailPolicy(mail_from=f"Invoicebot <{BOT}>", max_mail_bytes=200_000))


@pytest.fixture
def folder() -> str:
    """A folder name of its own for each test (the Dovecot server is shared)."""
    return f"Test-{uuid.uuid4().hex[:8]}"
