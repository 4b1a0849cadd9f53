"""Mail intake: parsing mails into documents (`mime`), recording them (`inbox`, `ledger`) and
watching an IMAP folder (`imap`)."""

from __future__ import annotations

from intake.mail.imap import ImapAccount, ImapWatcher
from intake.mail.inbox import MailInbox, MailPolicy
from intake.mail.mime import MailCaps
from intake.pipeline import Intake
from invoicing.config import Settings
from invoicing.db.owner import OwnerLock
from invoicing.mailer import refuse_plaintext


def watcher_from_settings(settings: Settings, intake: Intake) -> ImapWatcher:
    """Return the watcher of the configured IMAP folder (call only when `imap_host` is set).

    On PostgreSQL, where several `invoicebot run` may share the database, it watches only while
    it holds the mailbox's advisory lock. Raises `ConfigError` for IMAP without TLS to a host
    that is not loopback (see `refuse_plaintext`).
    """
    if not settings.imap_host or not settings.imap_user or settings.imap_password is None:
        raise ValueError("IMAP needs INVOICEBOT_IMAP_HOST, _USER and _PASSWORD")
    refuse_plaintext("IMAP", settings.imap_host, settings.imap_security, settings.allow_plaintext)
    account = ImapAccount(
        host=settings.imap_host, user=settings.imap_user,
        password=settings.imap_password.get_secret_value(), port=settings.imap_port,
        security=settings.imap_security, folder=settings.imap_folder,
        processed_folder=settings.imap_processed_folder,
        ca_file=str(settings.imap_ca_file) if settings.imap_ca_file else None,
    )  # fmt: skip
    caps = MailCaps(
        max_attachments=settings.imap_max_attachments, max_header_bytes=settings.imap_max_header_bytes,
        max_parts=settings.imap_max_mime_parts, max_depth=settings.imap_max_mime_depth,
    )  # fmt: skip
    policy = MailPolicy(
        mail_from=settings.mail_from, allowed_senders=tuple(settings.imap_allowed_senders),
        max_mail_bytes=settings.imap_max_mail_bytes, language=settings.language,
        own_addresses=(settings.imap_user,), trusted_authserv_id=settings.imap_trusted_authserv_id,
        caps=caps, budget_seconds=settings.imap_mail_budget_seconds,
        parse_memory_bytes=settings.read_memory_mb * 2**20, templates_dir=settings.templates_dir,
    )  # fmt: skip
    takeover = settings.takeover_seconds
    owner = OwnerLock(intake.db, f"invoicebot imap {account.name} {account.folder}", retry=takeover, check=takeover)
    return ImapWatcher(account, MailInbox(intake, policy), owner=owner)
