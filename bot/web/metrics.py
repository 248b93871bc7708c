"""``GET /metrics``: the bot's figures in Prometheus' text format.

Served by the scheduler holder's web server (``[web] listen``) with the
database's figures and the process's own, and by ``congdoan-bot worker
--metrics-port N`` with the worker's own only (the database's figures come from
one place, so a ``sum`` over targets never counts the queue twice).  Which
figure comes from where: ``bot/metrics.py`` (process) and :class:`DatabaseFigures`.

No session: Prometheus scrapes it.  Keep it on the private network or behind the
proxy's allow-list; with ``METRICS_TOKEN`` in the environment it also wants
``Authorization: Bearer <token>`` (401 otherwise).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot import metrics
from bot.config import Config
from storage.console import merged_sources
from storage.db import Database
from storage.metrics import SourceFigures, figures

log = logging.getLogger(__name__)

TOKEN_ENV = "METRICS_TOKEN"
# Kinds shown at 0 when nothing of them waits: a gauge with no sample reads "no data".
OUTBOX_KINDS = ("push", "digest", "reminder", "notice", "alert")
ALIVE_WITHIN = timedelta(minutes=2)  # a heartbeat older than this is not a live process


class DatabaseFigures(Collector):
    """The figures the database knows, read at each scrape (so every process
    reading it would show the same): the queue, the sources, the processes."""

    def __init__(self, db: Database, config: Config | None = None) -> None:
        self.db = db
        self.config = config

    def describe(self) -> list[Metric]:
        return []  # no query when the registry is built: only when scraped

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        f = figures(self.db, now, ALIVE_WITHIN)
        # Only the sources polled now (the file's and the console's, not the paused):
        # a removed source's row stays in the database.
        polled = None
        if self.config is not None:
            polled = {s.id for s in merged_sources(self.config.sources, self.db) if s.enabled}
        pending = GaugeMetricFamily(
            "congdoan_outbox_pending",
            "Outbox messages not sent yet (queued or being sent), by kind.",
            labels=["kind"],
        )
        dead = GaugeMetricFamily(
            "congdoan_outbox_dead",
            "Outbox messages given up (chat gone, refused, out of attempts), by kind.",
            labels=["kind"],
        )
        for kind in sorted(set(OUTBOX_KINDS) | set(f.waiting) | set(f.dead)):
            pending.add_metric([kind], f.waiting.get(kind, 0))
            dead.add_metric([kind], f.dead.get(kind, 0))
        yield pending
        yield dead
        age = (now - f.oldest_waiting).total_seconds() if f.oldest_waiting else 0.0
        yield GaugeMetricFamily(
            "congdoan_outbox_oldest_pending_seconds",
            "Age of the oldest message not sent yet (0: the queue is empty).",
            value=max(age, 0.0),
        )
        yield from self._sources(f.sources, polled)
        alive = GaugeMetricFamily(
            "congdoan_processes",
            "Processes alive (heartbeat in the last 2 min), by role.",
            labels=["role"],
        )
        for role in sorted({"scheduler", "standby", "worker"} | set(f.processes)):
            alive.add_metric([role], f.processes.get(role, 0))
        yield alive

    def _sources(self, sources: list[SourceFigures], polled: set[str] | None) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "congdoan_source_up",
            "1 when the source's last poll succeeded (or it was not polled yet), else 0.",
            labels=["source"],
        )
        items = CounterMetricFamily(
            "congdoan_source_items", "New items stored from the source.", labels=["source"]
        )
        failures = GaugeMetricFamily(
            "congdoan_source_consecutive_failures", "Failed polls in a row.", labels=["source"]
        )
        last_ok = GaugeMetricFamily(
            "congdoan_source_last_success_timestamp_seconds",
            "When the source was last polled successfully (Unix time).",
            labels=["source"],
        )
        alerted = GaugeMetricFamily(
            "congdoan_source_alerted",
            "1 while the operators have been told the source is down.",
            labels=["source"],
        )
        for s in sources:
            if polled is not None and s.id not in polled:
                continue
            up.add_metric([s.id], 0 if s.consecutive_failures else 1)
            items.add_metric([s.id], s.items_total)
            failures.add_metric([s.id], s.consecutive_failures)
            if s.last_success_at is not None:
                last_ok.add_metric([s.id], s.last_success_at.timestamp())
            alerted.add_metric([s.id], 1 if s.alerted else 0)
        yield from (up, items, failures, last_ok, alerted)


def add_metrics_route(
    app: web.Application,
    db: Database | None,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Register ``GET /metrics`` on ``app``: this process's figures, and the
    database's when ``db`` is given."""
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV, "").strip()
    shared = CollectorRegistry()
    if db is not None:
        shared.register(DatabaseFigures(db, config))

    def render() -> bytes:
        # Runs in a worker thread: the database's figures are queries.
        body = generate_latest(metrics.REGISTRY)
        return body + generate_latest(shared) if db is not None else body

    async def handler(request: web.Request) -> web.Response:
        if token and not _authorized(request, token):
            return web.Response(
                status=401, text="unauthorized\n", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            body = await asyncio.to_thread(render)
        except Exception as exc:  # the database is away: say so, in one log line
            # The driver's reason, not SQLAlchemy's statement and background link.
            reason = (str(getattr(exc, "orig", None) or exc).splitlines() or [repr(exc)])[0]
            log.warning("metrics: cannot read the database: %s", reason)
            return web.Response(status=503, text="database unavailable\n")
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", handler)


def _authorized(request: web.Request, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())


async def serve_metrics(host: str, port: int) -> web.AppRunner | None:
    """A worker's own ``/metrics`` (``congdoan-bot worker --metrics-port``); the
    caller cleans the returned runner up.  A port already taken is logged, not
    fatal (None): delivering matters more than being watched."""
    app = web.Application()
    add_metrics_route(app, None)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        log.error("metrics: cannot listen on %s:%d: %s", host, port, exc.strerror or exc)
        await runner.cleanup()
        return None
    log.info("metrics listening", extra={"listen": f"{host}:{port}"})
    return runner
