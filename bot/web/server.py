"""The web server of ``congdoan-bot run`` (``[web] listen``): aiohttp.

Routes:

* ``GET /cal/<secret>.ics``     a chat's calendar feed (404 for any other secret);
* ``GET /cal/story/<id>.ics``   one story's events ("Thêm vào lịch");
* ``GET /healthz``              "ok", for the reverse proxy and container checks;
* ``GET /metrics``              Prometheus figures (``bot/web/metrics.py``);
* ``/login/<token>``, ``/`` and the other console pages: the operators' web
  console (:mod:`bot.web.console`), each behind a session.

The calendar routes are public (their secrets are the credential); ``/metrics``
has no session (Prometheus scrapes it) but may want a bearer token.

Database reads run in worker threads so a slow query never stalls the bot's
event loop, which this server shares with the chat channels.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web

from bot.commands.events import followed_events
from bot.config import Config
from bot.web.calendar_feed import (
    FEED_DAYS_AHEAD,
    FEED_DAYS_BACK,
    FeedEvent,
    build_calendar,
    calendar_name,
    etag_of,
    story_event,
    union_days,
)
from bot.web.console import Console
from bot.web.metrics import add_metrics_route
from storage import chats as store
from storage.calendar import chat_by_calendar_secret
from storage.db import Database
from storage.queries import stories_by_id

log = logging.getLogger(__name__)

CALENDAR_TYPE = "text/calendar"
_FEED_EVENTS_MAX = 500


class WebServer:
    """Start with :meth:`start`, stop with :meth:`stop` (the scheduler holder does both)."""

    def __init__(self, config: Config, db: Database) -> None:
        self.config = config
        self.db = db
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/cal/story/{story_id:\\d+}.ics", self._story_calendar)
        app.router.add_get("/cal/{secret:[A-Za-z0-9_-]{1,64}}.ics", self._chat_calendar)
        add_metrics_route(app, self.db, self.config)
        Console(self.config, self.db).add_routes(app)
        return app

    async def start(self) -> None:
        host, port = self.config.web.host_port
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("web listening", extra={"listen": f"{host}:{port}"})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers ---------------------------------------------------------------

    async def _health(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _chat_calendar(self, request: web.Request) -> web.StreamResponse:
        secret = request.match_info["secret"]
        found = await asyncio.to_thread(self._chat_feed, secret)
        if found is None:
            raise web.HTTPNotFound()  # unknown, replaced or stopped: all look the same
        name, events, remind_days, lang, modified = found
        return self._ics(request, name, events, remind_days, lang, modified)

    async def _story_calendar(self, request: web.Request) -> web.StreamResponse:
        story_id = int(request.match_info["story_id"])
        found = await asyncio.to_thread(self._story_feed, story_id)
        if found is None:
            raise web.HTTPNotFound()
        name, events, modified = found
        days = self.config.delivery.remind_days
        return self._ics(request, name, events, days, self.config.language, modified)

    # -- data (worker threads) ----------------------------------------------------

    def _chat_feed(
        self, secret: str
    ) -> tuple[str, list[FeedEvent], list[int], str, datetime] | None:
        today = datetime.now(self.config.tz).date()
        start, end = today - timedelta(days=FEED_DAYS_BACK), today + timedelta(days=FEED_DAYS_AHEAD)
        with self.db.read() as session:
            chat = chat_by_calendar_secret(session, secret)
            if chat is None:
                return None
            lang = chat.language
            subs = store.list_subscriptions(session, chat)
            news = followed_events(session, subs, start, end, limit=_FEED_EVENTS_MAX)
            remind = store.remind_days(chat)
            name = calendar_name(lang, chat.title)
        events = [story_event(story, ev, lang) for ev, story in news]
        modified = max((story.first_seen for _, story in news), default=_EPOCH)
        return name, events + union_days(today, end, lang), remind, lang, modified

    def _story_feed(self, story_id: int) -> tuple[str, list[FeedEvent], datetime] | None:
        lang = self.config.language
        with self.db.read() as session:
            views = stories_by_id(session, [story_id])
        if not views or not views[0].events:
            return None
        story = views[0]
        events = [story_event(story, ev, lang) for ev in story.events]
        return story.title, events, story.first_seen

    # -- response ---------------------------------------------------------------

    def _ics(
        self,
        request: web.Request,
        name: str,
        events: list[FeedEvent],
        remind_days: list[int],
        lang: str,
        modified: datetime,
    ) -> web.Response:
        reminder_time = time.fromisoformat(self.config.delivery.reminder_time)
        # DTSTAMP is the feed's last change, not the request time: an unchanged
        # feed is byte-identical, so its ETag holds and apps get their 304.
        body = build_calendar(
            name, events, tz=self.config.tz, remind_days=remind_days,
            reminder_time=reminder_time, lang=lang, now=modified,
        )  # fmt: skip
        etag = etag_of(body)
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
            "Cache-Control": "private, max-age=900",
        }
        if _not_modified(request, etag, modified):
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=body,
            headers={**headers, "Content-Disposition": 'inline; filename="congdoan.ics"'},
            content_type=CALENDAR_TYPE,
            charset="utf-8",
        )


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _not_modified(request: web.Request, etag: str, modified: datetime) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
