"""A fake Zalo Bot Platform API on 127.0.0.1 for offline tests.

It behaves as the Zalo Bot API is documented (https://bot.zaloplatforms.com/docs)::

    async with FakeZalo() as zalo:
        client = ZaloClient(zalo.token, zalo.base_url)
        zalo.push_text("u1", "tin mới")            # what the user types
        [reply] = await zalo.wait_for_messages("u1", 1)

* ``/bot<TOKEN>/<method>``, GET or POST, params from the query, a JSON or form body;
  another token -> 401;
* ``getUpdates`` returns **one** update object (no list, no offset), waiting up to
  ``timeout`` seconds, else HTTP 408 ``{"ok": false, "description": "Request timeout"}``;
* ``sendMessage``/``sendPhoto``: 400 for empty text or over 2,000 characters;
* faults on demand: 429 "Quota exceeded" (``quota_exceeded``, or a monthly
  ``quota``), 403 for a blocked chat, any status once (``fail_next``);
* webhook set/delete/info (404 when none); :func:`post_webhook` posts an update
  with (or without) the secret header, as Zalo does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

DEFAULT_TOKEN = "1234567890:FakeZaloSecretToken"
MAX_TEXT = 2000


@dataclass
class ZaloSent:
    """One message the bot sent."""

    chat_id: str
    text: str
    message_id: str
    kind: str = "text"  # text | photo
    photo: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class ZaloCall:
    method: str
    params: dict[str, Any]
    status: int


class FakeZalo:
    """The fake server.  ``start()``/``stop()`` or ``async with``."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, quota: int | None = None) -> None:
        self.token = token
        self.quota = quota  # messages accepted in total before 429 "Quota exceeded"
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.messages: list[ZaloSent] = []
        self.calls: list[ZaloCall] = []
        self.actions: list[tuple[str, str]] = []
        self.webhook: dict[str, Any] | None = None
        self._ids = itertools.count(1)
        self._quota_errors = 0
        self._blocked: set[str] = set()
        self._fail_next: list[tuple[int, str]] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeZalo:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeZalo:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the user side -----------------------------------------------------------------

    def make_update(
        self,
        chat_id: str,
        text: str | None = None,
        *,
        event: str = "message.text.received",
        user_id: str | None = None,
        display_name: str = "Nguyễn Văn An",
        chat_type: str = "PRIVATE",
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """An update as Zalo sends it (``date`` in milliseconds, ids as strings)."""
        message: dict[str, Any] = {
            "from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": chat_type},
            "message_id": message_id or f"m{next(self._ids)}",
            "date": int(time.time() * 1000),
        }
        if text is not None:
            message["text"] = text
        if event == "message.image.received":
            message["photo"] = "https://example.invalid/photo.jpg"
        if event == "message.sticker.received":
            message["sticker"] = "sticker-1"
        return {"event_name": event, "message": message}

    def push_update(self, update: dict[str, Any], *, repeat: int = 1) -> str:
        """Queue an update for ``getUpdates`` (``repeat`` > 1: Zalo delivering it again)."""
        for _ in range(repeat):
            self.updates.put_nowait(update)
        return str(update["message"]["message_id"])

    def push_text(self, chat_id: str, text: str, *, repeat: int = 1, **kwargs: Any) -> str:
        return self.push_update(self.make_update(chat_id, text, **kwargs), repeat=repeat)

    # --- faults ------------------------------------------------------------------------

    def quota_exceeded(self, count: int = 1) -> None:
        """The next ``count`` sends answer 429 "Quota exceeded"."""
        self._quota_errors += count

    def block(self, chat_id: str) -> None:
        self._blocked.add(str(chat_id))

    def fail_next(self, status: int, description: str = "Internal Server Error") -> None:
        self._fail_next.append((status, description))

    # --- what the bot did ----------------------------------------------------------------

    def sent(self, chat_id: str | None = None) -> list[ZaloSent]:
        return [m for m in self.messages if chat_id is None or m.chat_id == str(chat_id)]

    def calls_to(self, method: str) -> list[ZaloCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_messages(
        self, chat_id: str, count: int, timeout: float = 5.0
    ) -> list[ZaloSent]:
        """At least ``count`` messages to the chat, or AssertionError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.sent(chat_id)
            if len(got) >= count:
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                texts = [m.text[:80] for m in got]
                raise AssertionError(f"{chat_id}: {len(got)} of {count} messages: {texts}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.1))

    # --- the API -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        if request.match_info["token"] != self.token:
            return self._reply(method, params, 401, error="Unauthorized")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._reply(method, params, 404, error="Method not found")
        if method in ("sendMessage", "sendPhoto", "sendChatAction") and self._fail_next:
            status, description = self._fail_next.pop(0)
            return self._reply(method, params, status, error=description)
        return await handler(method, params)

    def _reply(
        self, method: str, params: dict[str, Any], status: int, *, result: Any = None, error=""
    ) -> web.Response:
        self.calls.append(ZaloCall(method, params, status))
        self._changed.set()
        if status == 200:
            return web.json_response({"ok": True, "result": result})
        body = {"ok": False, "error_code": status, "description": error}
        return web.json_response(body, status=status)

    async def _api_getMe(self, method: str, params: dict[str, Any]) -> web.Response:
        me = {
            "id": self.token.split(":")[0],
            "account_name": "Bot Công đoàn",
            "account_type": "BASIC",
            "can_join_groups": True,
        }
        return self._reply(method, params, 200, result=me)

    async def _api_getUpdates(self, method: str, params: dict[str, Any]) -> web.Response:
        if self.webhook is not None:
            return self._reply(method, params, 400, error="Webhook is active")
        try:
            timeout = float(params.get("timeout", 30))
        except (TypeError, ValueError):
            return self._reply(method, params, 400, error="Bad timeout")
        try:
            update = await asyncio.wait_for(self.updates.get(), max(timeout, 0.0))
        except TimeoutError:
            return self._reply(method, params, 408, error="Request timeout")
        return self._reply(method, params, 200, result=update)

    def _check_send(self, method: str, params: dict[str, Any], text: str) -> web.Response | None:
        chat_id = str(params.get("chat_id") or "")
        if not chat_id:
            return self._reply(method, params, 400, error="chat_id is required")
        if chat_id in self._blocked:
            return self._reply(method, params, 403, error="Forbidden: user blocked the bot")
        if len(text) > MAX_TEXT:
            return self._reply(method, params, 400, error="Text is too long (max 2000)")
        if self._quota_errors > 0:
            self._quota_errors -= 1
            return self._reply(method, params, 429, error="Quota exceeded")
        if self.quota is not None and len(self.messages) >= self.quota:
            return self._reply(method, params, 429, error="Quota exceeded")
        return None

    async def _api_sendMessage(self, method: str, params: dict[str, Any]) -> web.Response:
        text = str(params.get("text") or "")
        if not text:
            return self._reply(method, params, 400, error="text is required")
        error = self._check_send(method, params, text)
        if error is not None:
            return error
        sent = ZaloSent(str(params["chat_id"]), text, f"s{next(self._ids)}")
        self.messages.append(sent)
        result = {"message_id": sent.message_id, "date": int(time.time() * 1000)}
        return self._reply(method, params, 200, result=result)

    async def _api_sendPhoto(self, method: str, params: dict[str, Any]) -> web.Response:
        photo = str(params.get("photo") or "")
        if not photo.startswith(("http://", "https://")):
            return self._reply(method, params, 400, error="photo must be a URL")
        caption = str(params.get("caption") or "")
        error = self._check_send(method, params, caption)
        if error is not None:
            return error
        sent = ZaloSent(str(params["chat_id"]), caption, f"s{next(self._ids)}", "photo", photo)
        self.messages.append(sent)
        result = {"message_id": sent.message_id, "date": int(time.time() * 1000)}
        return self._reply(method, params, 200, result=result)

    async def _api_sendChatAction(self, method: str, params: dict[str, Any]) -> web.Response:
        if params.get("action") not in ("typing", "upload_photo"):
            return self._reply(method, params, 400, error="Bad action")
        self.actions.append((str(params.get("chat_id")), str(params["action"])))
        return self._reply(method, params, 200, result=True)

    async def _api_setWebhook(self, method: str, params: dict[str, Any]) -> web.Response:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            return self._reply(method, params, 400, error="url must be https")
        if not 8 <= len(secret) <= 256:
            return self._reply(method, params, 400, error="secret_token must be 8-256 chars")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": int(time.time() * 1000)}
        return self._reply(method, params, 200, result={"url": url})

    async def _api_deleteWebhook(self, method: str, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return self._reply(method, params, 200, result=True)

    async def _api_getWebhookInfo(self, method: str, params: dict[str, Any]) -> web.Response:
        if self.webhook is None:
            return self._reply(method, params, 404, error="Webhook not found")
        info = {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}
        return self._reply(method, params, 200, result=info)


async def _params(request: web.Request) -> dict[str, Any]:
    """Query parameters, then a JSON or form body (Zalo accepts all of them)."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            params.update(body)
    else:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


async def post_webhook(url: str, update: dict[str, Any], secret: str | None) -> int:
    """POST an update to the bot's webhook as Zalo does; returns the HTTP status."""
    headers = {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}
    body = {"ok": True, "result": update}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as response,
    ):
        await response.read()
        return response.status
