"""Operator commands that talk to chat: ``run``, ``worker``, ``digest --now``, ``send-test``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from datetime import UTC, datetime

from bot.config import Config
from storage import chats as store_chats
from storage import leader
from storage.db import Database, open_database

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"

log = logging.getLogger("congdoan-bot")


def _token() -> str | None:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(
            f"congdoan-bot: set {TOKEN_ENV} (the token from @BotFather) to talk to Telegram; "
            "`congdoan-bot demo` runs without one.",
            file=sys.stderr,
        )
        return None
    return token


def _channel_tokens():  # type: ignore[no-untyped-def]
    """Both channels' tokens; None (after saying how) when neither is set."""
    from bot.runtime.roles import Tokens

    tokens = Tokens.from_env()
    if tokens.telegram is None and tokens.zalo is None:
        print(
            f"congdoan-bot: set {TOKEN_ENV} (the token from @BotFather) and/or ZALO_BOT_TOKEN "
            "(Zalo Bot Platform) to talk to chat; `congdoan-bot demo` runs without one.",
            file=sys.stderr,
        )
        return None
    return tokens


def _until_signal(main):  # type: ignore[no-untyped-def]
    """Run ``main(stop)`` until it returns; SIGTERM/SIGINT set ``stop`` (a clean stop)."""

    async def runner():  # type: ignore[no-untyped-def]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await main(stop)

    return asyncio.run(runner())


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Hold the scheduler (chat, ingest rounds, digests, reminders, delivery) or stand by."""
    from bot.runtime.roles import process_id, run_roles

    tokens = _channel_tokens()
    if tokens is None:
        return 2
    db = open_database(config.database_url)
    holder = process_id("run")
    return _token_checked(lambda stop: run_roles(config, db, tokens, stop, holder_id=holder))


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    """Deliver the outbox only (any number of workers share it)."""
    from bot.runtime.roles import process_id, run_worker

    port = getattr(args, "metrics_port", None)
    if port is not None and not 0 < port < 65536:
        print(f"congdoan-bot: --metrics-port must be from 1 to 65535, not {port}", file=sys.stderr)
        return 2
    tokens = _channel_tokens()
    if tokens is None:
        return 2
    db = open_database(config.database_url)
    worker_id = args.id or process_id("worker")
    listen = (args.metrics_host, port) if port is not None else None
    return _token_checked(
        lambda stop: run_worker(config, db, tokens, stop, worker_id=worker_id, metrics=listen)
    )


def _token_checked(main) -> int:  # type: ignore[no-untyped-def]
    """Run a daemon until a signal: 0; a token the chat API refused: one line and 2."""
    from bot.runtime.roles import TokenRejected

    try:
        _until_signal(main)
    except TokenRejected as exc:
        # Through the redacting log handler: the API's description is quoted.
        log.error("%s", exc, extra={"channel": exc.channel, "variable": exc.env})
        return 2
    return 0


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    """Queue today's digest now (for every chat with stories waiting, or one chat) and send it."""
    from bot.delivery.digest import enqueue_digest

    if not args.now:
        print("congdoan-bot: digests are sent by `run` at each chat's hour; use --now to send one now",
              file=sys.stderr)  # fmt: skip
        return 2
    token = _token()
    if token is None:
        return 2
    db = open_database(config.database_url)
    now = datetime.now(UTC)
    with db.read() as s:
        only = str(args.chat) if args.chat is not None else None
        chats = store_chats.active_chat_pks(s, "telegram", chat_id=only)
    if args.chat is not None and not chats:
        print(f"congdoan-bot: no active Telegram chat {args.chat}", file=sys.stderr)
        return 1
    queued = sum(
        enqueue_digest(db, pk, now.astimezone(config.tz).date(), config, now=now) for pk in chats
    )
    holder = leader.current_holder(db)
    if holder is not None and holder.alive:
        # A second sender here would pace itself apart from the bot's (on SQLite) and
        # send digests ahead of officers' replies: the running bot sends them.
        print(f"Digest: {queued} messages queued for {len(chats)} chats; "
              f"the running bot ({holder.holder}) sends them in its pace.")  # fmt: skip
        return 0
    sent = asyncio.run(_drain(config, db, token))
    print(f"Digest: {queued} messages queued for {len(chats)} chats, {sent} sent.")
    return 0


async def _drain(config: Config, db: Database, token: str, timeout: float = 600.0) -> int:
    from telegram import Bot

    from bot.channels.telegram.transport import TelegramTransport
    from bot.delivery.sender import OutboxSender

    base_url = config.telegram.base_url or "https://api.telegram.org/bot"
    async with Bot(token, base_url=base_url) as bot:
        sender = OutboxSender(db, {"telegram": TelegramTransport(bot)}, config)
        return await sender.drain(timeout)


def cmd_send_test(args: argparse.Namespace, config: Config) -> int:
    """Send one plain message to a chat id, and say what Telegram answered."""
    from bot.channels.telegram.transport import TelegramTransport
    from bot.delivery.transport import ChatMoved, Permanent, RateLimited, RecipientGone, Transient

    token = _token()
    if token is None:
        return 2

    async def send() -> str:
        from telegram import Bot

        base_url = config.telegram.base_url or "https://api.telegram.org/bot"
        async with Bot(token, base_url=base_url) as bot:
            return await TelegramTransport(bot).send(
                str(args.chat), args.text, html=False, buttons_json=None, silent=False
            )

    try:
        message_id = asyncio.run(send())
    except (RecipientGone, ChatMoved, RateLimited, Transient, Permanent) as exc:
        print(f"Not sent: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"Sent to {args.chat}: message {message_id}.")
    return 0
