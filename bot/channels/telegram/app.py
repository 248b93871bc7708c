"""The Telegram process: one python-telegram-bot Application that runs the ingest
rounds on schedule, routes new stories, sends the outbox and answers chat.

* Handlers come from :mod:`bot.channels.telegram.channel` (the command router behind them
  is channel-neutral).
* The ticks of :mod:`bot.runtime.periodic` run beside the Application
  (``run_ticks``): polling whenever the next source is due (at most
  ``POLL_TICK`` seconds apart; each source keeps its own ``poll_interval``),
  digests and reminders every ``SCHEDULE_TICK``.  Ticks read what is due from
  the database, so nothing scheduled lives only in memory.
* Replies go through the outbox too (:mod:`bot.delivery.replies`): one pace for
  pushes and answers, answers first, a 429 waited out, nothing lost in a crash.
  There is no second limiter in PTB (``AIORateLimiter`` with 0 retries turned a
  429 on a reply into a lost reply).
* The outbox sender runs as one task beside the Application; on SIGTERM/SIGINT
  PTB stops long polling and acknowledges the update offset, then ``post_stop`` lets
  the sender finish the message in hand.  Nothing half-sent is lost: a claimed
  row whose send did not complete is claimed again after its lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults

from bot.channels.telegram.channel import build_telegram_handlers, make_is_admin, set_commands
from bot.channels.telegram.transport import TelegramTransport
from bot.commands import CommandRouter
from bot.commands.inbound import Inbound
from bot.config import Config
from bot.delivery.render import render_story_html, render_story_plain
from bot.delivery.replies import ReplyOutbox
from bot.delivery.sender import OutboxSender
from bot.delivery.transport import Transport
from bot.runtime.periodic import run_ticks
from storage.db import Database
from storage.queries import StoryView

log = logging.getLogger(__name__)

POLL_TICK = 60.0  # at most this many seconds between two looks at which sources are due
SCHEDULE_TICK = 60.0  # digests and reminders

DEFAULT_BASE_URL = "https://api.telegram.org/bot"

IsAdmin = Callable[[Inbound], Awaitable[bool]]
CONCURRENT_UPDATES = 16


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of different chats at the same time, each chat's one after the other
    in the order they came.  Handled one at a time, a crowd's /start queued behind
    each other's database work (~50 ms each under load: seconds of waiting before
    an answer was even queued); one chat's updates stay in order (a fast double
    press edits the menu twice, in order)."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = getattr(getattr(update, "effective_chat", None), "id", None)
        if chat is None:
            await coroutine
            return
        lock, users = self._chats.get(chat, (asyncio.Lock(), 0))
        self._chats[chat] = (lock, users + 1)
        try:
            async with lock:  # asyncio.Lock is FIFO: the chat's updates keep their order
                await coroutine
        finally:
            lock, users = self._chats[chat]
            if users <= 1:
                del self._chats[chat]
            else:
                self._chats[chat] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def channel_is_admin(telegram: IsAdmin | None, zalo_operators: Collection[str]) -> IsAdmin:
    """The router's ``is_admin`` for every channel, dispatched on ``msg.channel``.

    Telegram asks the group's member list.  Zalo tells a bot nothing about who
    administers a group, so there only the operators listed in ``[zalo]
    operators`` may change a group's subscriptions (the router says so, since Zalo's
    messages carry ``group_admins_known=False``)."""
    operators = frozenset(str(o) for o in zalo_operators)

    async def is_admin(msg: Inbound) -> bool:
        if msg.channel == "telegram":
            return bool(telegram and await telegram(msg))
        if msg.channel == "zalo":
            return not msg.is_group or msg.user_id in operators
        return not msg.is_group

    return is_admin


def make_render(config: Config) -> Callable[[StoryView, str], tuple[str, str]]:
    """A story as the router shows it: Telegram HTML and plain text."""

    def render(story: StoryView, lang: str) -> tuple[str, str]:
        base = config.web.url("")
        return (
            render_story_html(story, lang, config.tz, calendar_base=base),
            render_story_plain(story, lang, config.tz, calendar_base=base),
        )

    return render


def build_application(
    config: Config,
    db: Database,
    token: str,
    *,
    extra_transports: dict[str, Transport] | None = None,
    run_jobs: bool = True,
    run_sender: bool = True,
) -> Application:
    """The whole bot as one PTB Application (not started).

    ``run_jobs``/``run_sender`` False: ``post_init`` only sets the command menu
    (``bot.runtime.roles`` runs the ticks and the sender itself, as the scheduler
    holder, and puts its sender in ``bot_data["sender"]`` for the replies to wake)."""
    base_url = config.telegram.base_url or DEFAULT_BASE_URL
    base_file_url = config.telegram.base_file_url or base_url.replace("/bot", "/file/bot", 1)
    defaults = Defaults(
        tzinfo=config.tz,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    stop = asyncio.Event()
    background: list[asyncio.Task[None]] = []  # the sender and the ticks

    async def post_init(app: Application) -> None:
        await set_commands(app.bot)
        if run_sender:
            transports: dict[str, Transport] = {"telegram": TelegramTransport(app.bot)}
            transports.update(extra_transports or {})
            sender = OutboxSender(db, transports, config)
            app.bot_data["sender"] = sender
            background.append(asyncio.create_task(sender.run(stop), name="outbox-sender"))
        if run_jobs:
            ticks = run_ticks(
                config, db, stop, poll_cap=lambda: POLL_TICK, schedule_every=lambda: SCHEDULE_TICK
            )
            background.append(asyncio.create_task(ticks, name="ticks"))

    async def post_stop(app: Application) -> None:
        stop.set()
        if background:
            await asyncio.gather(*background, return_exceptions=True)

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .defaults(defaults)
        .concurrent_updates(ChatOrderedProcessor())
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )

    is_admin = channel_is_admin(make_is_admin(app.bot), config.zalo.operators)
    router = CommandRouter(db, config, is_admin=is_admin, render_story=make_render(config))
    replies = ReplyOutbox(db, "telegram", lambda: app.bot_data.get("sender"))
    build_telegram_handlers(app, router, replies)
    app.bot_data["router"] = router
    return app
