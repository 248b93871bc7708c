"""The Telegram process: one python-telegram-bot Application that runs the ingest
rounds on schedule, routes new stories, sends the outbox and answers chat.

* Handlers come from :mod:`bot.channels.telegram.channel` (the command router behind them
  is channel-neutral).
* The JobQueue (APScheduler 3 under PTB) runs the ticks of :mod:`bot.runtime.periodic`:
  an ingest round every ``POLL_TICK`` seconds (each source still keeps its own
  ``poll_interval``), digests and reminders every minute.  Ticks read what is due
  from the database, so nothing scheduled lives only in memory, and a generous
  ``misfire_grace_time`` means a tick delayed by a busy loop still runs once.
* The outbox sender runs as one task beside the Application; on SIGTERM/SIGINT
  PTB stops long polling and acknowledges the update offset, then ``post_stop`` lets
  the sender finish the message in hand.  Nothing half-sent is lost: a claimed
  row whose send did not complete is claimed again after its lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot.channels.telegram.channel import build_telegram_handlers, make_is_admin, set_commands
from bot.channels.telegram.transport import TelegramTransport
from bot.commands import CommandRouter
from bot.commands.inbound import Inbound
from bot.config import Config
from bot.delivery.render import render_story_html, render_story_plain
from bot.delivery.sender import OutboxSender
from bot.delivery.transport import Transport
from bot.runtime.periodic import poll_job, schedules_job
from storage.db import Database
from storage.queries import StoryView

log = logging.getLogger(__name__)

POLL_TICK = 60.0  # seconds between two looks at which sources are due
SCHEDULE_TICK = 60.0  # digests and reminders
MISFIRE_GRACE = 600  # seconds: a tick late by a stalled loop still runs (once)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"

IsAdmin = Callable[[Inbound], Awaitable[bool]]


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
    (``bot.runtime.roles`` runs the ticks and the sender itself, as the scheduler holder)."""
    base_url = config.telegram.base_url or DEFAULT_BASE_URL
    base_file_url = config.telegram.base_file_url or base_url.replace("/bot", "/file/bot", 1)
    defaults = Defaults(
        tzinfo=config.tz,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    stop = asyncio.Event()
    sender_task: list[asyncio.Task[None]] = []

    async def post_init(app: Application) -> None:
        await set_commands(app.bot)
        if run_sender:
            transports: dict[str, Transport] = {"telegram": TelegramTransport(app.bot)}
            transports.update(extra_transports or {})
            sender = OutboxSender(db, transports, config)
            app.bot_data["sender"] = sender
            sender_task.append(asyncio.create_task(sender.run(stop), name="outbox-sender"))
        if run_jobs:
            schedule_ticks(app, config, db)

    async def post_stop(app: Application) -> None:
        stop.set()
        if sender_task:
            await asyncio.gather(*sender_task, return_exceptions=True)

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .defaults(defaults)
        # A safety net only: the outbox sender paces itself below the limits.
        .rate_limiter(AIORateLimiter(overall_max_rate=30, overall_time_period=1, max_retries=0))
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )

    is_admin = channel_is_admin(make_is_admin(app.bot), config.zalo.operators)
    router = CommandRouter(db, config, is_admin=is_admin, render_story=make_render(config))
    build_telegram_handlers(app, router)
    app.bot_data["router"] = router
    return app


def schedule_ticks(app: Application, config: Config, db: Database) -> None:
    """The ingest-round and schedule ticks on PTB's JobQueue (APScheduler 3).

    Both read what is due from the database, so nothing scheduled lives only in
    memory; ``misfire_grace_time`` lets a tick delayed by a stalled loop (or a
    takeover) still run, once (``coalesce``).
    """
    jobs = app.job_queue
    if jobs is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    grace = {"misfire_grace_time": MISFIRE_GRACE, "coalesce": True, "max_instances": 1}

    async def poll(context: ContextTypes.DEFAULT_TYPE) -> None:
        await poll_job(config, db)

    async def schedules(context: ContextTypes.DEFAULT_TYPE) -> None:
        await schedules_job(config, db)

    # First runs come at once: digests due during a restart or takeover go out now.
    jobs.run_repeating(poll, interval=POLL_TICK, first=1.0, name="poll", job_kwargs=grace)
    jobs.run_repeating(
        schedules, interval=SCHEDULE_TICK, first=1.0, name="schedules", job_kwargs=grace
    )
