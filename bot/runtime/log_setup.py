"""Structured logs for every command, with bot tokens never written out.

One line per event: ``key=value`` pairs (``ts level logger msg`` then any
``key=value`` found in the message and any ``extra=`` fields), or one JSON
object per line with ``--log-json``.  ``send chat=42 outbox=7 outcome=sent``
in a message becomes fields ``chat``, ``outbox``, ``outcome`` in JSON, so a
log pipeline can filter on a chat or a message id.

Redaction is a filter on the *handler*, so it sees every record whatever
logger made it (httpx and httpcore log request URLs, and Bot API URLs carry
the token): the message, its arguments, the traceback and the stack are
cleaned before any formatter runs.  It removes Telegram-shaped tokens
(``123456:AA…`` with 30+ characters after the colon) and the exact values of
``TELEGRAM_BOT_TOKEN`` and ``ZALO_BOT_TOKEN``, also URL-encoded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import quote

# Every secret the bot reads: PTB logs setWebhook's parameters at debug level.
TOKEN_ENVS = (
    "TELEGRAM_BOT_TOKEN",
    "ZALO_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "ZALO_WEBHOOK_SECRET",
)
MASK = "<redacted>"
HANDLER_NAME = "congdoan-bot"
TELEGRAM_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_FIELD = re.compile(r"(?<![\w.])([a-z_][a-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s,;]+)")
# Attributes every LogRecord has: anything else came from ``extra=`` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class TokenRedactor(logging.Filter):
    """Replaces bot tokens in every record that passes through the handler."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("token-redactor")
        self.secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        secret = secret.strip()
        if len(secret) >= 6:  # a short value would mask ordinary words
            self.secrets.update({secret, quote(secret, safe="")})

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return TELEGRAM_TOKEN.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            # The traceback is kept as text only: a formatter must not render the
            # original exception again (its message may hold the token).
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class QuietBadJson(logging.Filter):
    """python-telegram-bot logs an API answer that is not JSON (a proxy's HTML error
    page, a wrong base URL) at ERROR with a traceback, before raising an error
    that we log ourselves: keep it as one short warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram.request") and str(record.msg).startswith(
            "Can not load invalid JSON data"
        ):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "Bot API answered something that is not JSON", ()
            record.exc_info = record.exc_text = None
        return True


def _quoted(value: object) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class KeyValueFormatter(logging.Formatter):
    """``ts=… level=info logger=bot.delivery.sender msg="…" key=value …`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"ts={_timestamp(record)}",
            f"level={record.levelname.lower()}",
            f"logger={record.name}",
            f"msg={_quoted(record.getMessage())}",
        ]
        parts += [f"{k}={_quoted(v)}" for k, v in _extras(record).items()]
        if record.exc_text:
            parts.append(f"exc={_quoted(record.exc_text)}")
        elif record.exc_info:
            parts.append(f"exc={_quoted(self.formatException(record.exc_info))}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``key=value`` pairs of the message become fields."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        event: dict[str, object] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": message,
        }
        for key, value in _FIELD.findall(message):
            if key not in event:
                event[key] = value.strip("\"'")
        for key, value in _extras(record).items():
            event[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_text:
            event["exc"] = record.exc_text
        elif record.exc_info:
            event["exc"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


def setup_logging(
    verbose: int = 0,
    *,
    json_lines: bool = False,
    daemon: bool = False,
    stream: TextIO | None = None,
    env: dict[str, str] | None = None,
) -> TokenRedactor:
    """Configure the root logger for a command; returns the redactor (add secrets to it).

    ``daemon``: a long-running command (``run``, ``worker``) logs INFO by default,
    a one-shot command only warnings.  httpx/httpcore stay at WARNING below
    ``-vv`` (they log one line per request)."""
    env = dict(os.environ) if env is None else env
    if daemon:
        level = logging.DEBUG if verbose >= 2 else logging.INFO
    else:
        level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    redactor = TokenRedactor(env.get(name, "") for name in TOKEN_ENVS)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(QuietBadJson())
    handler.addFilter(redactor)
    handler.setFormatter(JsonFormatter() if json_lines else KeyValueFormatter())
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):  # ours from an earlier call; others' (pytest) are kept
        if old.get_name() == HANDLER_NAME:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    chatty = logging.DEBUG if verbose >= 2 else logging.WARNING
    for name in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "alembic"):
        logging.getLogger(name).setLevel(chatty)
    return redactor
