"""Keep the garbage collector's full passes short in long-running processes.

A full (generation 2) collection walks every tracked object: in a bot process
that is all of python-telegram-bot, SQLAlchemy, lxml's wrappers, the gazetteer
and the topic model, and it took 95–185 ms here (measured with gc.callbacks
under ``bench/replies.py``).  Such a pause between a message's slot check and
the socket lands it next to the following slot's message, and Telegram counts
31 in a second: a 429.  Objects made while starting up live as long as the
process, so they are moved out of the collector's sight once startup is done
(:func:`gc.freeze`, as large Python services do); full passes then walk only
what was made since.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Collect once, then freeze what survives (call again after later startup work)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.debug(
        "heap settled: %d objects frozen in %.0f ms",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )
