"""The one configuration object, read once from `invoicebot.toml` and `INVOICEBOT_*` variables.

The TOML file may group keys in tables (`[imap] host = ...`); a table key `host` in `[imap]` is
the setting `imap_host`, which the environment sets as `INVOICEBOT_IMAP_HOST`. The environment
wins over the file, and with neither everything lives under `./var/`.
"""

from __future__ import annotations

import os
import tomllib
import urllib.parse
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from invoicing.api_tokens import ApiToken, InvalidTokens, parse_tokens
from invoicing.webhook_rules import InvalidWebhooks, WebhookEndpoint, parse_endpoints

ENV_PREFIX = "INVOICEBOT_"
DEFAULT_CONFIG_FILE = "invoicebot.toml"

#: The OCR engines a picture may be read with (`intake.ocr.OcrOptions.engine`).
OcrEngine = Literal["tesseract", "rapidocr", "auto", "both"]
#: Defaults the settings and the readers share (stated here: intake imports invoicing, not back).
#: The engine used unless one is chosen: tesseract, and RapidOCR again where tesseract's reading
#: is in doubt. Held-out corpus receipts: 0.889 of fields right against 0.870 with tesseract
#: alone, for a median of 2.4 s per in-sample receipt against 2.0 s (README, the engine table).
OCR_ENGINE: OcrEngine = "both"
#: Languages of the invoices we expect; tesseract tries them in this order for each word.
OCR_LANGUAGES = "eng+deu+fra+dan"
#: An incoming invoice with a field below this confidence goes to review instead of approval.
REVIEW_CONFIDENCE = 0.5


class ConfigError(Exception):
    """The configuration file or a setting is invalid."""


class Settings(BaseSettings):
    """Every setting of invoicebot; see the README's Configuration table."""

    # Errors name the setting and why, never the value given: it may be a token or a password.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True, hide_input_in_errors=True)

    #: Where the database (by default), stored documents, the drop folder and the outbox live.
    data_dir: Path = Path("var")
    #: SQLAlchemy URL; default: a SQLite file in the data dir. `postgresql+psycopg://...` scales out.
    database_url: str | None = None
    #: The business's time zone (IANA name): decides what "today" is for due dates and reminders.
    timezone: str = "UTC"
    #: Currency assumed when an invoice shows none, and of new outgoing invoices.
    currency: str = "EUR"
    #: Language of messages, e-mails and new outgoing invoices (en, de, fr, da).
    language: str = "en"
    log_level: str = "INFO"

    #: Languages tesseract reads scans in (tesseract's `-l`).
    ocr_languages: str = OCR_LANGUAGES
    #: Which OCR reads pictures: "both" (tesseract, and RapidOCR
    #: reads again a picture whose reading tesseract leaves in doubt, each field from the surer
    #: reading); "tesseract" alone; "auto" (RapidOCR alone for receipt-shaped pictures); "rapidocr".
    ocr_engine: OcrEngine = OCR_ENGINE
    #: Processes that read documents (PDF parsing, OCR) in parallel; 0 = one per CPU.
    workers: int = 0
    #: An incoming invoice with a field below this confidence goes to review instead of approval.
    review_confidence: float = Field(default=REVIEW_CONFIDENCE, ge=0, le=1)
    #: Largest document accepted, in bytes.
    max_document_bytes: int = 50 * 1024 * 1024
    #: Reading one document (parsing, OCR) is stopped after this many seconds.
    read_timeout_seconds: float = Field(default=60.0, gt=0)
    #: Memory one document's reader process may use, in MB.
    read_memory_mb: int = Field(default=2048, ge=256)
    #: Pages read of one PDF; later pages are left out with a warning.
    max_pages: int = Field(default=50, ge=1)

    #: Several `invoicebot run` on one PostgreSQL: how often a process tries to take over
    #: single-owner work (a mailbox, Telegram updates, the scheduler) and its owner checks it
    #: still holds it, in seconds. A dead owner's work is taken over within about this long.
    takeover_seconds: float = Field(default=5.0, gt=0, le=300)
    #: A running job is leased to its process for this long, renewed while it runs: a job of a
    #: process that died is taken up again (or marked unknown) after at most this many seconds.
    job_lease_seconds: float = Field(default=300.0, ge=3, le=86400)
    #: The drop folder leaves reading to the processes running the `readers` role: each file
    #: is stored and becomes a job, so reading capacity can be added on more machines.
    read_in_jobs: bool = False

    #: Amounts above this need a second approval by an admin (None: never).
    approvals_second_approval_over: Decimal | None = None
    #: Hours before a pending approval is re-sent once, then escalated to the admins.
    approvals_remind_after_hours: int = 24

    #: Seals every new audit event with HMAC-SHA256 under this key, so that whoever can write the
    #: database cannot rebuild the chain; keep it out of the database's reach.
    audit_key: SecretStr | None = None

    # --- issuing: the business's own details, printed on every invoice it issues ---
    seller_name: str | None = None
    #: Street lines of the postal address, one per line (or separated by ";"). When postcode
    #: and city are not set apart, the last line is read as "postcode city".
    seller_address: str | None = None
    seller_postcode: str | None = None
    seller_city: str | None = None
    #: ISO 3166-1 alpha-2 country code of the business.
    seller_country: str | None = None
    seller_vat_id: str | None = None
    seller_iban: str | None = None
    seller_bic: str | None = None
    seller_email: str | None = None
    #: The commercial register entry or company number (BT-30), e.g. "HRB 12345, Amtsgericht
    #: Berlin": invoices not subject to VAT (late fees) name the business by it (EN 16931 BR-O-02).
    seller_registration_id: str | None = None
    #: The national tax number (BT-32, "Steuernummer"), printed beside or instead of the VAT id.
    seller_tax_number: str | None = None
    #: A PNG, JPEG or SVG file printed at the top of every invoice.
    seller_logo: Path | None = None
    #: Number formats: `{year}` and `{seq}` (with a width, `{seq:04d}`) are filled in; numbers
    #: are gapless per format and year.
    invoice_number_format: str = "INV-{year}-{seq:04d}"
    credit_note_number_format: str = "CN-{year}-{seq:04d}"
    #: Days until an invoice is due when its customer has no terms of their own.
    payment_terms_days: int = Field(default=30, ge=0, le=3650)
    #: Days before an approved supplier invoice falls due (or its early-payment discount ends)
    #: that its approvers are reminded in chat.
    payables_remind_days: int = Field(default=3, ge=0, le=60)
    #: A folder whose templates (same names as the bundled ones) replace the bundled ones.
    templates_dir: Path | None = None
    #: Hour (0-23, business time zone) from which each person's daily chat digest is sent; off: none.
    digest_hour: int | None = 8

    # --- getting paid ---
    #: Reminder levels: DAYS:TEMPLATE[+fee][+task][+final], comma-separated, days from the due date.
    dunning_schedule: str = "-3:heads_up,7:reminder_1,14:reminder_2+fee,30:final_notice+task+final"
    #: The EU late-payment reference rate in percent (the ECB's main refinancing rate), for `eu` fees.
    late_fee_reference_rate: Decimal | None = None
    #: Points added to the reference rate for `eu` late fees (the Directive's minimum is 8).
    late_fee_margin: Decimal = Decimal(8)
    #: Days the "Hold" button of a reminder question and `/hold` postpone reminders by default.
    reminder_hold_days: int = Field(default=7, ge=1, le=365)

    # --- contacts import ---
    #: Our field -> the header of the export's column that holds it, for CRM exports whose headers
    #: are not the defaults: `[contacts_import.columns]` with `name = "Firma"` in the file, or
    #: `INVOICEBOT_CONTACTS_IMPORT_COLUMNS="name=Firma,vat_id=USt-IdNr."` in the environment.
    contacts_import_columns: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    #: How a CSV bank statement reads: `[statements.csv]` with `date = "Buchungstag"`, `amount`,
    #: `text = ["Verwendungszweck"]`... (see the README), or INVOICEBOT_STATEMENTS_CSV as JSON.
    statements_csv: dict[str, Any] = Field(default_factory=dict)

    # --- e-mail ---
    #: IMAP server of the invoice inbox; IMAP is on when this is set.
    imap_host: str | None = None
    #: Default: 993 for `ssl`, 143 otherwise.
    imap_port: int | None = None
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    #: `ssl` (implicit TLS), `starttls` or `none` (loopback and tests only).
    imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    #: PEM file of the CA(s) that sign the IMAP server's certificate, trusted instead of the
    #: system's CAs (a private CA); default: the system's trust store.
    imap_ca_file: Path | None = None
    imap_folder: str = "INBOX"
    #: Processed mail is moved here when set; otherwise it is flagged in place.
    imap_processed_folder: str | None = None
    #: Domains (`example.com`) or addresses accepted as senders; empty: everyone.
    imap_allowed_senders: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Largest mail fetched, in bytes; bigger ones are refused unread.
    imap_max_mail_bytes: int = 40 * 1024 * 1024
    #: Most attachments taken from one mail; the rest are refused.
    imap_max_attachments: int = 20
    #: Bytes of the header section of a mail, and of each of its parts; a mail over it is refused.
    imap_max_header_bytes: int = Field(default=64 * 1024, ge=4096)
    #: MIME parts in one mail (those of forwarded mails included); a mail with more is refused.
    imap_max_mime_parts: int = Field(default=500, ge=1)
    #: Levels of parts inside parts; a mail nested deeper is refused.
    imap_max_mime_depth: int = Field(default=20, ge=1, le=100)
    #: Seconds one mail may take (parsing, reading its attachments); attachments still unread
    #: when they are spent are refused with that reason, and what was read is kept.
    imap_mail_budget_seconds: float = Field(default=300.0, gt=0)
    #: The authserv-id the receiving mail server writes into `Authentication-Results`; when set,
    #: allow-listed senders must pass DMARC (or aligned SPF) in that server's header.
    imap_trusted_authserv_id: str | None = None
    #: SMTP server for outgoing mail; without it mails are written as .eml files to the outbox.
    smtp_host: str | None = None
    #: Default: 465 for `ssl`, 587 for `starttls`, 25 for `none`.
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    #: `ssl` (implicit TLS), `starttls` (required, never falls back to plain) or `none`.
    smtp_security: Literal["ssl", "starttls", "none"] = "starttls"
    #: Like `imap_ca_file`, for the SMTP server.
    smtp_ca_file: Path | None = None
    #: The From address of every mail invoicebot sends; its domain also ends the Message-IDs.
    mail_from: str = "invoicebot@localhost"
    #: Allow `security = "none"` (password and mail in clear) for an IMAP or SMTP host that is
    #: not loopback; without it such a setting is refused at start.
    allow_plaintext: bool = False

    # --- telegram ---
    #: The bot's token from @BotFather; the chat is on when this is set.
    telegram_token: SecretStr | None = None
    #: Bot API base URL (the token is appended); point it at a local Bot API server if you run one.
    telegram_api_url: str = "https://api.telegram.org/bot"
    #: Bot API file download base URL (the token is appended).
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    #: Public HTTPS URL Telegram posts updates to; long polling when unset.
    telegram_webhook_url: str | None = None
    #: Address and port the webhook server listens on (behind your TLS proxy).
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    #: Secret Telegram sends with every webhook call; a random one per start when unset.
    telegram_webhook_secret: SecretStr | None = None

    # --- HTTP API and webhooks ---
    #: Who may call the HTTP API: `name:scope[,scope]:token;...` (scopes read, write), or the
    #: table `[api.tokens.NAME]` with `scopes` and `token`; a token may be `sha256:<hex>` of
    #: itself. The API is on when at least one token is set.
    api_tokens: Annotated[tuple[ApiToken, ...], NoDecode] = ()
    #: Address and port the API listens on (behind your TLS proxy).
    api_listen: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    #: Requests per second each token may make on average, and in one burst (per process).
    api_rate_per_second: float = Field(default=10.0, gt=0)
    api_rate_burst: int = Field(default=40, ge=1)
    #: Endpoints told of invoice events: JSON or TOML `[[webhooks]]` with `url`, `secret` and
    #: optionally `events`, or `URL SECRET;URL SECRET`.
    webhooks: Annotated[tuple[WebhookEndpoint, ...], NoDecode] = ()
    #: Seconds a webhook endpoint has to answer before the delivery is tried again later.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _api_tokens(cls, value: object) -> object:
        try:
            return parse_tokens(value)  # type: ignore[arg-type]
        except InvalidTokens as e:
            raise ValueError(str(e)) from None

    @field_validator("webhooks", mode="before")
    @classmethod
    def _webhooks(cls, value: object) -> object:
        try:
            return parse_endpoints(value)
        except InvalidWebhooks as e:
            raise ValueError(str(e)) from None

    @field_validator("digest_hour", mode="before")
    @classmethod
    def _digest_hour(cls, value: object) -> int | None:
        from invoicing.digest_rules import parse_hour

        return parse_hour(value)

    @field_validator("imap_allowed_senders", mode="before")
    @classmethod
    def _sender_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(part).strip().lower() for part in value if str(part).strip()]
        return value

    @field_validator("contacts_import_columns", mode="before")
    @classmethod
    def _column_mapping(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [pair.partition("=") for pair in value.split(",") if pair.strip()]
            if any(not (field.strip() and eq and header.strip()) for field, eq, header in pairs):
                raise ValueError(f"contacts import columns: write field=Header,field=Header, not {value!r}")
            value = {field: header for field, _, header in pairs}
        if isinstance(value, dict):
            return {str(k).strip().lower().replace("-", "_"): str(v).strip() for k, v in value.items()}
        return value

    @field_validator("invoice_number_format", "credit_note_number_format")
    @classmethod
    def _number_format(cls, value: str) -> str:
        try:
            sample = value.format(year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"number format {value!r}: only {{year}} and {{seq}} can be filled in ({e})") from e
        if "{seq" not in value or sample == value.format(year=2026, seq=2) or len(sample) > 60:
            raise ValueError(f"number format {value!r} needs {{seq}} (and stays under 60 characters)")
        return value

    @field_validator("dunning_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from invoicing.dunning import DunningSchedule, InvalidSchedule

        try:
            return DunningSchedule.parse(value).to_text()
        except InvalidSchedule as e:
            raise ValueError(str(e)) from e

    @field_validator("seller_country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is not None and (len(value.strip()) != 2 or not value.strip().isalpha()):
            raise ValueError(f"seller country must be a two-letter ISO code such as DE, not {value!r}")
        return value.strip().upper() if value else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {value!r}") from e
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"currency must be an ISO 4217 code such as EUR, not {value!r}")
        return value.upper()

    def secrets(self) -> list[str]:
        """Return the secret values in force, so that logging can keep them out of every line."""
        found = [self.imap_password, self.smtp_password, self.telegram_token, self.telegram_webhook_secret,
                 self.audit_key]  # fmt: skip
        values = [s.get_secret_value() for s in found if s is not None and s.get_secret_value()]
        values += [endpoint.secret for endpoint in self.webhooks]
        password = _url_password(self.database_url)
        return values + ([password] if password else [])

    @property
    def audit_key_bytes(self) -> bytes | None:
        """Return the audit key as bytes, or None when none is set."""
        return self.audit_key.get_secret_value().encode() if self.audit_key else None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def database(self) -> str:
        """Return the database URL in force."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'invoicebot.sqlite3').as_posix()}"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))


class _TomlSource(PydanticBaseSettingsSource):
    """Settings from the TOML file named by INVOICEBOT_CONFIG (default ./invoicebot.toml)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._values = _read_toml(config_path())

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        known = self.settings_cls.model_fields
        return {k: v for k, v in self._values.items() if k in known}


def _url_password(url: str | None) -> str | None:
    """Return the password in a database URL (kept out of the logs like any secret), if any."""
    if not url:
        return None
    netloc = urllib.parse.urlsplit(url).netloc
    userinfo = netloc.rpartition("@")[0]
    if ":" not in userinfo:
        return None
    return urllib.parse.unquote(userinfo.partition(":")[2]) or None


def config_path() -> Path | None:
    """Return the configuration file in force, or None when there is none."""
    named = os.environ.get(ENV_PREFIX + "CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"INVOICEBOT_CONFIG names {path}, which does not exist")
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def _read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    return _flatten(raw)


#: Settings whose value is a table of its own (`[contacts_import.columns]`), kept whole.
_TABLE_SETTINGS = frozenset({"contacts_import_columns", "statements_csv", "api_tokens"})


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}".replace("-", "_").lower()
        if isinstance(value, dict) and name not in _TABLE_SETTINGS:
            flat.update(_flatten(value, name + "_"))
        else:
            flat[name] = value
    return flat


def load_settings(**overrides: Any) -> Settings:
    """Return the settings in force, with `overrides` winning over file and environment."""
    try:
        return Settings(**overrides)
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        raise ConfigError(str(e)) from e
