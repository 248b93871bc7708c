"""The paced outbox sender.

Proactive pacing, so Telegram has no reason to answer 429:

* a schedule for the whole bot (``global_rate``, 25/s: slots 1/rate apart, the
  virtual-time form of a token bucket one token deep, so a burst can never put
  more than ~26 messages in any one second);
* at least ``private_chat_interval`` (1 s) between two messages to one chat;
* at most ``group_per_minute`` (20) messages in any 60 s to one group.

And every answer handled: 429 → wait ``retry_after`` with the order kept (the
row is re-queued and the chat's later rows held behind it; all chats pause
when 429s hit several chats at once); blocked/kicked → after 3 failures in a
row the chat is inactive and its queue dead; chat not found → inactive at
once; migrated group → the chat takes its new id and the message is resent;
bad markup → resent as plain text; 5xx/timeouts → back-off, 8 attempts, then
dead (logged).  One log line per send, never with the token.

Several senders (``congdoan-bot worker`` processes on one PostgreSQL
database, or several in one process) keep the same limits *together*:

* the global rate is a schedule row per bot token in the database
  (:mod:`storage.rate_limit`): each claimed batch reserves its sending slots
  there, so all senders together send ``global_rate`` messages a second;
* a chat's spacing is ``Chat.next_send_at``, written in the same transaction
  that marks a send and checked by the claim (group windows are counted from
  the chat's sent rows), so no two senders write to one chat too soon.

Replies (outbox rows of kind ``reply``: a command's answer) share this one
budget and come first: every claim takes them before pushes, and the process
that queued one calls :meth:`OutboxSender.wake`, whose express claim sends it
at once, in the earliest sending slot this sender holds for a push (the push
goes back to the queue for the next claim), so the pace of the whole bot is
unchanged and the officer waits a fraction of a second, not for the fan-out.
A 429 on a reply is waited out like any other (the row is re-queued with
``retry_after``); a reply queued by a process that dies is sent by any sender.

The shared pace is on by default on PostgreSQL; on SQLite (one process) the
in-process token bucket is the fast path (``shared_pace=True`` forces the
shared one, e.g. for several senders in one process).  Each row is marked sent
as soon as its answer arrives, and claims are small, so a ``kill -9`` resends
at most the messages that were on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

from bot import metrics
from bot.config import Config
from bot.delivery.render import TELEGRAM_MAX, html_to_plain
from bot.delivery.transport import (
    BadMarkup,
    ChatMoved,
    Permanent,
    RateLimited,
    RecipientGone,
    Transport,
)
from storage import chats, outbox
from storage.db import Database
from storage.outbox import OutboxMessage
from storage.rate_limit import SharedRate, bucket_name

log = logging.getLogger(__name__)


GONE_AFTER = 3
TELEGRAM_CEILING = 30.0  # messages in any one second, per bot token
LEASE_USE = 0.6  # a claimed row not on the wire after this share of its lease is handed back
# A sender's first seconds of sending are its least punctual (first requests, cold
# connections, code paths run once: bench/replies.py saw a new worker leave 10–19 ms
# late and then wait 35 ms more before the socket).  Until then a slot missed by more
# than WARM_TOLERANCE is given up, so a cold start never bunches the shared schedule.
WARM_UP = 5.0  # s after the first send
WARM_TOLERANCE = 0.005  # s
_HREF = re.compile(r'<a\s+href="([^"]+)"')


def preview_url(message: OutboxMessage) -> str | None:
    """A push previews its story's page (the first link); nothing else previews."""
    if message.kind != "push" or message.part != 0 or message.parse_mode != "HTML":
        return None
    match = _HREF.search(message.text)
    return unescape(match.group(1)) if match else None


def clock_offset(clock: Callable[[], float], tries: int = 5) -> float:
    """``clock() - time.time()``, from the tightest of a few bracketed readings: a
    thread switch between the two reads (up to 5 ms under the GIL) would shift a
    whole batch of slots toward another sender's."""
    best: tuple[float, float] = (math.inf, 0.0)
    for _ in range(tries):
        before = clock()
        wall = time.time()
        after = clock()
        best = min(best, (after - before, (before + after) / 2 - wall))
        if best[0] < 0.0002:
            break
    return best[1]


def slot_tolerance(rate: float) -> float:
    """How late a message may leave after its slot and still use it.

    Slots ``1/rate`` apart put 31 messages over ``30/rate`` seconds: the margin
    under Telegram's 30 per sliding second is ``30/rate - 1`` (42 ms at 28.8/s,
    200 ms at 25/s).  Late departures may take half of it; the network's jitter
    gets the other half."""
    margin = TELEGRAM_CEILING / rate - 1.0
    return min(max(margin / 2.0, 0.002), 0.1)


class _Pacer:
    """The three limits, on a monotonic clock."""

    def __init__(self, config: Config, clock: Callable[[], float]) -> None:
        d = config.delivery
        self.rate = float(d.global_rate)
        self.interval = float(d.private_chat_interval)
        self.group_limit = int(d.group_per_minute)
        self.clock = clock
        self.next_at = clock()  # the global schedule: the next free sending slot
        self.tolerance = slot_tolerance(self.rate)  # how late a slot may still be used
        # What really left in the last second, a safety net under the schedule
        # (which already spaces messages 1/rate apart and drops late slots).
        self.per_second = max(1, math.ceil(self.rate))
        self.recent: deque[float] = deque()
        self.paused_until = 0.0
        self.ready: dict[int, float] = {}  # chat_pk -> earliest next send
        self.groups: dict[int, deque[float]] = {}

    def not_ready(self) -> set[int]:
        now = self.clock()
        for pk in [pk for pk, at in self.ready.items() if at <= now]:
            del self.ready[pk]
        return set(self.ready)

    async def take_global(self) -> float:
        """Wait for the next slot of the global schedule (and the end of a global pause).

        Slots are ``1/rate`` apart on the schedule, not after each wake-up: a sleep
        that overshoots by a millisecond does not push every later slot back (with
        a bucket one token deep that cost ~4 % of the rate, measured).  A wake-up
        later than :func:`slot_tolerance` gives its slot up and takes the next one:
        sent late, it would land next to the following slot's message and bunch
        more than ``rate`` messages into one second.  Returns the slot taken."""
        while True:
            now = self.clock()
            if self.paused_until > now:
                await asyncio.sleep(self.paused_until - now)
                continue
            at = max(self.next_at, now)
            self.next_at = at + 1.0 / self.rate
            if at > now:
                await asyncio.sleep(at - now)
            if self.clock() - at <= self.tolerance:
                return at

    async def admit(self) -> None:
        """Wait until fewer than ``per_second`` sends left in the last second; count one."""
        while True:
            now = self.clock()
            while self.recent and self.recent[0] <= now - 1.0:
                self.recent.popleft()
            if len(self.recent) < self.per_second:
                self.recent.append(now)
                return
            await asyncio.sleep(self.recent[0] + 1.0 - now)

    def sent_to(self, message: OutboxMessage) -> None:
        """Record a send to the chat; it is not ready again before its limit allows."""
        now = self.clock()
        if message.is_group:
            window = self.groups.setdefault(message.chat_pk, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            window.append(now)
            # Full window: ready when its oldest send leaves it.  Else spread a little.
            at = window[0] + 60.0 if len(window) >= self.group_limit else now + self.interval
        else:
            at = now + self.interval
        self.ready[message.chat_pk] = max(self.ready.get(message.chat_pk, 0.0), at)

    def hold(self, chat_pk: int, seconds: float) -> None:
        self.ready[chat_pk] = max(self.ready.get(chat_pk, 0.0), self.clock() + seconds)


@dataclass(frozen=True)
class _Batch:
    messages: list[OutboxMessage]
    times: list[float]  # shared pace: each message's slot (monotonic clock)
    claimed_at: float


@dataclass
class _Held:
    """A reserved slot in hand and the message that will use it (a reply may take
    a push's place until the loop takes the slot)."""

    slot: float
    message: OutboxMessage
    taken: bool = False


class OutboxSender:
    """Claims due outbox rows and sends them through the chat's channel transport."""

    def __init__(
        self,
        db: Database,
        transports: dict[str, Transport],
        config: Config,
        *,
        worker_id: str = "sender",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease_seconds: float | None = None,
        batch: int | None = None,
        max_in_flight: int = 32,
        retry_base: float = 2.0,
        max_attempts: int = 8,
        idle_poll: float = 1.0,
        shared_pace: bool | None = None,
        pushes: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.db = db
        self.transports = transports
        self.config = config
        self.worker_id = worker_id
        self.clock = clock
        self.wall_clock = wall_clock
        # A dead sender's claimed rows come back after the lease: ``[scale]
        # lease_seconds`` (15 s), the same bound as a dead scheduler's.  It must outlast
        # a claim's wait for its slots plus one send (seconds, not minutes).
        self.lease_seconds = (
            float(lease_seconds) if lease_seconds is not None else config.scale.lease_seconds
        )
        # None: shared on PostgreSQL (several processes), in-process on SQLite.
        self.shared_pace = (not db.is_sqlite) if shared_pace is None else shared_pace
        # Claimed rows wait for their slots, which several senders interleave: small
        # shared batches keep that wait well inside the lease.
        self.batch = batch if batch is not None else (10 if self.shared_pace else 20)
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self.idle_poll = idle_poll
        self.pacer = _Pacer(config, clock)
        self._rates: dict[str, SharedRate] = {}
        d = config.delivery
        self._private_gap = float(d.private_chat_interval)
        self._group_limit = int(d.group_per_minute)
        self.sent = 0
        self._slots = asyncio.Semaphore(max_in_flight)
        self._max_in_flight = max_in_flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()  # chat pks
        self._recent_429: deque[tuple[float, int]] = deque()
        # The next batch, claimed while the current one goes out: a claim takes
        # milliseconds that would otherwise be lost from the rate at every batch.
        self._prefetch: asyncio.Task[_Batch] | None = None
        self._hand: list[_Held] = []  # shared pace: the current batch's slots
        self._replies = asyncio.Event()  # set by wake(): a reply was queued
        # Whether this sender also takes pushes now (None: always).  The process
        # answering chat leaves them to workers while any are alive: its loop is
        # busy with the crowd's commands, and a late loop loses sending slots.
        self._pushes = pushes
        # When each row in hand was claimed (its lease runs from then): a push that
        # gave its slot to a reply rides in a later batch, claimed later.
        self._claimed: dict[int, float] = {}
        # Pushes that already gave their slot up once: never again, or a push could
        # be carried from batch to batch past its lease (and be claimed twice).
        self._displaced: set[int] = set()
        self._express_slots = max(4, min(batch or 10, 10))
        self._warm_at: float | None = None  # when warm-up ends (set at the first send)

    def wake(self) -> None:
        """A reply was queued: claim it now instead of at the next round (call from
        the sender's event loop)."""
        self._replies.set()

    # --- loop --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; messages in hand are finished first."""
        express = asyncio.create_task(self._express(stop), name="outbox-express")
        try:
            while not stop.is_set():
                claimed = await self._round()
                if not claimed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), await self._idle_wait())
        finally:
            express.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await express
            await self._settle()

    async def drain(self, timeout: float) -> int:
        """Send everything due now, waiting out retries that fall within ``timeout``;
        returns the number of messages sent."""
        before = self.sent
        deadline = self.clock() + timeout
        horizon = self.wall_clock() + timedelta(seconds=timeout)
        while self.clock() < deadline:
            claimed = await self._round()
            if claimed:
                continue
            if not self._tasks and not await asyncio.to_thread(self._work_before, horizon):
                break
            await asyncio.sleep(min(0.05, max(deadline - self.clock(), 0)))
        await self._settle()
        return self.sent - before

    def _work_before(self, horizon: datetime) -> bool:
        due = outbox.next_due(self.db)
        return due is not None and due <= horizon

    async def _idle_wait(self) -> float:
        due = await asyncio.to_thread(outbox.next_due, self.db)
        if due is None:
            return self.idle_poll
        seconds = (due - self.wall_clock()).total_seconds()
        return min(max(seconds, 0.05), self.idle_poll)

    async def _settle(self) -> None:
        if self._prefetch is not None:
            prefetch, self._prefetch = self._prefetch, None
            with contextlib.suppress(Exception):
                # Claimed but never to be sent by us: back to the queue at once,
                # rather than waiting out the lease.
                for message in (await prefetch).messages:
                    await self._retry(message, 0, "released: sender stopping", count=False)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _claim(self, limit: int) -> _Batch:
        """Claim up to ``limit`` rows and (shared pace) reserve their slots."""
        replies_only = self._pushes is not None and not await self._pushes()
        exclude = self.pacer.not_ready() | self._in_flight
        claimed_at = self.clock()
        messages = await asyncio.to_thread(
            outbox.claim,
            self.db,
            self.worker_id,
            limit,
            self.lease_seconds,
            self.wall_clock(),
            exclude_chats=exclude,
            # Only chats of the channels this sender can reach: a worker started
            # with one token must leave the other channel's queue alone.
            channels=tuple(self.transports),
            replies_only=replies_only,
        )
        self._claimed.update((m.id, claimed_at) for m in messages)
        times: list[float] = []
        if self.shared_pace and messages:
            messages, times = await self._shared_slots(messages)
        return _Batch(messages, times, claimed_at)

    async def _round(self) -> int:
        """Claim what may be sent now and start sending it; returns rows claimed."""
        free = self._max_in_flight - len(self._tasks)
        if free <= 0:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            return 1
        await self._until(0.0)  # a global pause: claim nothing that would wait in hand
        if self._prefetch is not None:
            batch, self._prefetch = await self._prefetch, None
        else:
            batch = await self._claim(min(free, self.batch))
        messages, times, claimed_at = batch.messages, batch.times, batch.claimed_at
        if len(messages) >= self.batch:  # a big queue: fetch the next batch meanwhile
            self._prefetch = asyncio.create_task(self._claim(self.batch))
            if self.shared_pace:
                self._prefetch.add_done_callback(self._promote)
        if self.shared_pace:
            self._hand = [_Held(t, m) for t, m in zip(times, messages, strict=True)]
            try:
                for held in self._hand:
                    await self._until(held.slot)
                    held.taken = True  # from here on no reply may take its place
                    if await self._on_slot(held.message, held.slot):
                        await self._launch(held.message, held.slot, claimed_at)
            finally:
                self._hand = []
            return len(messages)
        for message in messages:
            slot = await self.pacer.take_global()
            await self._launch(message, slot, claimed_at)
        return len(messages)

    async def _launch(self, message: OutboxMessage, slot: float, claimed_at: float) -> None:
        """Start sending ``message`` in its slot (now)."""
        claimed_at = min(claimed_at, self._claimed.pop(message.id, claimed_at))
        self._displaced.discard(message.id)
        if self.clock() - claimed_at > LEASE_USE * self.lease_seconds:
            # Held too long (a long pause): another sender may soon take the row
            # again, so hand it back instead of risking a second copy.
            await self._retry(message, 0, "lease nearly over before sending", count=False)
            return
        self.pacer.sent_to(message)
        self._in_flight.add(message.chat_pk)
        task = asyncio.create_task(self._deliver(message, slot))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- replies first ----------------------------------------------------------------

    async def _express(self, stop: asyncio.Event) -> None:
        """Whenever :meth:`wake` says a reply was queued, claim the replies due and
        send them in the earliest slots: a push's slot in hand (the push goes back
        to the queue), else the next slots of the schedule."""
        while not stop.is_set():
            await self._replies.wait()
            self._replies.clear()
            try:
                while await self._express_round():
                    pass
            except Exception:  # the next round claims them anyway; never lose the task
                log.exception("express claim of replies failed")

    async def _express_round(self) -> int:
        await self._until(0.0)  # a global pause holds replies too
        exclude = self.pacer.not_ready() | self._in_flight
        claimed_at = self.clock()
        replies = await asyncio.to_thread(
            outbox.claim,
            self.db,
            self.worker_id,
            self._express_slots,
            self.lease_seconds,
            self.wall_clock(),
            exclude_chats=exclude,
            channels=tuple(self.transports),
            replies_only=True,
        )
        if not replies:
            return 0
        self._claimed.update((m.id, claimed_at) for m in replies)
        if not self.shared_pace:
            for reply in replies:
                await self._launch(reply, await self.pacer.take_global(), claimed_at)
            return len(replies)
        rest = [reply for reply in replies if not await self._take_push_slot(reply)]
        if rest:
            rest, times = await self._shared_slots(rest)
            for reply, slot in zip(rest, times, strict=True):
                await self._until(slot)
                if await self._on_slot(reply, slot):
                    await self._launch(reply, slot, claimed_at)
        return len(replies)

    async def take_slot(self, channel: str) -> None:
        """Wait for one slot of the channel's pace, for a call outside the outbox
        (a callback answer): it counts against the same budget as every message."""
        if not self.shared_pace:
            await self.pacer.take_global()
            return
        slots = await asyncio.to_thread(self._rate(channel).reserve, 1)
        await self._until(slots.start + clock_offset(self.clock))

    def _promote(self, prefetch: asyncio.Task[_Batch]) -> None:
        """Replies the next batch claimed trade places with the pushes holding the
        earliest slots of the batch in hand: the replies go out within this batch,
        the pushes in the next one (the same slots, so the same pace)."""
        if prefetch.cancelled() or prefetch.exception() is not None:
            return
        batch = prefetch.result()
        for j, reply in enumerate(batch.messages):
            if reply.is_reply:
                held = self._push_slot(reply, before=batch.times[j])
                if held is not None:
                    self._displaced.add(held.message.id)
                    held.message, batch.messages[j] = reply, held.message

    def _push_slot(self, reply: OutboxMessage, before: float = math.inf) -> _Held | None:
        """The push with the earliest slot still ahead in hand (same channel)."""
        soon = self.clock() + 0.005
        for held in self._hand:
            if held.taken or held.message.is_reply or held.slot < soon or held.slot >= before:
                continue
            if held.message.id in self._displaced:
                continue
            if held.message.channel == reply.channel:
                return held
        return None

    async def _take_push_slot(self, reply: OutboxMessage) -> bool:
        """Put ``reply`` in place of the push with the earliest slot still ahead in
        this sender's hand, of the same channel; the push goes back to the queue."""
        held = self._push_slot(reply)
        if held is None:
            return False
        push, held.message = held.message, reply
        await self._retry(push, 0, "gave its slot to a reply", count=False)
        return True

    # --- the shared pace -------------------------------------------------------------

    def _rate(self, channel: str) -> SharedRate:
        rate = self._rates.get(channel)
        if rate is None:
            transport = self.transports.get(channel)
            token = getattr(getattr(transport, "bot", None), "token", None)
            # A channel with its own ceiling (Zalo: [zalo] rate_per_second) says so.
            per_second = float(getattr(transport, "rate", None) or self.pacer.rate)
            rate = SharedRate(self.db, bucket_name(channel, token), per_second)
            self._rates[channel] = rate
        return rate

    async def _shared_slots(
        self, messages: list[OutboxMessage]
    ) -> tuple[list[OutboxMessage], list[float]]:
        """Reserve one slot per message in its channel's shared schedule; returns
        the messages in slot order with their send times on our monotonic clock."""
        by_channel: dict[str, list[OutboxMessage]] = {}
        for message in messages:
            by_channel.setdefault(message.channel, []).append(message)
        timed: list[tuple[float, int, OutboxMessage]] = []
        for channel, group in by_channel.items():
            rate = self._rate(channel)
            slots = await asyncio.to_thread(rate.reserve, len(group))
            # Slots are wall-clock times: convert with both clocks read together, so
            # the reservation's own latency does not shift them.
            shift = clock_offset(self.clock)
            for at, message in zip(slots.times(), group, strict=True):
                timed.append((at + shift, message.id, message))
        timed.sort(key=lambda t: (t[0], t[1]))
        return [m for _t, _i, m in timed], [t for t, _i, _m in timed]

    async def _on_slot(self, message: OutboxMessage, slot: float, stage: str = "claim") -> bool:
        """False when the slot was missed by more than :func:`slot_tolerance` (a
        stalled process, a busy loop): sent late, the message would land next to the
        following slot's and bunch the schedule.  It goes back to the queue at once
        for any sender's next claim; waiting for a fresh slot instead would stall
        this sender's later slots in turn."""
        now = self.clock()
        late = now - slot
        if self._warm_at is None:
            self._warm_at = now + WARM_UP
        warming = now < self._warm_at
        if late <= (min(self.pacer.tolerance, WARM_TOLERANCE) if warming else self.pacer.tolerance):
            return True
        # Handed back in the background: awaiting the write here (tens of ms on a
        # busy database) made the next slot late too, and so on down the batch.
        task = asyncio.create_task(self._retry(message, 0, "missed its sending slot", count=False))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._log(message, "slot_missed", late=round(late, 3), stage=stage)
        return False

    async def _on_time(self, message: OutboxMessage, slot: float) -> bool:
        """The last check before the wire, as :meth:`_on_slot`: the loop may have been
        busy between the slot's wake-up and this task's turn.  In-process pace
        simply takes the next slot; shared pace hands the row back (False)."""
        if not self.shared_pace:
            while self.clock() - slot > self.pacer.tolerance:
                slot = await self.pacer.take_global()
            return True
        await self._until(slot)
        return await self._on_slot(message, slot, "wire")

    async def _until(self, at: float) -> None:
        """Sleep until ``at`` (monotonic) and past any global pause."""
        while True:
            wait = max(at, self.pacer.paused_until) - self.clock()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _spacing(self, message: OutboxMessage, left: datetime) -> tuple[datetime, int | None]:
        """What :func:`outbox.mark_sent` needs to keep the chat's limits for everyone:
        the next message no sooner than the interval after this one *left*, and a
        group's sends per minute."""
        per_minute = self._group_limit if message.is_group else None
        return left + timedelta(seconds=self._private_gap), per_minute

    # --- one message ------------------------------------------------------------------

    async def _deliver(self, message: OutboxMessage, slot: float) -> None:
        try:
            async with self._slots:
                await self._send(message, slot)
        except Exception:  # never lose the loop to one message; the lease brings it back
            log.exception("send chat=%s outbox=%d outcome=crash", message.chat_id, message.id)
        finally:
            self._in_flight.discard(message.chat_pk)

    async def _send(self, message: OutboxMessage, slot: float) -> None:
        transport = self.transports.get(message.channel)
        if transport is None:
            await asyncio.to_thread(
                outbox.mark_dead, self.db, message.id, f"no {message.channel} channel"
            )
            metrics.send_failed("no_transport")
            self._log(message, "dead", error="no transport")
            return
        try:
            # preview_url only when there is one: plain channels need not know about it.
            url = preview_url(message)
            extra: dict[str, Any] = {"preview_url": url} if url else {}
            if message.edit_message_id:
                extra["edit_message_id"] = message.edit_message_id
            if message.thread_id:
                extra["thread_id"] = message.thread_id
            await self.pacer.admit()  # counted when it really leaves, not when scheduled
            if not await self._on_time(message, slot):
                return
            # Nothing is awaited from here to the wire.
            left = self.wall_clock()
            departed = self.clock()
            message_id = await transport.send(
                message.chat_id,
                message.text,
                html=message.parse_mode == "HTML",
                buttons_json=message.buttons,
                silent=message.silent,
                **extra,
            )
        except RateLimited as exc:
            metrics.send_failed("rate_limited")
            await self._rate_limited(message, exc)
        except ChatMoved as exc:
            metrics.send_failed("chat_moved")
            new_pk = await asyncio.to_thread(self._migrate, message, exc.new_chat_id)
            await self._retry(message, 0, f"moved to {exc.new_chat_id}", count=False)
            self._log(message, "moved", new_chat_id=exc.new_chat_id, chat_pk=new_pk)
        except BadMarkup as exc:
            metrics.send_failed("bad_markup")
            await self._bad_markup(message, str(exc))
        except RecipientGone as exc:
            metrics.send_failed("recipient_gone")
            await self._gone(message, exc)
        except Permanent as exc:
            metrics.send_failed("permanent")
            await asyncio.to_thread(outbox.mark_dead, self.db, message.id, str(exc))
            self._log(message, "dead", error=str(exc))
        except Exception as exc:  # Transient, and anything the transport did not foresee
            metrics.send_failed("transient")
            await self._transient(message, exc)
        else:
            # Marked at once, alone: a kill -9 resends only what was on the wire.
            next_send_at, per_minute = self._spacing(message, left)
            await asyncio.to_thread(
                outbox.mark_sent,
                self.db,
                message.id,
                message_id,
                self.wall_clock(),
                next_send_at=next_send_at,
                per_minute=per_minute,
            )
            self.sent += 1
            metrics.message_sent(message.channel, message.kind)
            if message.is_reply and message.part == 0 and message.created_at is not None:
                waited = (self.wall_clock() - message.created_at).total_seconds()
                metrics.replied(message.channel, time.monotonic() - waited)
            # How late it left after its slot (ms): a pace under strain shows here first.
            self._log(
                message, "sent", message_id=message_id, late_ms=round((departed - slot) * 1000)
            )

    async def _rate_limited(self, message: OutboxMessage, exc: RateLimited) -> None:
        now = self.clock()
        self._recent_429.append((now, message.chat_pk))
        while self._recent_429 and self._recent_429[0][0] < now - 1.0:
            self._recent_429.popleft()
        chats_hit = {pk for _t, pk in self._recent_429}
        # Pacing keeps every chat under its own limit, so 429s on several chats at
        # once mean the bot as a whole is limited: everyone waits.
        if exc.scope == "global" or len(chats_hit) > 1:
            self.pacer.paused_until = max(self.pacer.paused_until, now + exc.retry_after)
            if self.shared_pace:  # every sender of the token waits, not only this one
                await asyncio.to_thread(self._rate(message.channel).pause, exc.retry_after)
        self.pacer.hold(message.chat_pk, exc.retry_after)
        await self._retry(message, exc.retry_after, str(exc), count=False)
        self._log(message, "rate_limited", retry_after=exc.retry_after)

    async def _bad_markup(self, message: OutboxMessage, error: str) -> None:
        if message.parse_mode is None:
            await asyncio.to_thread(outbox.mark_dead, self.db, message.id, error)
            self._log(message, "dead", error=error)
            return
        plain = html_to_plain(message.text)
        if len(plain) > TELEGRAM_MAX:
            plain = plain[: TELEGRAM_MAX - 1] + "…"
        await self._retry(message, 0, f"bad markup: {error}", count=False, text=plain, plain=True)
        self._log(message, "as_plain", error=error)

    async def _gone(self, message: OutboxMessage, exc: RecipientGone) -> None:
        failures = GONE_AFTER
        if not exc.final:
            failures = await asyncio.to_thread(outbox.record_failure, self.db, message.chat_pk)
        if failures >= GONE_AFTER or message.attempts >= self.max_attempts:
            reason = exc.reason or "recipient gone"
            dropped = await asyncio.to_thread(self._deactivate, message.chat_pk, reason)
            self._log(message, "chat_inactive", error=reason, dropped=dropped)
            return
        await self._retry(message, self._backoff(message.attempts), exc.reason)
        self._log(message, "gone_retry", error=exc.reason, failures=failures)

    async def _transient(self, message: OutboxMessage, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if message.attempts >= self.max_attempts:
            await asyncio.to_thread(outbox.mark_dead, self.db, message.id, error)
            log.error(
                "send chat=%s outbox=%d outcome=dead attempts=%d error=%s",
                message.chat_id,
                message.id,
                message.attempts,
                error,
            )
            return
        delay = self._backoff(message.attempts)
        await self._retry(message, delay, error)
        self._log(message, "retry", error=error, delay=delay)

    def _backoff(self, attempts: int) -> float:
        return min(self.retry_base * 2.0 ** max(attempts - 1, 0), 600.0)

    async def _retry(
        self,
        message: OutboxMessage,
        delay: float,
        error: str,
        *,
        count: bool = True,
        text: str | None = None,
        plain: bool = False,
    ) -> None:
        self._claimed.pop(message.id, None)
        self._displaced.discard(message.id)
        when = self.wall_clock() + timedelta(seconds=delay)
        await asyncio.to_thread(
            outbox.mark_retry,
            self.db,
            message.id,
            when,
            error,
            count_attempt=count,
            text=text,
            parse_mode=None if plain else "keep",
        )
        if delay:
            self.pacer.hold(message.chat_pk, delay)

    def _migrate(self, message: OutboxMessage, new_chat_id: str) -> int:
        """The group became a supergroup: the chat, its subscriptions and its queue
        move to the new id (``storage.chats.migrate_chat``); returns its row now."""
        with self.db.write() as s:
            chat = chats.migrate_chat(s, message.channel, message.chat_id, new_chat_id)
            return chat.id if chat is not None else message.chat_pk

    def _deactivate(self, chat_pk: int, reason: str) -> int:
        """The chat is gone: inactive, its queue given up; returns the rows given up."""
        with self.db.write() as s:
            return chats.mark_inactive(s, chat_pk, reason)

    @staticmethod
    def _log(message: OutboxMessage, outcome: str, **fields: object) -> None:
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        log.info(
            "send channel=%s chat=%s outbox=%d kind=%s part=%d attempt=%d outcome=%s %s",
            message.channel,
            message.chat_id,
            message.id,
            message.kind,
            message.part,
            message.attempts,
            outcome,
            extra,
        )
