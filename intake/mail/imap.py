"""`ImapWatcher`: keeps one IMAP folder processed, pushed by IDLE (or polled), across reconnects.

Each round selects the folder, reads UIDVALIDITY, searches the UIDs and takes those not yet
recorded for that UIDVALIDITY: sizes first, bodies only for new UIDs, one mail at a time. A mail
is moved (or flagged) on the server only after its row is committed. Every await has a timeout;
a lost connection is retried with backoff and followed by the same catch-up search.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from dataclasses import dataclass
from typing import Literal

import aioimaplib
from aioimaplib.aioimaplib import Command, quoted

from intake.errors import IntakeError
from intake.mail.inbox import MailInbox
from intake.mail.ledger import MailKey
from invoicing.db.owner import OwnerLock

log = logging.getLogger(__name__)

PROCESSED_KEYWORD = "$InvoicebotProcessed"
_LOST = [b"connection lost"]


class ImapError(IntakeError):
    """The IMAP server refused something we need (login, the folder)."""


@dataclass(frozen=True, slots=True)
class ImapAccount:
    host: str
    user: str
    password: str
    port: int | None = None
    security: Literal["ssl", "starttls", "none"] = "ssl"
    folder: str = "INBOX"
    processed_folder: str | None = None
    #: PEM file of the CA(s) to trust instead of the system's (a private CA).
    ca_file: str | None = None

    @property
    def name(self) -> str:
        return f"{self.user}@{self.host}"


@dataclass(frozen=True, slots=True)
class WatchTiming:
    timeout: float = 60.0  # any single command
    idle: float = 9 * 60.0  # IDLE is re-issued before servers' 10-30 minute limits
    poll: float = 60.0  # when the server has no IDLE
    backoff_first: float = 1.0
    backoff_max: float = 300.0


class ImapWatcher:
    """Watches one folder until stopped; one bad mail never stops it.

    With an `owner` lock (PostgreSQL, several processes) it watches only while it holds the lock.
    Its state is observable: `watching` is set while it is logged in with the folder selected
    (so, with a lock, while this process owns the mailbox), `idling` while it waits for news (in
    IDLE, where new mail is pushed at once, or between polls), and `rounds` counts the searches
    for new mail since it started.
    """

    def __init__(
        self, account: ImapAccount, inbox: MailInbox, timing: WatchTiming = WatchTiming(),
        owner: OwnerLock | None = None,
    ) -> None:  # fmt: skip
        self.account, self.inbox, self.timing, self.owner = account, inbox, timing, owner
        self._client: aioimaplib.IMAP4 | None = None
        self.watching = asyncio.Event()
        self.idling = asyncio.Event()
        self.rounds = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set: at once, or whenever this process owns the mailbox."""
        if self.owner is None:
            await self.watch(stop)
        else:
            await self.owner.run(stop, self.watch)

    async def watch(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set, reconnecting with backoff after any failure."""
        delay = self.timing.backoff_first
        while not stop.is_set():
            try:
                await self._session(stop)
                delay = self.timing.backoff_first
            except (aioimaplib.AioImapException, OSError, TimeoutError, ImapError) as e:
                log.warning("IMAP %s: %s; reconnecting in %.1f s", self.account.host, e or type(e).__name__, delay)
            finally:
                await self._disconnect()
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, self.timing.backoff_max)

    async def _session(self, stop: asyncio.Event) -> None:
        client = await self._connect()
        uidvalidity = await self._select(client)
        log.info("IMAP watching %s on %s (UIDVALIDITY %s)", self.account.folder, self.account.host, uidvalidity)
        self.watching.set()
        try:
            while not stop.is_set():
                await self.catch_up(client, uidvalidity)
                self.rounds += 1
                if "IDLE" in client.protocol.capabilities:
                    await self._idle(client, stop)
                else:
                    self.idling.set()
                    try:
                        await self._wait(stop, self.timing.poll)
                    finally:
                        self.idling.clear()
                    await self._command(client.noop())
        finally:
            self.watching.clear()

    async def _connect(self) -> aioimaplib.IMAP4:
        account = self.account
        context = self._tls_context() if account.security == "ssl" else None
        default_port = 993 if account.security == "ssl" else 143
        connections: list[aioimaplib.IMAP4] = []

        def connection_lost(_error: Exception | None) -> None:
            # Wakes an IDLE wait at once instead of after its timeout.
            connections[0].protocol.idle_queue.put_nowait(_LOST)

        client = aioimaplib.IMAP4(
            account.host, account.port or default_port, timeout=self.timing.timeout,
            conn_lost_cb=connection_lost, ssl_context=context,
        )  # fmt: skip
        connections.append(client)
        self._client = client
        await client.wait_hello_from_server()
        if account.security == "starttls":
            await self._starttls(client)
        response = await self._command(client.login(account.user, account.password))
        if response.result != "OK":
            raise ImapError(f"login as {account.user} refused")
        if account.processed_folder:
            await self._command(client.create(quoted(account.processed_folder)))  # NO when it exists
        return client

    def _tls_context(self) -> ssl.SSLContext:
        """Return a context verifying the server's certificate and name (private CA if set)."""
        return ssl.create_default_context(cafile=self.account.ca_file)

    async def _starttls(self, client: aioimaplib.IMAP4) -> None:
        """Upgrade the plain connection to TLS (aioimaplib has no STARTTLS of its own)."""
        protocol = client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise ImapError(f"{self.account.host} offers no STARTTLS; not sending the password in clear")
        command = Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await self._command(protocol.execute(command))
        if response.result != "OK":
            raise ImapError("the server refused STARTTLS")
        loop = asyncio.get_running_loop()
        transport = await asyncio.wait_for(
            loop.start_tls(protocol.transport, protocol, self._tls_context(),
                           server_hostname=self.account.host),
            self.timing.timeout,
        )  # fmt: skip
        protocol.transport = transport
        # What the server said before TLS may have been forged: ask again (RFC 3501 6.2.1).
        await self._command(protocol.capability())

    async def _select(self, client: aioimaplib.IMAP4) -> int:
        response = await self._command(client.select(quoted(self.account.folder)))
        if response.result != "OK":
            raise ImapError(f"folder {self.account.folder} cannot be selected")
        for line in response.lines:
            match = re.search(rb"UIDVALIDITY (\d+)", bytes(line))
            if match:
                return int(match.group(1))
        raise ImapError(f"the server gave no UIDVALIDITY for {self.account.folder}")

    async def catch_up(self, client: aioimaplib.IMAP4, uidvalidity: int) -> int:
        """Process every mail of the folder not yet recorded; return how many were taken."""
        criteria = ("ALL",) if self.account.processed_folder else ("UNKEYWORD", PROCESSED_KEYWORD)
        response = await self._command(client.uid_search(*criteria, charset=None))
        if response.result != "OK":
            raise ImapError(f"search in {self.account.folder} failed")
        found = {int(n) for line in response.lines[:-1] for n in bytes(line).split() if n.isdigit()}
        done = await asyncio.to_thread(
            self.inbox.processed_uids, self.account.name, self.account.folder, uidvalidity
        )
        for uid in sorted(found & done):  # recorded, but the mark was lost (crash in between)
            await self._mark(client, uid)
        new = sorted(found - done)
        for uid in new:
            await self._take(client, MailKey(self.account.name, self.account.folder, uidvalidity, uid))
        return len(new)

    async def _take(self, client: aioimaplib.IMAP4, key: MailKey) -> None:
        size = await self._size(client, key.uid)
        if size is None:
            return  # expunged meanwhile
        raw: bytes | None = None
        try:
            if size > self.inbox.policy.max_mail_bytes:
                headers = await self._fetch(client, key.uid, "BODY.PEEK[HEADER]")
                limit = self.inbox.policy.max_mail_bytes
                await self.inbox.refuse(key, f"mail too large: {size} > {limit} bytes", headers or b"")
            else:
                raw = await self._fetch(client, key.uid, "BODY.PEEK[]")
                if raw is None:
                    return
                await self.inbox.process(key, raw)
        except (aioimaplib.AioImapException, OSError, TimeoutError):
            raise  # the connection, not the mail: reconnect and try again
        except Exception as e:  # noqa: BLE001 - one bad mail must never stop the loop
            log.exception("mail uid %s failed", key.uid, extra={"imap_uid": key.uid})
            await self.inbox.fail(key, e, raw)
        await self._mark(client, key.uid)

    async def _size(self, client: aioimaplib.IMAP4, uid: int) -> int | None:
        response = await self._command(client.uid("fetch", str(uid), "(RFC822.SIZE)"))
        for line in response.lines:
            match = re.search(rb"RFC822\.SIZE (\d+)", bytes(line))
            if match:
                return int(match.group(1))
        return None

    async def _fetch(self, client: aioimaplib.IMAP4, uid: int, part: str) -> bytes | None:
        response = await self._command(client.uid("fetch", str(uid), f"({part})"))
        if response.result != "OK":
            raise ImapError(f"fetching uid {uid} failed")
        for line in response.lines:
            if isinstance(line, bytearray):  # the literal
                return bytes(line)
        return None

    async def _mark(self, client: aioimaplib.IMAP4, uid: int) -> None:
        target = self.account.processed_folder
        if target:
            if "MOVE" in client.protocol.capabilities:
                response = await self._command(client.uid("move", str(uid), quoted(target)))
            else:
                response = await self._command(client.uid("copy", str(uid), quoted(target)))
                if response.result == "OK":
                    await self._command(client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Deleted)"))
                    await self._command(client.expunge())
        else:
            flags = f"(\\Seen {PROCESSED_KEYWORD})"
            response = await self._command(client.uid("store", str(uid), "+FLAGS.SILENT", flags))
            if response.result != "OK":  # a server without keywords
                response = await self._command(client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen)"))
        if response.result != "OK":
            log.warning("mail uid %s could not be moved or flagged", uid, extra={"imap_uid": uid})

    async def _idle(self, client: aioimaplib.IMAP4, stop: asyncio.Event) -> None:
        """Wait in IDLE for news (or `stop`, or the re-issue time), then leave IDLE."""
        idle = await asyncio.wait_for(client.idle_start(timeout=self.timing.idle), self.timing.timeout)
        self.idling.set()  # the server said "+ idling": from now on new mail is pushed
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                push = asyncio.ensure_future(client.wait_server_push(timeout=self.timing.idle + 5))
                await asyncio.wait({push, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping.done():
                    push.cancel()
                    break
                lines = push.result()  # TimeoutError: no word from the server at all
                if lines is _LOST:
                    raise ConnectionError("connection lost during IDLE")
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH or any(b"EXISTS" in bytes(x) for x in lines):
                    break
        finally:
            self.idling.clear()
            stopping.cancel()
        client.idle_done()
        await asyncio.wait_for(idle, self.timing.timeout)

    async def _command(self, awaitable: object) -> aioimaplib.Response:
        return await asyncio.wait_for(awaitable, self.timing.timeout)  # type: ignore[arg-type]

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        transport = client.protocol.transport
        try:
            if client.protocol.state in ("AUTH", "SELECTED") and transport and not transport.is_closing():
                await asyncio.wait_for(client.logout(), 5)
        except (aioimaplib.AioImapException, OSError, TimeoutError):
            pass
        finally:
            if transport is not None:
                transport.close()
