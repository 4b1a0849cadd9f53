"""A fake Telegram Bot API server on loopback: the subset the bot uses, over real HTTP.

Tests point python-telegram-bot at it (`base_url`, `base_file_url`), inject updates (messages,
documents, button presses) and read what the bot sent. Long polling is real: `getUpdates`
waits until an update arrives or its timeout passes.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TOKEN = "123456:TEST-token-that-must-never-be-logged"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Invoicebot", "username": "invoicebot_test_bot"}
_RAW_KEYS = frozenset({"text", "caption", "callback_query_id", "file_id", "url", "secret_token", "parse_mode"})


@dataclass
class Call:
    """One Bot API call the bot made: the method, its parameters and any uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Return (label, callback data) of the inline buttons sent with this call."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


class FakeTelegram:
    """The fake server: start it, build the bot against `base_url`, inject updates, read `calls`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.file_sizes: dict[str, int] = {}
        #: Method name -> how many of the next calls answer 429 Too Many Requests.
        self.throttle: dict[str, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what tests do ---------------------------------------------------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _message(self, user_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"}, "from": self._user(user_id), **content,
        }  # fmt: skip

    async def _push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        async with self._changed:
            self._updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    async def send_text(self, user_id: int, text: str) -> int:
        """Inject a text message (a command when it starts with /) from a user's private chat."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self._push({"message": self._message(user_id, **content)})

    def add_file(self, data: bytes, size: int | None = None) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        self.file_sizes[file_id] = len(data) if size is None else size
        return file_id

    async def send_document(
        self, user_id: int, data: bytes, filename: str, mime_type: str, *,
        size: int | None = None, media_group_id: str | None = None,
    ) -> int:  # fmt: skip
        """Inject a document sent (or forwarded) to the bot; `size` may claim more than is there."""
        file_id = self.add_file(data, size)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                    "mime_type": mime_type, "file_size": self.file_sizes[file_id]}  # fmt: skip
        extra = {"media_group_id": media_group_id} if media_group_id else {}
        return await self._push({"message": self._message(user_id, document=document, **extra)})

    async def send_photo(self, user_id: int, data: bytes) -> int:
        file_id = self.add_file(data)
        sizes = [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 800, "height": 1100,
                  "file_size": len(data)}]  # fmt: skip
        return await self._push({"message": self._message(user_id, photo=sizes)})

    async def press(self, user_id: int, call: Call, label: str) -> int:
        """Inject a press of the button `label` on the message a call sent."""
        data = dict(call.buttons)[label]
        message = call.result if isinstance(call.result, dict) else {}
        query = {"id": f"cq{next(self._update_ids)}", "from": self._user(user_id), "chat_instance": "ci",
                 "data": data, "message": message}  # fmt: skip
        return await self._push({"callback_query": query})

    async def press_data(self, user_id: int, data: str, chat_id: int) -> int:
        """Inject a press carrying arbitrary callback data (a forged or stale button)."""
        message = self._message(chat_id, text="(old message)")
        message["from"] = BOT_USER
        query = {"id": f"cq{next(self._update_ids)}", "from": self._user(user_id), "chat_instance": "ci",
                 "data": data, "message": message}  # fmt: skip
        return await self._push({"callback_query": query})

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if (method is None or c.method == method)
                and (chat_id is None or c.chat_id == chat_id)]  # fmt: skip

    async def wait_for(self, predicate: Callable[[Call], bool], *, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Return the first `count` calls matching `predicate`, waiting for them up to `timeout` s."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                found = [c for c in self.calls if predicate(c)]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.params.get("text") or c.params.get("caption")) for c in self.calls]
                    raise AssertionError(f"no {count} matching call(s) within {timeout} s; calls: {seen}")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    pass

    async def wait_for_text(self, chat_id: int, fragment: str, timeout: float = 10.0) -> Call:
        """Return the first message or edit to `chat_id` whose text contains `fragment`."""
        def match(c: Call) -> bool:
            text = c.params.get("text") or c.params.get("caption") or ""
            return c.chat_id == chat_id and fragment in text

        return (await self.wait_for(match, timeout=timeout))[0]

    # --- the Bot API ----------------------------------------------------------------------------

    async def _api(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> tuple[int, dict[str, Any]]:
        if self.throttle.get(method):
            self.throttle[method] -= 1
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}}  # fmt: skip
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        handler = _METHODS.get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        call = Call(method, params, files)
        call.result = handler(self, params)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return 200, {"ok": True, "result": call.result}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._updates)), timeout)
                except TimeoutError:
                    pass
            return list(self._updates)

    def _sent_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER, **content}  # fmt: skip
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent_message(params, text=params.get("text", ""))

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "sent-photo", "file_unique_id": "sp", "width": 100, "height": 140}]
        return self._sent_message(params, photo=photo, caption=params.get("caption", ""))

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": "sent-doc", "file_unique_id": "sd", "file_name": "document"}
        return self._sent_message(params, document=document, caption=params.get("caption", ""))

    def _edit(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._sent_message(params, text=params.get("text", ""))
        message["message_id"] = int(params["message_id"])
        return message

    def _edit_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the edited message as Telegram does: as it was, with the new keyboard (or none)."""
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        before = next((c.result for c in reversed(self.calls) if isinstance(c.result, dict)
                       and c.result.get("message_id") == message_id and c.result["chat"]["id"] == chat_id), None)  # fmt: skip
        message = {k: v for k, v in (before or self._edit(params)).items() if k != "reply_markup"}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _edit_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "sent-photo", "file_unique_id": "sp", "width": 100, "height": 140}]
        message = self._sent_message(params, photo=photo, caption=params.get("caption", ""))
        message["message_id"] = int(params["message_id"])
        return message

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params["file_id"]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": self.file_sizes.get(file_id, 0),
                "file_path": f"documents/{file_id}"}  # fmt: skip

    # --- HTTP ------------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                verb, target, _ = request_line.split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines if ":" in h)}
                body = await _read_body(reader, headers)
                status, payload, kind = await self._route(verb, target, headers, body)
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _route(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
        file_prefix = f"/file/bot{self.token}/documents/"
        if path.startswith(file_prefix):
            data = self.files.get(path[len(file_prefix):])
            return (200, data, "application/octet-stream") if data is not None else (404, b"", "text/plain")
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode(), "application/json"
        params, files = _parse_form(headers.get("content-type", ""), body)
        status, answer = await self._api(path[len(prefix):], params, files)
        return status, json.dumps(answer).encode(), "application/json"


def _ok(_: FakeTelegram, __: dict[str, Any]) -> bool:
    return True


_METHODS: dict[str, Callable[[FakeTelegram, dict[str, Any]], Any]] = {
    "getMe": lambda fake, params: BOT_USER,
    "deleteWebhook": _ok,
    "setWebhook": _ok,
    "setMyCommands": _ok,
    "answerCallbackQuery": _ok,
    "sendMessage": FakeTelegram._send_message,
    "sendPhoto": FakeTelegram._send_photo,
    "sendDocument": FakeTelegram._send_document,
    "editMessageText": FakeTelegram._edit,
    "editMessageReplyMarkup": FakeTelegram._edit_markup,
    "editMessageCaption": FakeTelegram._edit_caption,
    "getFile": FakeTelegram._get_file,
}


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    return await reader.readexactly(int(headers.get("content-length", "0")))


def _value(key: str, raw: str) -> Any:
    if key in _RAW_KEYS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parse_form(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = payload
            else:
                params[name] = _value(name, payload.decode())
        return params, files
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}"), {}
    pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
    return {k: _value(k, v) for k, v in pairs}, {}


# --- the bot against the fake server, for tests -----------------------------------------------


@dataclass
class BotHarness:
    """The real Application wired to a test database and the fake server."""

    fake: FakeTelegram
    channel: Any  # bot.telegram.TelegramChannel
    db: Any
    clock: Any
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def run_jobs(self) -> int:
        """Run due jobs with the bot's handlers until none is left; return how many ran."""
        from invoicing import jobs

        total = 0
        while ran := await jobs.run_due(self.db, self.clock, self.channel.job_handlers(), "test"):
            total += ran
        return total


async def start_bot(
    db: Any, clock: Any, store: Any, reader: Any, data_dir: Any, fake: FakeTelegram | None = None,
    services: dict[str, Any] | None = None, **settings: Any,
) -> BotHarness:
    """Start the fake server (unless given) and the bot polling it; stop them with `stop_bot`."""
    from bot.telegram import TelegramChannel
    from bot.telegram.services import ChatServices
    from intake.pipeline import Intake
    from invoicing.config import Settings
    from invoicing.receiving import ReceivingPolicy

    if fake is None:
        fake = FakeTelegram()
        await fake.start()
    config = Settings(
        data_dir=data_dir, telegram_token=fake.token, telegram_api_url=fake.base_url,
        telegram_file_url=fake.base_file_url, **settings,
    )  # fmt: skip
    intake = Intake(db, clock, store, reader, ReceivingPolicy(), config.max_document_bytes)
    channel = TelegramChannel(ChatServices(db, clock, store, intake, config, **(services or {})))
    await channel.start()
    harness = BotHarness(fake, channel, db, clock)
    harness.task = asyncio.create_task(channel.receive_updates(harness.stop))
    return harness


async def stop_bot(harness: BotHarness, *, keep_server: bool = False) -> None:
    harness.stop.set()
    if harness.task is not None:
        await harness.task
    await harness.channel.close()
    if not keep_server:
        await harness.fake.stop()
