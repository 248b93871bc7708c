"""The two long-running roles: ``run`` (scheduler holder or standby) and ``worker``.

``congdoan-bot run`` first takes the scheduler lease (:mod:`storage.leader`).
Only the holder answers chat (Telegram's getUpdates is exclusive per token: a
second consumer gets 409; Zalo's long poll or webhook likewise), polls the
sources and queues digests and reminders.  Another ``run`` stands by, tries
again every ``RENEW`` × ``lease_seconds`` and takes over when the holder dies;
a holder that loses its lease stops all of that at once and stands by again.
The ticks are idempotent by dedup keys (``digest:<chat>:<day>``…), so a
takeover neither repeats nor skips a digest.

Delivery: ``run`` keeps its own outbox sender (``[scale] run_sender``, on by
default, only while it holds the lease) on a thread of its own
(:mod:`bot.runtime.delivery_thread`: chat handling cannot delay a message past
its sending slot), and ``congdoan-bot worker`` processes,
any number of them on any machine that reaches the database, run the sender
alone.  Every process writes a heartbeat row (``status`` shows which are
alive).

Both channels are served when both tokens are set (``TELEGRAM_BOT_TOKEN``,
``ZALO_BOT_TOKEN``); either alone works.  A chat API that cannot be reached at
start is retried with back-off (one warning per try, with the reason) while the
poller, digests and the other channel carry on; a token the API rejects (401 or
404 from ``getMe``) ends the process with :class:`TokenRejected`, which the CLI
turns into one line naming the variable and exit status 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.commands import CommandRouter
from bot.config import Config
from bot.delivery.replies import ReplyWaker
from bot.delivery.sender import OutboxSender
from bot.delivery.transport import Transport
from bot.runtime.delivery_thread import DeliveryThread
from bot.runtime.heap import settle_heap
from bot.runtime.periodic import run_ticks
from storage import leader
from storage.db import Database

log = logging.getLogger(__name__)

WORKERS_CHECK = 5.0  # s between two looks at whether workers are alive
START_RETRY_FIRST = 2.0  # s before the second try to reach a chat API at start
START_RETRY_MAX = 60.0  # back-off cap: an API back after an outage is found within a minute

TOKEN_ENVS = {"telegram": "TELEGRAM_BOT_TOKEN", "zalo": "ZALO_BOT_TOKEN"}


class TokenRejected(Exception):
    """The chat API refused the bot token (``getMe`` answered 401 or 404): a
    configuration error that no retry can fix."""

    def __init__(self, channel: str, reason: str) -> None:
        self.channel, self.env, self.reason = channel, TOKEN_ENVS[channel], reason
        super().__init__(
            f"{channel.capitalize()} rejected the bot token ({reason}): check {self.env}"
        )


@dataclass(frozen=True)
class Tokens:
    telegram: str | None = None
    zalo: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Tokens:
        env = dict(os.environ) if env is None else env
        return cls(
            telegram=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            zalo=env.get("ZALO_BOT_TOKEN", "").strip() or None,
        )


def process_id(kind: str) -> str:
    """``run@host:pid`` — unique per process, readable in ``status``."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


# --- heartbeat and lease keeping ------------------------------------------------------


@dataclass
class _Beat:
    """This process's heartbeat row, written every ``period`` seconds."""

    db: Database
    id: str
    role: str
    period: float
    sent: Callable[[], int] = lambda: 0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def write(self) -> None:
        leader.beat(
            self.db,
            self.id,
            role=self.role,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=self.started_at,
            sent=self.sent(),
        )

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.write)
            except Exception as exc:  # the database is away: try again next period
                log.warning("heartbeat %s failed: %s", self.id, exc)
            await _wait(stop, self.period)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(leader.forget, self.db, self.id)


class _Keeper(threading.Thread):
    """Renews the lease on its own thread, so a busy event loop cannot lose it;
    sets ``lost`` (on the loop) the moment a renewal fails."""

    def __init__(
        self, lease: leader.RoleLease, loop: asyncio.AbstractEventLoop, lost: asyncio.Event
    ) -> None:
        super().__init__(name="lease-keeper", daemon=True)
        self.lease, self.loop, self.lost = lease, loop, lost
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.lease.period):
            if not self.lease.renew():
                self.loop.call_soon_threadsafe(self.lost.set)
                return

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --- run ------------------------------------------------------------------------------


async def run_roles(
    config: Config, db: Database, tokens: Tokens, stop: asyncio.Event, *, holder_id: str
) -> None:
    """``congdoan-bot run`` until ``stop``: stand by, hold the scheduler, stand by again."""
    lease = leader.RoleLease(db, holder_id, lease_seconds=config.scale.lease_seconds)
    sent_before = [0]
    sender_box: list[DeliveryThread] = []
    beat = _Beat(
        db,
        holder_id,
        "standby",
        lease.period,
        sent=lambda: sent_before[0] + sum(s.sent for s in sender_box),
    )
    # The heartbeat ends with run_roles however it ends (a rejected token too),
    # not only on ``stop``: awaiting it otherwise hung the process forever.
    ended = asyncio.Event()
    beat_task = asyncio.create_task(beat.run(ended), name="heartbeat")
    beat_stop = asyncio.create_task(_first_of(ended, stop))
    seen_holder: str | None = None
    try:
        while not stop.is_set():
            if not await asyncio.to_thread(lease.try_acquire):
                holder = await asyncio.to_thread(leader.current_holder, db)
                name = holder.holder if holder else "?"
                if name != seen_holder:
                    log.info(
                        "standing by: scheduler held by %s",
                        name,
                        extra={"holder": name, "proc": holder_id},
                    )
                    seen_holder = name
                await _wait(stop, lease.period)
                continue
            seen_holder = None
            log.info("scheduler role taken", extra={"proc": holder_id})
            beat.role = "scheduler"
            await asyncio.to_thread(beat.write)
            lost = asyncio.Event()
            keeper = _Keeper(lease, asyncio.get_running_loop(), lost)
            keeper.start()
            halt = asyncio.Event()
            watcher = asyncio.create_task(_first_of(halt, stop, lost))
            try:
                await serve_scheduler(config, db, tokens, halt, holder_id, sender_box)
            finally:
                watcher.cancel()
                await asyncio.to_thread(keeper.stop)
                await asyncio.to_thread(lease.release)
                sent_before[0] += sum(s.sent for s in sender_box)
                sender_box.clear()
                beat.role = "standby"
            if lost.is_set() and not stop.is_set():
                log.warning("scheduler role lost; standing by", extra={"proc": holder_id})
    finally:
        ended.set()
        beat_stop.cancel()
        await beat_task


async def serve_scheduler(
    config: Config,
    db: Database,
    tokens: Tokens,
    halt: asyncio.Event,
    holder_id: str,
    senders: list[DeliveryThread] | None = None,
) -> None:
    """Everything the holder does, until ``halt``: the poll/digest/reminder ticks,
    (``run_sender``) delivery on a thread of its own, and chat on each channel
    with a token.

    The ticks start first and never wait for a chat API: each channel connects
    in its own task, retrying with back-off while its API cannot be reached
    (the delivery thread's own clients likewise: a channel joins its sender
    once it is up, and the sender claims only rows of the channels it has).
    A rejected token halts everything and raises :class:`TokenRejected` after
    the clean-up."""
    from bot.channels.telegram.app import build_application, channel_is_admin, make_render

    tasks: list[asyncio.Task[Any]] = []
    rejected: list[TokenRejected] = []
    app = None
    zalo: _Zalo | None = None
    delivery: DeliveryThread | None = None
    web = None
    if tokens.telegram:
        app = build_application(config, db, tokens.telegram, run_jobs=False, run_sender=False)
        router: CommandRouter = app.bot_data["router"]
    else:
        router = CommandRouter(
            db,
            config,
            is_admin=channel_is_admin(None, config.zalo.operators),
            render_story=make_render(config),
        )
    try:
        ticks = run_ticks(
            config, db, halt, poll_cap=_poll_interval, schedule_every=_schedule_interval
        )
        tasks.append(asyncio.create_task(ticks, name="ticks"))
        if config.web.listen:
            web = await _start_web(config, db)
        if config.scale.run_sender:
            delivery = _delivery_thread(config, db, tokens, holder_id)
            await delivery.start()
            if senders is not None:
                senders.append(delivery)
            if app is not None:  # replies queued by the handlers wake it
                app.bot_data["sender"] = delivery
            tasks.append(
                asyncio.create_task(_deliver_until(delivery, halt, rejected), name="delivery")
            )
        if app is not None:
            tasks.append(
                _chat_task("telegram", _telegram_up(app, config, halt, delivery), halt, rejected)
            )
        if tokens.zalo:
            notify = _operator_notify(app.bot, config) if app is not None else None
            zalo = _Zalo(config, db, tokens.zalo, notify)
            zalo.sender = delivery  # Zalo's replies wake it too
            tasks.append(
                _chat_task("zalo", zalo.connect_and_serve(router, halt, delivery), halt, rejected)
            )
        settle_heap()  # the application, router and gazetteer are built
        log.info(
            "scheduler serving",
            extra={
                "channels": ",".join(k for k, v in vars(tokens).items() if v),
                "proc": holder_id,
            },
        )
        await halt.wait()
    finally:
        halt.set()
        if app is not None:
            await _stop_telegram(app)
        # A tick in a worker thread finishes its transaction before the task ends.
        await asyncio.gather(*tasks, return_exceptions=True)
        if zalo is not None:
            await zalo.close()
        if web is not None:
            await web.stop()
    if rejected:
        raise rejected[0]


def _delivery_thread(
    config: Config, db: Database, tokens: Tokens, holder_id: str
) -> DeliveryThread:
    """The holder's sender, on a thread of its own with its own chat API clients:
    pushes only while no worker is alive, replies always."""

    def run(stop: asyncio.Event, on_sender: Callable[[OutboxSender], None]) -> Awaitable[int]:
        return deliver(
            config,
            db,
            tokens,
            stop,
            worker_id=holder_id,
            pushes=_no_workers(config, db),
            on_sender=on_sender,
            reached=delivery.reached,
            connect_log=logging.DEBUG,
        )

    delivery = DeliveryThread(run)
    return delivery


async def _deliver_until(
    delivery: DeliveryThread, halt: asyncio.Event, rejected: list[TokenRejected]
) -> None:
    """Stop the delivery thread on ``halt``.  Delivery that ends first halts the
    holder: a rejected token as the chat task's would (exit 2, one line), anything
    else logged, after which the holder stands by and takes its roles again."""
    ended = asyncio.ensure_future(delivery.ended())
    halted = asyncio.ensure_future(halt.wait())
    await asyncio.wait({ended, halted}, return_when=asyncio.FIRST_COMPLETED)
    halted.cancel()
    unexpected = not halt.is_set()
    delivery.request_stop()
    try:
        await ended  # the one wait for the thread's outcome: its error is read here
    except TokenRejected as exc:
        if not rejected:  # the chat task may have said it first (the same token)
            rejected.append(exc)
    except Exception:
        log.exception("delivery thread failed")
    else:
        if unexpected:
            log.error("delivery stopped unexpectedly; the holder restarts its roles")
    finally:
        halt.set()


def _chat_task(
    channel: str, start: Awaitable[None], halt: asyncio.Event, rejected: list[TokenRejected]
) -> asyncio.Task[None]:
    """Run a channel's start (and, for Zalo, its serving); a rejected token halts all."""

    async def guarded() -> None:
        try:
            await start
        except TokenRejected as exc:
            rejected.append(exc)
            halt.set()

    return asyncio.create_task(guarded(), name=f"{channel}-chat")


async def _telegram_up(
    app: Any, config: Config, halt: asyncio.Event, delivery: DeliveryThread | None
) -> None:
    up = await connect_with_retry("telegram", lambda: _start_telegram(app, config), halt)
    if up and delivery is not None:
        delivery.channel_up("telegram")


def _no_workers(config: Config, db: Database) -> Callable[[], Awaitable[bool]]:
    """Whether the holder's sender should take pushes: only while no ``worker`` is
    alive (it answers chat first; replies it always sends).  Read every few seconds."""
    within = timedelta(seconds=config.scale.lease_seconds)
    state = {"at": float("-inf"), "none": True}

    async def no_workers() -> bool:
        now = time.monotonic()
        if now - state["at"] >= WORKERS_CHECK:
            try:
                alive = await asyncio.to_thread(leader.alive_count, db, "worker", within)
            except Exception as exc:  # the database is away: keep sending everything
                log.warning("could not count workers: %s", exc)
                alive = 0
            state["at"], state["none"] = now, alive == 0
        return bool(state["none"])

    return no_workers


async def _start_web(config: Config, db: Database) -> Any:
    """The web part (calendar feeds); a port already taken is logged, not fatal:
    chat and delivery matter more than the calendar."""
    from bot.web.server import WebServer

    server = WebServer(config, db)
    try:
        await server.start()
    except OSError as exc:
        log.error("web: cannot listen on %s: %s", config.web.listen, exc.strerror or exc)
        await server.stop()
        return None
    return server


def _poll_interval() -> float:
    from bot.channels.telegram import app as telegram_app

    return telegram_app.POLL_TICK


def _schedule_interval() -> float:
    from bot.channels.telegram import app as telegram_app

    return telegram_app.SCHEDULE_TICK


# --- reaching a chat API at start ------------------------------------------------------


REASON_MAX = 200  # characters of an API's answer quoted in a log line (an HTML error page…)


def start_failure(channel: str, exc: BaseException) -> tuple[bool, str]:
    """(token rejected?, a reason an operator can read) for a failed start."""
    rejected, reason = False, str(exc) or type(exc).__name__
    if channel == "telegram":
        from telegram.error import InvalidToken, TelegramError

        rejected = isinstance(exc, InvalidToken)
        if isinstance(exc, TelegramError):
            reason = exc.message
    else:
        from bot.channels.zalo.client import InvalidToken as ZaloInvalidToken
        from bot.channels.zalo.client import is_not_found

        rejected = isinstance(exc, ZaloInvalidToken) or is_not_found(exc)
        reason = reason.split(" — ")[0]
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX:
        reason = reason[: REASON_MAX - 1] + "…"
    return rejected, reason


async def connect_with_retry(
    channel: str,
    start: Callable[[], Awaitable[object]],
    halt: asyncio.Event,
    *,
    level: int = logging.WARNING,
) -> bool:
    """``start()`` until it succeeds (True) or ``halt`` (False), one warning per
    failed try with its reason and the wait; a rejected token raises
    :class:`TokenRejected` at once.  ``level``: the holder's delivery thread
    logs its tries at DEBUG, as the holder's chat task already reports them."""
    delay = START_RETRY_FIRST
    while not halt.is_set():
        attempt = asyncio.ensure_future(start())
        halted = asyncio.create_task(halt.wait())
        await asyncio.wait({attempt, halted}, return_when=asyncio.FIRST_COMPLETED)
        halted.cancel()
        if not attempt.done():  # stopping: a try still waiting on the network is dropped
            attempt.cancel()
            with contextlib.suppress(BaseException):
                await attempt
            return False
        try:
            attempt.result()
        except Exception as exc:
            rejected, reason = start_failure(channel, exc)
            if rejected:
                raise TokenRejected(channel, reason) from None
            log.log(
                level,
                "%s API unreachable at start (%s); retrying in %.0f s",
                channel,
                reason,
                delay,
                extra={"channel": channel},
            )
            if await _wait(halt, delay):
                return False
            delay = min(delay * 2, START_RETRY_MAX)
            continue
        log.log(min(level, logging.INFO), "%s API reached", channel, extra={"channel": channel})
        return True
    return False


async def _start_telegram(app: Any, config: Config) -> None:
    from telegram import Update

    await app.initialize()
    if app.post_init:
        await app.post_init(app)  # the command menus
    tg = config.telegram
    if tg.mode == "webhook":
        # A reverse proxy forwards Telegram's POST with the public URL's path, so
        # the local server listens on that path (PTB's default "/" would answer 404).
        path = urlsplit(tg.webhook_url or "").path or "/"
        # PTB's secret_token makes its server answer 403 to a POST without Telegram's
        # X-Telegram-Bot-Api-Secret-Token header; config refuses webhook mode without it.
        await app.updater.start_webhook(
            listen=tg.webhook_listen,
            port=tg.webhook_port,
            url_path=re.escape(path),  # PTB puts the path into a tornado route regex
            webhook_url=tg.webhook_url,
            secret_token=tg.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("telegram webhook listening", extra={"port": tg.webhook_port, "path": path})
    else:
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    await app.start()


async def _stop_telegram(app: Any) -> None:
    """As ``run_polling`` ends: stop fetching (the offset is confirmed), then the app."""
    with contextlib.suppress(Exception):
        if app.updater and app.updater.running:
            await app.updater.stop()
    with contextlib.suppress(Exception):
        if app.running:
            await app.stop()
    with contextlib.suppress(Exception):
        if app.post_stop:
            await app.post_stop(app)
    with contextlib.suppress(Exception):
        await app.shutdown()


def _operator_notify(bot: Any, config: Config) -> Callable[[str], Awaitable[None]] | None:
    """Tell the Telegram operators (Zalo quota warnings)."""
    if not config.operators:
        return None

    async def notify(text: str) -> None:
        for operator in config.operators:
            try:
                await bot.send_message(operator, text, parse_mode=None)
            except Exception as exc:
                log.warning("could not tell operator %s: %s", operator, exc)

    return notify


# --- Zalo -------------------------------------------------------------------------------


class _Zalo:
    """The Zalo client, gate, transport and (for the holder) the channel."""

    def __init__(
        self,
        config: Config,
        db: Database,
        token: str,
        notify: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        from bot.channels.zalo.client import ZaloClient
        from bot.channels.zalo.transport import ZaloGate, ZaloTransport

        self.config = config
        self.client = ZaloClient(token, config.zalo.base_url)
        self.gate = ZaloGate(config, db, notify=notify, quota_pause=config.zalo.quota_pause)
        self.transport = ZaloTransport(self.client, self.gate)
        self.db = db
        self.sender: ReplyWaker | None = None  # the holder's delivery, once it runs
        self._runner: Any = None

    async def connect_and_serve(
        self, router: CommandRouter, halt: asyncio.Event, delivery: DeliveryThread | None
    ) -> None:
        """Check the token (``getMe``, retried while Zalo cannot be reached), then
        deliver and answer Zalo users until ``halt``."""
        me: dict[str, Any] = {}

        async def get_me() -> None:
            me.update(await self.client.get_me() or {})

        if not await connect_with_retry("zalo", get_me, halt):
            return
        if delivery is not None:
            delivery.channel_up("zalo")
        try:
            task = await self.serve(router, halt, bot_name=me.get("account_name"))
        except Exception as exc:  # e.g. setWebhook refused: say so, keep the rest running
            log.error("zalo webhook could not be set up: %s", exc)
            return
        await task

    async def serve(
        self, router: CommandRouter, halt: asyncio.Event, *, bot_name: str | None = None
    ) -> asyncio.Task[None]:
        """Answer Zalo users: long polling, or a webhook server (``[zalo] mode``)."""
        from bot.channels.zalo.channel import ZaloChannel
        from bot.delivery.replies import ReplyOutbox

        # Zalo's messages carry its capabilities (ZALO_CAPS): the shared router words
        # its replies for Zalo itself (numbered choices, who may change a group).
        # Replies go through the outbox: Zalo's pace is shared by every process.
        replies = ReplyOutbox(self.db, "zalo", lambda: self.sender)
        channel = ZaloChannel(self.client, router, self.gate, replies=replies)
        channel.bot_name = bot_name
        zalo = self.config.zalo
        if zalo.mode != "webhook":
            return asyncio.create_task(channel.run(halt), name="zalo-long-polling")
        from aiohttp import web  # webhook mode only: aiohttp serves Zalo's POSTs

        secret = zalo.webhook_secret or ""
        path = urlsplit(zalo.webhook_url or "").path or "/zalo/webhook"
        self._runner = web.AppRunner(channel.webhook_app(secret, path), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, zalo.webhook_listen, zalo.webhook_port).start()
        await self.client.set_webhook(zalo.webhook_url or "", secret)
        log.info("zalo webhook listening", extra={"port": zalo.webhook_port, "path": path})

        async def until_halt() -> None:
            await halt.wait()
            await channel.settle()

        return asyncio.create_task(until_halt(), name="zalo-webhook")

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.client.aclose()


# --- worker -----------------------------------------------------------------------------


async def run_worker(
    config: Config,
    db: Database,
    tokens: Tokens,
    stop: asyncio.Event,
    *,
    worker_id: str,
    metrics: tuple[str, int] | None = None,
) -> int:
    """``congdoan-bot worker``: deliver the outbox until ``stop``; returns messages sent.
    ``metrics``: (host, port) where to serve this worker's own ``/metrics``."""
    async with contextlib.AsyncExitStack() as stack:
        if metrics is not None:
            from bot.web.metrics import serve_metrics

            runner = await serve_metrics(*metrics)
            if runner is not None:
                stack.push_async_callback(runner.cleanup)
        senders: list[OutboxSender] = []
        period = config.scale.lease_seconds * leader.RENEW
        beat = _Beat(db, worker_id, "worker", period, sent=lambda: sum(s.sent for s in senders))
        beat_task = asyncio.create_task(beat.run(stop), name="heartbeat")
        log.info(
            "worker delivering",
            extra={
                "proc": worker_id,
                "channels": ",".join(k for k, v in vars(tokens).items() if v),
            },
        )
        try:
            sent = await deliver(
                config, db, tokens, stop, worker_id=worker_id, on_sender=senders.append
            )
        finally:
            stop.set()
            await beat_task
        log.info("worker stopped", extra={"proc": worker_id, "sent": sent})
        return sent


async def deliver(
    config: Config,
    db: Database,
    tokens: Tokens,
    stop: asyncio.Event,
    *,
    worker_id: str,
    pushes: Callable[[], Awaitable[bool]] | None = None,
    on_sender: Callable[[OutboxSender], None] = lambda _sender: None,
    reached: Callable[[str], Awaitable[bool]] | None = None,
    connect_log: int = logging.WARNING,
) -> int:
    """Deliver the outbox until ``stop`` with chat API clients of this event loop's
    own (a worker process, or the holder's delivery thread); returns messages sent.

    Each channel joins the sender once its API answered ``getMe`` (retried with
    back-off); a rejected token stops delivery and raises :class:`TokenRejected`.
    ``reached(channel)``: wait first until the holder's chat task reached that API
    (False: stopping), so the start is checked and reported once, by the chat."""
    from telegram import Bot

    from bot.channels.telegram.app import DEFAULT_BASE_URL
    from bot.channels.telegram.transport import TelegramTransport

    transports: dict[str, Transport] = {}  # each channel joins once its API answered
    rejected: list[TokenRejected] = []
    connects: list[asyncio.Task[None]] = []
    async with contextlib.AsyncExitStack() as stack:
        bot = None
        if tokens.telegram:
            bot = Bot(tokens.telegram, base_url=config.telegram.base_url or DEFAULT_BASE_URL)
            stack.push_async_callback(bot.shutdown)

            async def telegram_up(bot: Bot = bot) -> None:
                if reached is not None and not await reached("telegram"):
                    return
                if await connect_with_retry("telegram", bot.initialize, stop, level=connect_log):
                    transports["telegram"] = TelegramTransport(bot)

            connects.append(_chat_task("telegram", telegram_up(), stop, rejected))
        if tokens.zalo:
            zalo = _Zalo(config, db, tokens.zalo, _operator_notify(bot, config) if bot else None)
            stack.push_async_callback(zalo.close)

            async def zalo_up(zalo: _Zalo = zalo) -> None:
                if reached is not None and not await reached("zalo"):
                    return
                if await connect_with_retry("zalo", zalo.client.get_me, stop, level=connect_log):
                    transports["zalo"] = zalo.transport

            connects.append(_chat_task("zalo", zalo_up(), stop, rejected))
        sender = OutboxSender(db, transports, config, worker_id=worker_id, pushes=pushes)
        on_sender(sender)
        settle_heap()  # startup is done: full GC passes stay short while sending
        try:
            await sender.run(stop)
        finally:
            stop.set()
            await asyncio.gather(*connects, return_exceptions=True)
        if rejected:
            raise rejected[0]
        return sender.sent


# --- helpers ----------------------------------------------------------------------------


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True when ``event`` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), max(seconds, 0.0))
    return event.is_set()


async def _first_of(target: asyncio.Event, *events: asyncio.Event) -> None:
    """Set ``target`` as soon as any of ``events`` is set."""
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        target.set()
    finally:
        for w in waits:
            w.cancel()
