"""The Zalo side of delivery: the sender's :class:`~bot.delivery.transport.Transport` for Zalo,
and the limits every Zalo message obeys (outbox messages and command replies alike).

Zalo publishes no per-second rate, so messages are paced conservatively
(``[zalo] rate_per_second``, 5/s).  Its free plan allows 3,000 messages a month
(``monthly_quota``): :class:`ZaloGate` counts this calendar month's messages
(Asia/Ho_Chi_Minh) from the outbox rows sent to Zalo chats plus the messages
sent outside the outbox (replies, extra parts), which are kept in the database
(``storage.channel_usage``) so that restarts and every ``run``/``worker``
process share one count.  Operators are warned once per level and month at
80 % and 95 %, whatever the number of processes, and sending stops when the
quota is spent.  A 429 "Quota exceeded" pauses the Zalo channel only: pending Zalo
rows are postponed in the outbox, so the sender keeps serving Telegram and
nothing is lost.  When a digest would not fit in what is left of the quota,
its parts are compacted into fewer messages before it goes out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.channels.zalo.client import ZaloClient
from bot.config import Config
from bot.delivery.render import PLAIN_MAX, html_to_plain, split_message
from bot.delivery.transport import RateLimited
from bot.i18n import LANGUAGES, plain
from storage import outbox
from storage.channel_usage import add_extra, claim_warning, extra_in
from storage.db import Database

log = logging.getLogger(__name__)

CHANNEL = "zalo"
QUOTA_PAUSE = 1800.0  # s before trying again after "Quota exceeded" (Zalo says no more)
HELD_RETRY = 0.5  # s: what the sender is told while rows wait in the outbox (see _held)
WARN_AT = (0.8, 0.95)
Notify = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class QuotaStatus:
    used: int
    quota: int

    @property
    def remaining(self) -> int:
        return max(self.quota - self.used, 0)


def month_start(moment: datetime, config: Config) -> datetime:
    """The first instant (UTC) of ``moment``'s calendar month in the bot's time zone."""
    local = moment.astimezone(config.tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def next_month_start(moment: datetime, config: Config) -> datetime:
    local = month_start(moment, config).astimezone(config.tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return local.replace(year=year, month=month).astimezone(UTC)


def month_key(moment: datetime, config: Config) -> date:
    """The month ``moment`` falls in, as its first day in the bot's time zone."""
    return month_start(moment, config).astimezone(config.tz).date()


def used_this_month(db: Database, now: datetime, config: Config) -> int:
    """This month's Zalo messages as every process counted them: outbox rows sent
    plus messages outside the outbox (one read session for both)."""
    with db.read() as s:
        sent = outbox.sent_to_channel_since(s, CHANNEL, month_start(now, config))
        return sent + extra_in(s, CHANNEL, month_key(now, config))


def postpone_pending(db: Database, until: datetime) -> int:
    """Nothing pending for a Zalo chat goes out before ``until``; returns rows moved."""
    return outbox.postpone_channel(db, CHANNEL, until)


class ZaloGate:
    """Pacing, pause and monthly quota shared by everything that sends to Zalo."""

    def __init__(
        self,
        config: Config,
        db: Database | None = None,
        *,
        notify: Notify | None = None,
        quota_pause: float = QUOTA_PAUSE,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.db = db
        self.notify = notify
        self.quota = int(config.zalo.monthly_quota)
        self.interval = 1.0 / float(config.zalo.rate_per_second)
        self.quota_pause = quota_pause
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self.wall_clock = wall_clock
        self.paused_until: datetime | None = None  # wall clock, comparable with outbox rows
        self._next_slot = 0.0
        self._lock = asyncio.Lock()
        self._month: datetime | None = None
        # used = _base (what every process counted, read at the last refresh)
        #      + _local (what this process counted since; everything without a db).
        self._base = 0
        self._local = 0
        self._unsaved = 0  # messages outside the outbox the database has not taken yet
        self._refreshed = float("-inf")
        self._warned: set[float] = set()  # levels this process knows are announced
        # Counting and refreshing exclude each other, so that a message persisted
        # during a refresh is neither missed nor counted twice.
        self._count_lock = asyncio.Lock()

    # --- pacing and pause -------------------------------------------------------------

    async def wait_turn(self) -> None:
        """Wait for the next send slot (one every 1/rate seconds)."""
        async with self._lock:
            now = self.clock()
            wait = self._next_slot - now
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_slot = max(now, self._next_slot) + self.interval

    def paused_for(self) -> float:
        """Seconds left of a pause (0: sending is allowed)."""
        if self.paused_until is None:
            return 0.0
        left = (self.paused_until - self.wall_clock()).total_seconds()
        if left <= 0:
            self.paused_until = None
            return 0.0
        return left

    async def pause(self, seconds: float, reason: str) -> None:
        """Stop sending to Zalo for ``seconds`` and tell the operators."""
        until = self.wall_clock() + timedelta(seconds=seconds)
        if self.paused_until is not None and self.paused_until >= until:
            return
        self.paused_until = until
        local = until.astimezone(self.config.tz).strftime("%d/%m/%Y %H:%M")
        log.warning("zalo paused until %s (%.0f s): %s", local, seconds, reason)
        await self._tell(plain(self.config.language, "zalo_paused", until=local, reason=reason))

    # --- quota ----------------------------------------------------------------------------

    async def usage(self) -> QuotaStatus:
        """Messages sent to Zalo this month, by every process (the database is read
        again every ``refresh_seconds``; this process's own counts show at once)."""
        now = self._roll()
        if self.db is not None and self._stale():
            async with self._count_lock:
                if self._stale():  # another task may have refreshed while we waited
                    await self._refresh(now)
        return QuotaStatus(self._base + self._local, self.quota)

    def _stale(self) -> bool:
        return self.clock() - self._refreshed >= self.refresh_seconds

    async def _refresh(self, now: datetime) -> None:
        assert self.db is not None
        month = month_key(now, self.config)
        await self._save(month, 0)  # counts a failed write left behind go first
        try:
            base = await asyncio.to_thread(used_this_month, self.db, now, self.config)
        except Exception as exc:  # the count is a safeguard: keep the last one, try again
            log.warning("zalo quota: could not read this month's usage: %s", exc)
            return
        if self._month_key() != month:
            return  # the month turned while reading: _roll has started afresh
        self._base, self._local = base, self._unsaved
        self._refreshed = self.clock()

    def _roll(self) -> datetime:
        """Start counting afresh when a new month begins; returns now."""
        now = self.wall_clock()
        month = month_start(now, self.config)
        if month != self._month:
            self._month, self._base, self._local, self._unsaved = month, 0, 0, 0
            self._warned = set()
            self._refreshed = float("-inf")
        return now

    def _month_key(self) -> date | None:
        return None if self._month is None else self._month.astimezone(self.config.tz).date()

    async def _save(self, month: date, n: int) -> None:
        """Persist ``n`` messages outside the outbox (with any left unsaved)."""
        assert self.db is not None
        total = n + self._unsaved
        if total <= 0:
            return
        try:
            await asyncio.to_thread(add_extra, self.db, CHANNEL, month, total)
        except Exception as exc:  # a message already sent must not fail over its count
            log.warning("zalo quota: %d messages kept in memory, not saved: %s", total, exc)
            saved = 0
        else:
            saved = total
        if self._month_key() == month:  # else _roll has dropped last month's counts
            self._unsaved = total - saved

    async def counted(self, *, outbox_rows: int = 0, extra: int = 0) -> QuotaStatus:
        """Record messages just sent; warns operators when a threshold is crossed.

        ``outbox_rows`` reach the database when the sender marks them sent;
        ``extra`` (messages outside the outbox) are saved here."""
        now = self._roll()
        month = month_key(now, self.config)
        if extra > 0 and self.db is not None:
            async with self._count_lock:
                await self._save(month, extra)
                if self._month_key() == month:
                    self._local += extra
        else:
            self._local += extra
        self._local += outbox_rows
        status = await self.usage()
        await self._warn(status, month)
        return status

    async def _warn(self, status: QuotaStatus, month: date) -> None:
        """Tell operators about each level crossed, once per month across processes."""
        for level in WARN_AT:
            if status.used < level * self.quota or level in self._warned:
                continue
            pct = round(level * 100)
            won = True
            # Only a process that can tell the operators claims a level: one that
            # cannot (no Telegram bot to speak through) must not use it up.
            if self.db is not None and self.notify is not None:
                try:
                    won = await asyncio.to_thread(claim_warning, self.db, CHANNEL, month, pct)
                except Exception as exc:  # try again with the next message
                    log.warning("zalo quota: could not record the %d%% warning: %s", pct, exc)
                    continue
            if self._month_key() != month:
                return
            self._warned.add(level)  # announced, by this process or another
            if not won:
                continue
            log.warning("zalo quota %d%%: %d of %d messages", pct, status.used, self.quota)
            await self._tell(
                plain(
                    self.config.language,
                    "zalo_quota_level",
                    used=status.used,
                    quota=self.quota,
                    pct=pct,
                )
            )

    async def check_quota(self) -> None:
        """Pause until next month when this month's quota is spent."""
        status = await self.usage()
        if status.used >= self.quota:
            now = self.wall_clock()
            seconds = (next_month_start(now, self.config) - now).total_seconds()
            spent = plain(self.config.language, "zalo_quota_spent", quota=self.quota)
            await self.pause(seconds, spent)

    async def _tell(self, text: str) -> None:
        if self.notify is None:
            return
        try:
            await self.notify(text)
        except Exception:  # telling operators must never stop delivery
            log.exception("could not notify operators")


class ZaloTransport:
    """Sends outbox rows to Zalo chats as plain text (≤ 2,000 characters per message)."""

    channel = CHANNEL

    def __init__(self, client: ZaloClient, gate: ZaloGate) -> None:
        self.client = client
        self.gate = gate
        self._postponer: asyncio.Task[None] | None = None

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
        """Send one outbox row; raises the sender's errors (RateLimited while paused)."""
        await self.gate.check_quota()
        if self.gate.paused_for() > 0:
            raise self._held()
        body = plain_text(text, html=html, buttons_json=buttons_json)
        parts = await self._maybe_compact(chat_id, body)
        message_id = ""
        for i, part in enumerate(parts):
            await self.gate.wait_turn()
            try:
                message_id = await self.client.send_message(chat_id, part)
            except RateLimited as exc:
                await self.gate.pause(min(exc.retry_after, self.gate.quota_pause), "Quota exceeded")
                if i:  # some parts went out: resending them is better than losing the rest
                    log.warning(
                        "zalo chat=%s: %d of %d parts sent before 429", chat_id, i, len(parts)
                    )
                raise self._held() from exc
            await self.gate.counted(outbox_rows=1 if i == 0 else 0, extra=1 if i else 0)
        return message_id

    def _held(self) -> RateLimited:
        """The error for a row that must wait out a pause.

        The sender pauses *every* channel when 429s hit several chats within a
        second; a Zalo pause must not stop Telegram.  So the sender is told to
        retry soon, and the Zalo rows are postponed in the outbox to the end of
        the pause (just after the sender has re-queued this one)."""
        left = self.gate.paused_for()
        if self.gate.db is None:
            return RateLimited(max(left, HELD_RETRY), scope="channel")
        if self._postponer is None or self._postponer.done():
            self._postponer = asyncio.create_task(self._postpone())
        return RateLimited(min(HELD_RETRY, max(left, 0.05)), scope="channel")

    async def _postpone(self) -> None:
        await asyncio.sleep(HELD_RETRY / 3)  # after the sender's mark_retry
        until = self.gate.paused_until
        if until is not None and self.gate.db is not None:
            moved = await asyncio.to_thread(postpone_pending, self.gate.db, until)
            log.info("zalo pause: %d pending rows postponed", moved)

    async def _maybe_compact(self, chat_id: str, body: str) -> list[str]:
        """The message as sent: split to 2,000 characters, and for the first part of
        a digest that would not fit in the remaining quota, the whole digest joined
        into fewer, fuller messages (the other parts' rows are rewritten)."""
        parts = split_message(body, PLAIN_MAX, html=False) or [body]
        db = self.gate.db
        if db is None:
            return parts
        status = await self.gate.usage()
        tight = status.used >= WARN_AT[0] * status.quota
        try:  # compaction is an optimisation only: never lose a message over it
            return await asyncio.to_thread(
                _compact_digest_rows, db, chat_id, parts, status.remaining, tight
            )
        except Exception:
            log.exception("zalo digest compaction failed for chat %s", chat_id)
            return parts


# --- plain text -----------------------------------------------------------------------


def plain_text(text: str, *, html: bool, buttons_json: str | None = None) -> str:
    """What Zalo shows: HTML stripped (links as "text (url)"), URL buttons as bare links."""
    body = html_to_plain(text) if html else text
    links = []
    for row in json.loads(buttons_json) if buttons_json else []:
        for button in row:
            if button.get("url"):
                links.append(f"{button.get('text', '')}: {button['url']}".strip(": "))
    return "\n".join([body, *links]) if links else body


# --- digest compaction ------------------------------------------------------------------

# A digest part's heading "… (tiếp theo)" / "… (continued)", in any case.
_CONTINUED = re.compile(
    "(?:{})\\s*$".format("|".join(re.escape(plain(lang, "part_continued")) for lang in LANGUAGES)),
    re.IGNORECASE,
)
_ENTRY = re.compile(r"^\d+\. ")


def compact_digest(parts: Sequence[str], budget: int, limit: int = PLAIN_MAX) -> list[str]:
    """A plain digest in fewer messages: no repeated "(tiếp theo)" headings and no
    blank lines; if still more than ``budget`` messages, entries lose their
    "source · time" line, then long titles are shortened."""
    lines: list[str] = []
    for part in parts:
        lines += [ln for ln in part.split("\n") if ln.strip() and not _CONTINUED.search(ln)]
    stages = [lines, _drop_meta(lines), _short_titles(_drop_meta(lines))]
    best = list(parts)
    for stage in stages:
        out = split_message("\n".join(stage), limit, html=False)
        if len(out) < len(best):
            best = out
        if len(best) <= budget:
            break
    return best


def _drop_meta(lines: list[str]) -> list[str]:
    return [
        ln for i, ln in enumerate(lines) if not (i and _ENTRY.match(lines[i - 1]) and " · " in ln)
    ]


def _short_titles(lines: list[str]) -> list[str]:
    return [ln[:89].rstrip() + "…" if _ENTRY.match(ln) and len(ln) > 90 else ln for ln in lines]


def _compact_digest_rows(
    db: Database, chat_id: str, parts: list[str], remaining: int, tight: bool
) -> list[str]:
    """Compact the digest whose first part is being sent to ``chat_id``, if it is one
    and it does not fit the quota; rewrite its pending rows to match."""
    with db.write() as s:
        message = outbox.sending_message(s, CHANNEL, chat_id)
        if message is None or message.head.kind != "digest":
            return parts
        total = len(parts) + len(message.rest)
        if total <= 1 or (total <= remaining and not tight):
            return parts
        compacted = compact_digest([*parts, *(r.text for r in message.rest)], max(remaining, 1))
        if len(compacted) >= total or len(compacted) - 1 > len(message.rest):
            return parts
        outbox.rewrite_parts(s, message, compacted)
        log.info("zalo digest chat=%s: %d messages instead of %d", chat_id, len(compacted), total)
        return [compacted[0]]
