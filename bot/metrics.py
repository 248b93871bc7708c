"""This process's own metrics: what it did and how long it took (Prometheus).

Two kinds of figures reach ``/metrics`` (``bot/web/metrics.py``):

* **from the database** (queue, sources, processes alive): the same whichever
  process is asked; computed at scrape time (``storage/metrics.py``);
* **from this process** (here): counters of what its sender did and latency
  histograms.  A counter must never go down, and outbox rows do disappear (a
  chat's rows go with it on ``/dunglai`` or a group merge), so sends are
  counted where they happen, not from rows; Prometheus adds the processes up
  (``sum by (channel, kind) (rate(congdoan_messages_sent_total[5m]))``) and
  treats a restart as a counter reset.  ``congdoan-bot worker --metrics-port``
  exposes a worker's.

The metrics live in their own registry (not prometheus_client's global one), so
``/metrics`` shows exactly these, whatever else the process imports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

# No ``*_created`` series beside every counter and histogram: Prometheus does not
# need them to see a reset, and they would double the series scraped.  (The
# library leaves this function unannotated.)
cast(Callable[[], None], disable_created_metrics)()

REGISTRY = CollectorRegistry()

MESSAGES_SENT = Counter(
    "congdoan_messages_sent_total",
    "Messages this process delivered from the outbox (each part of a long one counts).",
    ["channel", "kind"],
    registry=REGISTRY,
)
SEND_ERRORS = Counter(
    "congdoan_send_errors_total",
    "Sends the chat API refused or that failed, by what the sender did about it.",
    ["reason"],
    registry=REGISTRY,
)
POLL_SECONDS = Histogram(
    "congdoan_poll_seconds",
    "Time to poll one source: fetch, parse, extract and store (failed polls too).",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
    registry=REGISTRY,
)
REPLY_SECONDS = Histogram(
    "congdoan_reply_seconds",
    "Time from an officer's message reaching the bot to its answer being sent.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
    registry=REGISTRY,
)

# Why a send failed, as the sender's branches name it (the label's only values).
SEND_ERROR_REASONS = (
    "rate_limited",  # 429: waited retry_after, resent
    "chat_moved",  # group became a supergroup: resent to its new id
    "bad_markup",  # HTML refused: resent as plain text
    "recipient_gone",  # blocked, kicked, chat not found
    "permanent",  # refused for good (a 400 of another kind): dead
    "transient",  # 5xx, timeout, network: retried with back-off
    "no_transport",  # no token for the chat's channel in this process: dead
)


def send_failed(reason: str) -> None:
    SEND_ERRORS.labels(reason).inc()


def message_sent(channel: str, kind: str) -> None:
    MESSAGES_SENT.labels(channel, kind).inc()


def replied(channel: str, started: float) -> None:
    """An answer to an officer went out; ``started``: ``time.monotonic()`` when the
    message reached the bot."""
    REPLY_SECONDS.labels(channel).observe(max(time.monotonic() - started, 0.0))


def polled(started: float) -> None:
    """One source polled; ``started``: ``time.monotonic()`` when its poll began."""
    POLL_SECONDS.observe(max(time.monotonic() - started, 0.0))


# Every reason exists from the start (at 0): a rate() over a series that appears
# only with its first error would miss that error.
for _reason in SEND_ERROR_REASONS:
    SEND_ERRORS.labels(_reason)
