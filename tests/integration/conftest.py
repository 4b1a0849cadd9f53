"""Fixtures for the mail tests: a Dovecot server, a document reader, a mail inbox and a private CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.mail.inbox import MailInbox, MailPolicy
from intake.pipeline import DocumentReader, Intake
from invoicing.db.engine import Database
from invoicing.receiving import ReceivingPolicy
from tests.conftest import _empty_postgres
from tests.integration import dovecot as dovecot_helper
from tests.integration.dovecot import BOT, Dovecot


@dataclass(frozen=True)
class Certificates:
    """A private CA and a server certificate it signed for 127.0.0.1 and localhost (PEM files)."""

    ca: Path
    cert: Path
    key: Path
    #: A second CA that signed nothing here: trusting it alone must fail verification.
    other_ca: Path


def make_certificates(folder: Path) -> Certificates:
    """Write a CA, a server certificate and key signed by it, and an unrelated CA into `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: str, key, issuer: str, issuer_key, ca: bool):  # type: ignore[no-untyped-def]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
            builder = builder.add_extension(usage, critical=True)
            builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        else:
            names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    def pem(cert) -> bytes:  # type: ignore[no-untyped-def]
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    paths = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "other-ca.pem")
    paths.ca.write_bytes(pem(build("invoicebot test CA", ca_key, "invoicebot test CA", ca_key, True)))
    paths.other_ca.write_bytes(pem(build("unrelated CA", other_key, "unrelated CA", other_key, True)))
    paths.cert.write_bytes(pem(build("localhost", server_key, "invoicebot test CA", ca_key, False)))
    paths.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    for path in (paths.ca, paths.other_ca, paths.cert, paths.key):
        path.chmod(0o644)  # Dovecot reads them as root, the test as whoever runs it
    return paths


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A private CA and a server certificate for 127.0.0.1, made once per test session."""
    folder = tmp_path_factory.mktemp("tls")
    folder.chmod(0o755)
    return make_certificates(folder)


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
def tls_dovecot(certificates: Certificates) -> Iterator[Dovecot]:
    """A real Dovecot speaking STARTTLS on `port` and implicit TLS on `ssl_port`."""
    reason = dovecot_helper.available()
    if reason:
        pytest.skip(f"Dovecot cannot run: {reason}")
    server = Dovecot.create(certificate=(certificates.cert, certificates.key))
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def reader() -> Iterator[DocumentReader]:
    """A reader with one reading process, stopped after the module's tests."""
    reader = DocumentReader(1)
    yield reader
    reader.close()


@pytest.fixture
def inbox(db, clock, store, reader) -> MailInbox:  # type: ignore[no-untyped-def]
    """The mail inbox over a fresh database, refusing mails over 200 kB."""
    intake = Intake(db, clock, store, reader, ReceivingPolicy(), 10 * 1024 * 1024)
    return MailInbox(intake, MailPolicy(mail_from=f"Invoicebot <{BOT}>", max_mail_bytes=200_000))


@pytest.fixture
def folder() -> str:
    """A folder name of its own for each test (the Dovecot server is shared)."""
    return f"Test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def two_processes(postgres_url: str) -> Iterator[tuple[Database, Database]]:
    """Two database objects on one emptied PostgreSQL database, as two `invoicebot run` would have."""
    first, second = Database.from_url(postgres_url), Database.from_url(postgres_url)
    _empty_postgres(first)
    yield first, second
    first.dispose()
    second.dispose()
