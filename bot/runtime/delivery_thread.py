"""The scheduler holder's sender on a thread of its own.

``run`` answers chat, polls sources and delivers.  On one event loop, a handler
or a parse that keeps the loop for 50–150 ms (measured under load with
``bench/replies.py``: the holder's sender logged slots missed by up to 144 ms)
delays a message *after* its slot was checked, between the check and the
socket, so it reaches Telegram next to the following slot's message: 31 in a
second, a 429.  Here the sender runs its own event loop in a thread, with chat
API clients of its own (as a ``worker`` process has): CPython hands the GIL
over every ``sys.getswitchinterval()`` (5 ms), so chat handling can no longer
hold a message back by more than a few milliseconds.

The chat handlers talk to it only through :meth:`DeliveryThread.wake` and
:meth:`DeliveryThread.take_slot`, which are safe to call from the main loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

from bot.delivery.sender import OutboxSender

log = logging.getLogger(__name__)

Deliver = Callable[[asyncio.Event, Callable[[OutboxSender], None]], Awaitable[int]]


class DeliveryThread:
    """Runs ``deliver(stop, on_sender)`` on a new event loop in a daemon thread."""

    def __init__(self, deliver: Deliver, name: str = "delivery") -> None:
        self._deliver = deliver
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._ready = threading.Event()  # the loop runs and the sender exists (or failed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._sender: OutboxSender | None = None
        self._done: Future[int] = Future()
        self._up: dict[str, threading.Event] = {}  # channels the holder's chat reached

    # --- the main loop's side --------------------------------------------------------

    async def start(self) -> None:
        """Start the thread; returns once its sender exists (or delivery ended)."""
        self._thread.start()
        await asyncio.to_thread(self._ready.wait)

    @property
    def sent(self) -> int:
        """Messages sent so far (for the heartbeat)."""
        return self._sender.sent if self._sender is not None else 0

    def wake(self) -> None:
        """A reply was queued: the sender claims it now."""
        loop, sender = self._loop, self._sender
        if loop is not None and sender is not None and not loop.is_closed():
            # Called from another thread: the sender's Event is its own loop's.
            loop.call_soon_threadsafe(sender.wake)

    async def take_slot(self, channel: str) -> None:
        """Wait for one slot of the channel's pace (a callback answer): taken on
        the sender's loop, where the pace lives."""
        loop, sender = self._loop, self._sender
        if loop is None or sender is None or loop.is_closed():
            return
        future = asyncio.run_coroutine_threadsafe(sender.take_slot(channel), loop)
        await asyncio.wrap_future(future)

    def channel_up(self, channel: str) -> None:
        """The holder's chat task reached ``channel``'s API: delivery may connect."""
        self._up.setdefault(channel, threading.Event()).set()

    def request_stop(self) -> None:
        """Ask delivery to stop (messages in hand are finished first); see :meth:`ended`."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)

    async def ended(self) -> int:
        """Messages sent, once delivery has ended for whatever reason; a rejected
        token or a crash in the thread is raised here."""
        return await asyncio.wrap_future(self._done)

    # --- the thread's side -----------------------------------------------------------

    def _main(self) -> None:
        try:
            self._done.set_result(asyncio.run(self._run()))
        except BaseException as exc:  # handed to ended(), which the main loop awaits
            self._done.set_exception(exc)
        finally:
            self._ready.set()

    async def reached(self, channel: str) -> bool:
        """(Thread side) until :meth:`channel_up` for ``channel``; False when stopping."""
        up = self._up.setdefault(channel, threading.Event())
        while self._stop is not None and not self._stop.is_set():
            if await asyncio.to_thread(up.wait, 0.25):
                return True
        return False

    async def _run(self) -> int:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()

        def on_sender(sender: OutboxSender) -> None:
            self._sender = sender
            self._ready.set()

        return await self._deliver(self._stop, on_sender)
