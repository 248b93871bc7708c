"""Command replies through the outbox: one pace for the whole bot, nothing lost.

A chat front (Telegram's handlers, Zalo's channel) does not call the chat API
for an answer: it queues the answer as outbox rows of kind ``reply`` and wakes
the sender of its own process (:meth:`~bot.delivery.sender.OutboxSender.wake`).
So replies and pushes share the global and per-chat pace kept in the database
(several processes included), replies go first (the claim takes them before
pushes; the express claim puts them in the earliest slot a push held), a 429
is waited out instead of dropping the answer, and a reply queued by a process
that dies is sent by any other sender.  The update's id is the reply's dedup
key, so an update delivered twice (after a crash) is answered once.

The one exception is a chat that is no longer stored (``/stop`` has just
forgotten it): its goodbye is sent directly, still in a slot of the shared pace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from storage import outbox
from storage.db import Database
from storage.outbox import NewMessage

log = logging.getLogger(__name__)


class ReplyWaker(Protocol):
    """What a chat front needs of the sender (an :class:`~bot.delivery.sender.OutboxSender`
    on the same loop, or the holder's delivery thread)."""

    def wake(self) -> None:
        """A reply was queued: claim it now."""

    async def take_slot(self, channel: str) -> None:
        """Wait for one sending slot of ``channel``'s pace."""


class ReplyOutbox:
    """Queues one channel's replies and wakes the local sender (if this process has one)."""

    def __init__(
        self,
        db: Database,
        channel: str,
        sender: Callable[[], ReplyWaker | None] = lambda: None,
        *,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.channel = channel
        self.sender = sender
        self.wall_clock = wall_clock

    async def queue(self, chat_id: str, key: str, parts: Sequence[NewMessage]) -> bool:
        """Queue the answer to the update ``key``; False when the chat is not stored
        (the caller sends it directly).  True also when the update was answered before."""
        if not parts:
            return True
        dedup = f"reply:{self.channel}:{chat_id}:{key}"
        created = await asyncio.to_thread(
            outbox.queue_reply, self.db, self.channel, chat_id, dedup, parts, self.wall_clock()
        )
        if created is None:
            return False
        if created == 0:
            log.info("reply chat=%s key=%s already queued; not again", chat_id, key)
        sender = self.sender()
        if sender is not None:
            sender.wake()
        return True

    async def slot(self) -> None:
        """Wait for a sending slot of the shared pace (a call outside the outbox:
        a callback answer, a forgotten chat's goodbye); at once without a sender."""
        sender = self.sender()
        if sender is not None:
            await sender.take_slot(self.channel)
