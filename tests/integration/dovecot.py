"""A real Dovecot IMAP server on loopback for tests, with its own config in a temp dir.

Run as root (CI and the dev container), Dovecot wants an unprivileged login user (`dovenull`),
an internal user (`dovecot`) and mail owned by an unprivileged uid (`nobody` here).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aioimaplib

DOVECOT = "/usr/sbin/dovecot"
USER = "invoices@example.test"
PASSWORD = "imap-test-password"
#: The address invoicebot sends from in the mail tests.
BOT = "invoicebot@example.test"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = invoicebot-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%n
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


TLS = """\
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}"""


def available() -> str | None:
    """Return why Dovecot cannot run here, or None when it can."""
    if not Path(DOVECOT).exists():
        return f"{DOVECOT} is missing (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "the Dovecot fixture runs as root"
    for name in ("dovenull", "dovecot", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            return f"user {name} is missing"
    return None


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Return `count` distinct free loopback ports: each socket is held until all are bound, as
    the system may hand out a port just closed again (two equal ports made Dovecot exit)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


@dataclass
class Dovecot:
    """One Dovecot instance: start, restart (drops every connection), stop."""

    root: Path
    port: int
    #: The implicit-TLS (imaps) port, when made with a certificate; STARTTLS is on `port` then.
    ssl_port: int | None = None
    user: str = USER
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def create(cls, certificate: tuple[Path, Path] | None = None) -> Dovecot:
        """Make an instance; with `certificate` (PEM cert chain, key) it speaks TLS too."""
        root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        root.chmod(0o755)  # the mail processes run as nobody and must reach their maildir
        nobody = pwd.getpwnam("nobody")
        port, tls_port = free_ports(2)
        ssl_port = tls_port if certificate else None
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        for sub in ("mail", "home"):
            os.chown(root / sub, nobody.pw_uid, nobody.pw_gid)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "passwd").chmod(0o644)
        tls = TLS.format(cert=certificate[0], key=certificate[1]) if certificate else "ssl = no"
        config = CONFIG.format(
            root=root, port=port, ssl_port=ssl_port or 0, ssl=tls, uid=nobody.pw_uid, gid=nobody.pw_gid
        )
        (root / "dovecot.conf").write_text(config)
        return cls(root, port, ssl_port)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        """Stop and start again: every client connection is dropped."""
        self.stop()
        self.start()

    def kill_imap(self) -> int:
        """SIGKILL this instance's imap processes (the clients' sessions); return how many."""
        assert self.process is not None
        killed = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                pid, rest = stat.read_text().split(" ", 1)
            except OSError:
                continue
            comm, _, fields = rest.rpartition(") ")
            if comm == "(imap" and int(fields.split()[1]) == self.process.pid:
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
        return killed

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.asynccontextmanager
async def mailbox(server: Dovecot) -> AsyncIterator[aioimaplib.IMAP4]:
    """A second, ordinary IMAP client: the world that sends mail into the folder."""
    client = aioimaplib.IMAP4("127.0.0.1", server.port, timeout=5)
    await client.wait_hello_from_server()
    await client.login(server.user, server.password)
    try:
        yield client
    finally:
        await client.logout()


async def until(check: Callable[[], bool], seconds: float = 20) -> None:
    """Wait until `check()` (run in a thread: it may query the database) is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")
