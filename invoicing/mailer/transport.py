"""Sending built messages: `SmtpMailer` (aiosmtplib) and `EmlMailer` (files in the outbox).

The SMTP mailer tells apart a failure before DATA (nothing was handed over: retry with backoff),
a refusal by the server (nothing was accepted), and a connection lost after DATA began: the
server may have accepted the mail, so that is `OutcomeUnknown` and never resent by itself.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import ssl
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Literal, Protocol

import aiosmtplib

from invoicing.config import ConfigError
from invoicing.jobs import OutcomeUnknown, RetryLater
from invoicing.mailer.message import MailError

log = logging.getLogger(__name__)

Security = Literal["ssl", "starttls", "none"]
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def refuse_plaintext(service: str, host: str, security: str, allowed: bool) -> None:
    """Raise `ConfigError` for `security` "none" towards a host that is not loopback, unless `allowed`.

    Without TLS the login password and every mail cross the network in clear, readable and
    changeable by anyone on the path; on loopback they never leave the machine.
    """
    if security != "none" or allowed or is_loopback(host):
        return
    raise ConfigError(
        f"{service} security 'none' would send the password and the mail in clear to {host}, "
        f"which is not loopback: use 'ssl' or 'starttls', or set INVOICEBOT_ALLOW_PLAINTEXT=1"
    )


def is_loopback(host: str) -> bool:
    """Return whether `host` is this machine by its name or address alone (nothing is resolved)."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


class MailRejected(MailError):
    """The server refused the mail for good (5xx): sending it again would not help."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"the mail server refused the mail: {code} {reply}")
        self.code = code
        self.reply = reply


class Mailer(Protocol):
    #: Sending the same key twice delivers once (an .eml file per key), so no guard is needed.
    idempotent: bool

    async def send(self, message: EmailMessage, key: str) -> None:
        """Hand `message` over for delivery; raise when that did not (certainly) happen."""
        ...


class SmtpMailer:
    """Delivers through an SMTP server; every network wait has a timeout."""

    idempotent = False

    def __init__(
        self, host: str, port: int | None = None, *, security: Security = "starttls",
        user: str | None = None, password: str | None = None, timeout: float = 30.0,
        ca_file: str | None = None,
    ) -> None:  # fmt: skip
        self.host, self.port = host, port or DEFAULT_PORTS[security]
        self.security, self.user, self._password = security, user, password
        self.timeout = timeout
        self.ca_file = ca_file

    async def send(self, message: EmailMessage, key: str) -> None:
        sender = getaddresses([str(message["From"])])[0][1]
        recipients = [address for _, address in getaddresses([str(message["To"])])]
        smtp = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, timeout=self.timeout,
            use_tls=self.security == "ssl", start_tls=self.security == "starttls",
            tls_context=ssl.create_default_context(cafile=self.ca_file) if self.security != "none" else None,
        )  # fmt: skip
        try:
            await self._envelope(smtp, sender, recipients)
            await self._data(smtp, message, key)
        finally:
            await _close(smtp, self.timeout)
        log.info("mail %s sent to %s recipient(s)", message["Message-ID"], len(recipients))

    async def _envelope(self, smtp: aiosmtplib.SMTP, sender: str, recipients: list[str]) -> None:
        try:
            await smtp.connect()
            if self.user and self._password is not None:
                await smtp.login(self.user, self._password)
            await smtp.mail(sender)
            for recipient in recipients:
                await smtp.rcpt(recipient)
        except aiosmtplib.SMTPResponseException as e:
            _raise_for_reply(e)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
            raise RetryLater(f"could not reach the mail server {self.host}: {e}") from e

    async def _data(self, smtp: aiosmtplib.SMTP, message: EmailMessage, key: str) -> None:
        try:
            await smtp.data(message.as_bytes())
        except aiosmtplib.SMTPResponseException as e:
            _raise_for_reply(e)  # the server answered: it did not accept the mail
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
            raise OutcomeUnknown(
                f"connection to {self.host} lost after DATA; the mail may have been delivered: {e}"
            ) from e


def _raise_for_reply(error: aiosmtplib.SMTPResponseException) -> None:
    if 500 <= error.code < 600:
        raise MailRejected(error.code, error.message) from error
    raise RetryLater(f"the mail server said {error.code} {error.message}") from error


async def _close(smtp: aiosmtplib.SMTP, timeout: float) -> None:
    if not smtp.is_connected:
        return
    try:
        await asyncio.wait_for(smtp.quit(), timeout)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        smtp.close()


class EmlMailer:
    """Writes each mail as `<outbox>/<key>.eml` (no SMTP configured); rewriting one is harmless."""

    idempotent = True

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    async def send(self, message: EmailMessage, key: str) -> None:
        await asyncio.to_thread(self._write, message.as_bytes(), key)

    def _write(self, data: bytes, key: str) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:150]
        target = self.outbox / f"{name}.eml"
        partial = self.outbox / f".{name}.eml.partial"
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
        log.info("mail written to %s", target)
