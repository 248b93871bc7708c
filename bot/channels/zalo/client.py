"""A small async client for the Zalo Bot Platform (``bot-api.zaloplatforms.com``).

Same URL scheme as Telegram (``/bot<TOKEN>/<method>``, envelope
``{ok, result, description, error_code}``) but: one update per ``getUpdates``
and no offset, HTTP 408 "Request timeout" when nothing arrived, messages of
at most 2,000 characters, string ids, no keyboards or edits
(Zalo Bot Platform documentation, https://bot.zaloplatforms.com/docs).  We do not use python-zalo-bot: its
webhook helpers call ``asyncio.run`` and it treats the idle 408 as an error.

Errors are the sender's channel-neutral ones (:mod:`bot.delivery.sender`), so the
outbox treats Zalo like Telegram.  The token is part of every URL: httpx
logs URLs at INFO, so a filter on the ``httpx`` logger redacts it, and no
message of ours ever contains the URL.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

import httpx

from bot.delivery.transport import Permanent, RateLimited, RecipientGone, Transient

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000
QUOTA_RETRY_AFTER = 3600.0  # Zalo's 429 says "Quota exceeded" and nothing about when


class InvalidToken(Permanent):
    """HTTP 401: the bot token is wrong or was reset (configuration, not a message's fault)."""


class _Redactor(logging.Filter):
    """Replaces every known bot token in a log record by ``<token>``."""

    def __init__(self) -> None:
        super().__init__("zalo-token-redactor")
        self.tokens: set[str] = set()

    def redact(self, text: str) -> str:
        for token in self.tokens:
            text = text.replace(token, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.tokens:
            message = record.getMessage()
            clean = self.redact(message)
            if clean != message:
                record.msg, record.args = clean, ()
        return True


_REDACTOR = _Redactor()


def protect_token(token: str) -> None:
    """Never let ``token`` reach the logs of httpx/httpcore (they log request URLs)."""
    if not token:
        return
    _REDACTOR.tokens.add(token)
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


def text_length(text: str) -> int:
    """Characters as Zalo counts them (NFC: decomposed Vietnamese would count double)."""
    return len(unicodedata.normalize("NFC", text))


class ZaloClient:
    """Async Zalo Bot API client on httpx.  Use as ``async with`` or call :meth:`aclose`."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 35.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required (ZALO_BOT_TOKEN)")
        protect_token(token)
        self._token = token
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:  # never show the token, even in a traceback's locals
        return f"ZaloClient(base_url={self._base!r})"

    # --- the methods -----------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        """``{id, account_name, account_type, can_join_groups}``."""
        return await self._call("getMe", {})

    async def get_update(self, timeout: float = 30) -> dict[str, Any] | None:
        """Wait up to ``timeout`` s for one update; None when none came (HTTP 408)."""
        try:
            return await self._call(
                "getUpdates", {"timeout": int(timeout)}, http_timeout=timeout + 10.0
            )
        except _Idle:
            return None

    async def send_message(self, chat_id: str, text: str) -> str:
        """Send plain text (1–2,000 characters, sent as NFC); returns Zalo's message id."""
        text = unicodedata.normalize("NFC", text)
        length = len(text)
        if not text.strip() or length > MAX_TEXT:
            raise ValueError(f"a Zalo message has 1 to {MAX_TEXT} characters, not {length}")
        result = await self._call("sendMessage", {"chat_id": chat_id, "text": text})
        return _message_id(result)

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> str:
        """Send a photo by URL with an optional caption (≤ 2,000 characters)."""
        caption = unicodedata.normalize("NFC", caption)
        if len(caption) > MAX_TEXT:
            raise ValueError(f"a Zalo caption has at most {MAX_TEXT} characters")
        params = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _message_id(await self._call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> bool:
        await self._call("sendChatAction", {"chat_id": chat_id, "action": action})
        return True

    async def set_webhook(self, url: str, secret_token: str) -> bool:
        """Updates go to ``url`` with header ``X-Bot-Api-Secret-Token`` (8–256 chars)."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the webhook secret has 8 to 256 characters")
        await self._call("setWebhook", {"url": url, "secret_token": secret_token})
        return True

    async def delete_webhook(self) -> bool:
        await self._call("deleteWebhook", {})
        return True

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """The webhook (``{url, updated_at}``), or None when none is set (HTTP 404)."""
        try:
            return await self._call("getWebhookInfo", {})
        except _NotFound:
            return None

    # --- transport ---------------------------------------------------------------------

    async def _call(
        self, method: str, params: dict[str, Any], *, http_timeout: float | None = None
    ) -> Any:
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            response = await self._http.post(
                url, json=params, timeout=http_timeout or self._timeout
            )
        except httpx.TimeoutException as exc:
            if method == "getUpdates":
                raise _Idle from None  # our own read timeout on a long poll: nothing came
            raise Transient(f"Zalo {method}: timed out") from exc
        except httpx.HTTPError as exc:  # connection refused, reset, DNS...
            raise Transient(f"Zalo {method}: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        status = response.status_code
        if status == 200 and body.get("ok") is True:
            return body.get("result")
        code = int(body.get("error_code") or (status if status != 200 else 400))
        description = _REDACTOR.redact(str(body.get("description") or response.reason_phrase))
        raise _error(method, code, description, body)


class _Idle(Exception):
    """getUpdates found nothing (408): not an error for the caller."""


class _NotFound(Permanent):
    """HTTP 404 (e.g. getWebhookInfo without a webhook)."""


def is_not_found(exc: BaseException) -> bool:
    """An HTTP 404 answer: from ``getMe`` it means the token names no bot."""
    return isinstance(exc, _NotFound)


def _error(method: str, code: int, description: str, body: dict[str, Any]) -> Exception:
    """Map a Zalo error onto the sender's neutral errors."""
    what = f"Zalo {method} {code}: {description}"
    if code == 408:
        return _Idle() if method == "getUpdates" else Transient(what)
    if code == 401:
        return InvalidToken(f"{what} — the bot token was refused; check ZALO_BOT_TOKEN")
    if code == 403:
        return RecipientGone(what)
    if code == 404:
        return _NotFound(what)
    if code == 429:
        params = body.get("parameters") or {}
        retry = params.get("retry_after") if isinstance(params, dict) else None
        return RateLimited(float(retry or QUOTA_RETRY_AFTER), scope="channel")
    if code >= 500:
        return Transient(what)
    return Permanent(what)


def _message_id(result: Any) -> str:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return ""
