"""The Telegram implementation of :class:`bot.delivery.transport.Transport`, on a PTB ``Bot``.

It maps python-telegram-bot's exceptions onto the sender's channel-neutral
errors.  PTB classifies by HTTP status and ``parameters`` and strips
"Bad Request: " from descriptions (its ``request/_baserequest.py``), so the
400 cases are told apart by their text, case-insensitively.
"""

from __future__ import annotations

import json
import logging
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.transport import (
    BadMarkup,
    ChatMoved,
    Permanent,
    RateLimited,
    RecipientGone,
    Transient,
)

# 400 descriptions meaning the chat is gone for good.
_GONE = ("chat not found", "peer_id_invalid", "user not found", "chat_write_forbidden")
# 400 descriptions meaning our markup was refused.
_MARKUP = ("can't parse entities", "unsupported start tag", "unclosed", "unmatched end tag")


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whichever form (int or timedelta) PTB hands out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int form is deprecated since v22.2
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(buttons_json: str | None) -> InlineKeyboardMarkup | None:
    """``[[{"text", "url"|"data"}]]`` -> an inline keyboard."""
    if not buttons_json:
        return None
    rows = json.loads(buttons_json)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b["text"], url=b["url"])
                if b.get("url")
                else InlineKeyboardButton(b["text"], callback_data=b.get("data") or b["text"])
                for b in row
            ]
            for row in rows
        ]
    )


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class TelegramTransport:
    """Sends outbox messages with a PTB ``Bot`` (usually ``application.bot``)."""

    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # httpx logs every request URL at INFO, and Telegram URLs carry the token.
        httpx_log = logging.getLogger("httpx")
        if httpx_log.level == logging.NOTSET:
            httpx_log.setLevel(logging.WARNING)

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        html: bool,
        buttons_json: str | None,
        silent: bool,
        preview_url: str | None = None,
    ) -> str:
        preview = (
            LinkPreviewOptions(url=preview_url)
            if preview_url
            else LinkPreviewOptions(is_disabled=True)
        )
        try:
            message = await self.bot.send_message(
                chat_id=_chat(chat_id),
                text=text,
                parse_mode=ParseMode.HTML if html else None,
                reply_markup=keyboard(buttons_json),
                disable_notification=silent,
                link_preview_options=preview,
            )
        except RetryAfter as exc:
            raise RateLimited(retry_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(str(exc.new_chat_id)) from exc
        except Forbidden as exc:
            raise RecipientGone(exc.message) from exc
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            text_l = exc.message.lower()
            if any(m in text_l for m in _GONE):
                raise RecipientGone(exc.message, final=True) from exc
            if any(m in text_l for m in _MARKUP):
                raise BadMarkup(exc.message) from exc
            raise Permanent(exc.message) from exc
        except (InvalidToken, Conflict) as exc:
            # Configuration trouble, not this message's fault: keep it and retry later.
            raise Transient(f"{type(exc).__name__}: {exc.message}") from exc
        except NetworkError as exc:  # 5xx, timeouts, connection errors
            raise Transient(exc.message) from exc
        except TelegramError as exc:
            raise Transient(exc.message) from exc
        return str(message.message_id)
