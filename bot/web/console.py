"""The operators' web console: source health, adding a source with a preview,
subscribers, delivery, Zalo's quota, one story's path to the chats.

Nobody logs in with a password: an operator sends ``/console`` (``/quantri``) in
a private chat and opens the one-time link (``GET /login/<token>``), which sets
the session cookie (HttpOnly, SameSite=Lax, Secure when ``public_url`` is https,
12 hours).  Every other page answers 401 without a live session, with a page
that says how to log in; every form carries a CSRF token derived from the
session (never stored).  Tokens and sessions are in the database
(:mod:`storage.console`), so a standby that takes over keeps them.

Plain server-rendered HTML (:mod:`bot.web.render`), no JavaScript; database
work runs in worker threads so the bot's event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from bot.cli.source_check import preview_source
from bot.cli.status import collect_status
from bot.config import Config
from bot.web.opml import OpmlError, build_opml, import_feeds, parse_opml
from bot.web.render import SECURITY_HEADERS, Pages
from feeds.poller import PollOutcome
from feeds.sources import ListingSelectors, SourceConfig
from feeds.understand.topics import TopicClassifier, default_classifier
from storage import console as store
from storage.db import Database
from storage.ingest import sync_sources
from storage.queries import SourceHealth, get_stories, latest_stories, source_health

log = logging.getLogger(__name__)

COOKIE = "congdoan_console"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TOKEN = "{token:[A-Za-z0-9_-]{16,128}}"
_SOURCE = "{source_id:[a-z0-9][a-z0-9_-]{0,63}}"
PREVIEW_TEXT_CHARS = 1500
PREVIEW_ENTRIES = 10  # entries completed with their article page in a preview
FORM = web.RequestKey("console_form", Any)  # the checked POST body, for the handler
Handler = Callable[[web.Request, store.Operator], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class SourceRow:
    """One line of the sources page."""

    config: SourceConfig
    origin: str  # "file" (bot_config.toml) | "console"
    paused: bool
    health: SourceHealth | None
    items_7d: int

    @property
    def state(self) -> str:
        """paused | off (``enabled = false`` in the file) | new (never polled) | ok | failing"""
        if self.paused:
            return "paused"
        if not self.config.enabled:
            return "off"
        if self.health is None or self.health.last_attempt_at is None:
            return "new"
        return "ok" if self.health.healthy else "failing"


class Console:
    """The console's routes, added to the web server's application."""

    def __init__(self, config: Config, db: Database) -> None:
        self.config = config
        self.db = db
        self.pages = Pages(config.tz)
        self.secure = (config.web.public_url or "").startswith("https://")
        self.topics: TopicClassifier = (
            TopicClassifier(extra=config.topics) if config.topics else default_classifier()
        )

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get(f"/login/{_TOKEN}", self._login)
        r.add_get("/", self._page(self._home))
        r.add_post("/logout", self._form(self._logout))
        r.add_get("/sources", self._page(self._sources))
        r.add_get("/sources/new", self._page(self._new_source))
        r.add_post("/sources/new", self._form(self._post_source))
        r.add_get(f"/sources/{_SOURCE}/edit", self._page(self._edit_source))
        r.add_post(f"/sources/{_SOURCE}/edit", self._form(self._post_source))
        r.add_post(f"/sources/{_SOURCE}/pause", self._form(self._pause))
        r.add_post(f"/sources/{_SOURCE}/resume", self._form(self._pause))
        r.add_get("/sources.opml", self._page(self._export_opml))
        r.add_post("/sources/import", self._form(self._import_opml))
        r.add_get("/subscribers", self._page(self._subscribers))
        r.add_get("/delivery", self._page(self._delivery))
        r.add_get("/zalo", self._page(self._zalo))
        r.add_get("/stories", self._page(self._stories))
        r.add_get("/stories/{story_id:\\d{1,12}}", self._page(self._story))

    # -- sessions and forms ---------------------------------------------------------------

    async def _operator(self, request: web.Request) -> store.Operator | None:
        cookie = request.cookies.get(COOKIE, "")
        if not cookie:
            return None
        return await asyncio.to_thread(store.session_operator, self.db, cookie)

    def _page(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A page behind a session: 401 with how to log in, else the handler."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            operator = await self._operator(request)
            if operator is None:
                return self._unauthorized(request)
            return await handler(request, operator)

        return guarded

    def _form(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A POST behind a session and its CSRF token (403 when it is missing or wrong)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            operator = await self._operator(request)
            if operator is None:
                return self._unauthorized(request)
            form = await request.post()
            sent = form.get("csrf")
            expected = csrf_token(request.cookies.get(COOKIE, ""))
            if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
                log.warning("console: form without a valid CSRF token refused: %s", request.path)
                return self.pages.response(
                    "message.html", operator.language, http_status=403, title_key="csrf",
                    operator=operator,
                )  # fmt: skip
            request[FORM] = form
            return await handler(request, operator)

        return guarded

    def _unauthorized(self, request: web.Request) -> web.Response:
        return self.pages.response("message.html", http_status=401, title_key="login_needed")

    def _render(
        self,
        request: web.Request,
        operator: store.Operator,
        template: str,
        *,
        http_status: int = 200,
        **values: Any,
    ) -> web.Response:
        csrf = csrf_token(request.cookies.get(COOKIE, ""))
        return self.pages.response(
            template, operator.language, http_status=http_status, operator=operator, csrf=csrf,
            path=request.path, **values,
        )  # fmt: skip

    # -- login ----------------------------------------------------------------------------

    async def _login(self, request: web.Request) -> web.StreamResponse:
        try:
            cookie, operator = await asyncio.to_thread(
                store.redeem_login, self.db, request.match_info["token"]
            )
        except store.LoginRefused as refused:
            log.info("console: login link refused (%s)", refused.reason)
            return self.pages.response(
                "message.html", http_status=403, title_key=f"link_{refused.reason}"
            )
        log.info("console: operator logged in", extra={"operator": operator.id})
        response = _see_other("/")
        response.set_cookie(
            COOKIE, cookie, max_age=int(store.SESSION_TTL.total_seconds()), path="/",
            httponly=True, secure=self.secure, samesite="Lax",
        )  # fmt: skip
        return response

    async def _logout(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        await asyncio.to_thread(store.end_session, self.db, request.cookies.get(COOKIE, ""))
        response = self.pages.response("message.html", operator.language, title_key="logged_out")
        response.del_cookie(COOKIE, path="/")
        return response

    # -- pages ----------------------------------------------------------------------------

    def _source_rows(self) -> list[SourceRow]:
        merged = store.merged_sources(self.config.sources, self.db)
        paused = store.paused_ids(self.db)
        health = {h.id: h for h in source_health(self.db)}
        recent = store.items_since(self.db, datetime.now(UTC) - timedelta(days=7))
        in_file = {s.id for s in self.config.sources}
        rows = [
            SourceRow(
                s,
                "file" if s.id in in_file else "console",
                s.id in paused,
                health.get(s.id),
                recent.get(s.id, 0),
            )
            for s in merged
        ]
        return sorted(rows, key=lambda r: r.config.name.casefold())

    async def _home(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        rows = await asyncio.to_thread(self._source_rows)
        status = await asyncio.to_thread(collect_status, self.db, self.config)
        return self._render(request, operator, "home.html", rows=rows, status=status)

    async def _sources(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        rows = await asyncio.to_thread(self._source_rows)
        notice = request.query.get("ok")
        return self._render(
            request, operator, "sources.html", rows=rows, notice=notice,
            notice_id=request.query.get("id", ""),
        )  # fmt: skip

    async def _new_source(
        self, request: web.Request, operator: store.Operator
    ) -> web.StreamResponse:
        return self._render(request, operator, "source_form.html", form=SourceForm(), editing=None)

    async def _edit_source(
        self, request: web.Request, operator: store.Operator
    ) -> web.StreamResponse:
        source_id = request.match_info["source_id"]
        if self.config.source(source_id) is not None:
            return self._render(
                request, operator, "message.html", title_key="in_file", http_status=409,
                source_id=source_id,
            )  # fmt: skip
        source = await asyncio.to_thread(store.console_source, self.db, source_id)
        if source is None:
            return self._render(
                request, operator, "message.html", title_key="not_found", http_status=404
            )
        form = SourceForm.of(source)
        return self._render(request, operator, "source_form.html", form=form, editing=source_id)

    async def _post_source(
        self, request: web.Request, operator: store.Operator
    ) -> web.StreamResponse:
        editing = request.match_info.get("source_id")
        if editing is not None and not await self._known(editing, console_only=True):
            return self._render(
                request, operator, "message.html", title_key="not_found", http_status=404
            )
        form = SourceForm.parse(request[FORM], editing)
        errors = form.errors(self.config)
        if editing is None and not errors and form.id_taken(self.db):
            errors.append("id_taken")
        if errors or request[FORM].get("action") != "save":
            preview = None
            if not errors:
                preview = await self._preview(form.source())
                log.info(
                    "console: preview of %s: %s", form.url,
                    preview.error or f"{len(preview.candidates)} entries",
                )  # fmt: skip
            return self._render(
                request, operator, "source_form.html", form=form, editing=editing,
                errors=errors, preview=preview, first_text=_first_text(preview),
                http_status=400 if errors else 200,
            )  # fmt: skip
        source = form.source()
        await asyncio.to_thread(self._save, source, operator)
        query = urlencode({"ok": "saved", "id": source.id})
        return _see_other(f"/sources?{query}")

    async def _known(self, source_id: str, *, console_only: bool = False) -> bool:
        """Whether a source with this id is polled (from the console only, if asked)."""
        if console_only:
            return await asyncio.to_thread(store.console_source, self.db, source_id) is not None
        merged = await asyncio.to_thread(store.merged_sources, self.config.sources, self.db)
        return any(s.id == source_id for s in merged)

    async def _preview(self, source: SourceConfig) -> PollOutcome:
        try:
            return await preview_source(self.config, source, limit=PREVIEW_ENTRIES)
        except Exception as exc:  # a parser bug: the operator sees it, the form is kept
            log.exception("console: preview of %s failed", source.url)
            return PollOutcome(source_id=source.id, error=f"internal error: {exc!r}")

    def _save(self, source: SourceConfig, operator: store.Operator) -> None:
        new = store.save_console_source(self.db, source)
        sync_sources(self.db, [source])  # on the pages at once, polled on the next round
        log.info(
            "console: source %s %s", source.id, "added" if new else "changed",
            extra={"operator": operator.id, "url": source.url},
        )  # fmt: skip

    async def _pause(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        source_id = request.match_info["source_id"]
        if not await self._known(source_id):
            return self._render(
                request, operator, "message.html", title_key="not_found", http_status=404
            )
        paused = request.path.endswith("/pause")
        await asyncio.to_thread(store.set_paused, self.db, source_id, paused, operator.id)
        log.info(
            "console: source %s %s", source_id, "paused" if paused else "resumed",
            extra={"operator": operator.id},
        )  # fmt: skip
        query = urlencode({"ok": "paused" if paused else "resumed", "id": source_id})
        return _see_other(f"/sources?{query}")

    async def _export_opml(
        self, request: web.Request, operator: store.Operator
    ) -> web.StreamResponse:
        sources = await asyncio.to_thread(store.merged_sources, self.config.sources, self.db)
        body = build_opml(sources, "congdoan-bot")
        return web.Response(
            text=body, content_type="text/x-opml", charset="utf-8",
            headers={**SECURITY_HEADERS,
                     "Content-Disposition": 'attachment; filename="congdoan-sources.opml"'},
        )  # fmt: skip

    async def _import_opml(
        self, request: web.Request, operator: store.Operator
    ) -> web.StreamResponse:
        upload = request[FORM].get("file")
        data = upload.file.read() if isinstance(upload, web.FileField) else b""
        try:
            feeds = parse_opml(data)
        except OpmlError as exc:
            log.warning("console: OPML import refused: %s", exc)
            return self._render(
                request,
                operator,
                "import.html",
                error=str(exc),
                http_status=400,
                added=[],
                existing=[],
            )
        added, existing = await asyncio.to_thread(import_feeds, self.config, self.db, feeds)
        log.info("console: OPML import: %d added, %d already there", len(added), len(existing))
        return self._render(request, operator, "import.html", added=added, existing=existing)

    async def _subscribers(
        self, request: web.Request, operator: store.Operator
    ) -> web.StreamResponse:
        counts = await asyncio.to_thread(store.chat_counts, self.db)
        rows = await asyncio.to_thread(store.followed, self.db)
        return self._render(request, operator, "subscribers.html", counts=counts, rows=rows)

    async def _delivery(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        status = await asyncio.to_thread(collect_status, self.db, self.config)
        return self._render(request, operator, "delivery.html", status=status)

    async def _zalo(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        from bot.channels.zalo.transport import used_this_month

        now = datetime.now(UTC)
        used = await asyncio.to_thread(used_this_month, self.db, now, self.config)
        counts = await asyncio.to_thread(store.chat_counts, self.db)
        zalo = next((c for c in counts if c.channel == "zalo"), None)
        quota = int(self.config.zalo.monthly_quota)
        pct = round(100 * used / quota) if quota else 0
        return self._render(
            request, operator, "zalo.html", used=used, quota=quota, pct=pct, chats=zalo,
            month=now.astimezone(self.config.tz).strftime("%m/%Y"),
        )  # fmt: skip

    async def _stories(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        stories = await asyncio.to_thread(latest_stories, self.db, 50)
        return self._render(request, operator, "stories.html", stories=stories)

    async def _story(self, request: web.Request, operator: store.Operator) -> web.StreamResponse:
        story_id = int(request.match_info["story_id"])
        found = await asyncio.to_thread(get_stories, self.db, [story_id])
        if not found:
            return self._render(
                request, operator, "message.html", title_key="not_found", http_status=404
            )
        recipients = await asyncio.to_thread(store.story_recipients, self.db, story_id)
        story = found[0]
        topics = [self._topic_name(t, operator.language) for t in story.topics]
        return self._render(
            request, operator, "story.html", story=story, topics=topics, recipients=recipients
        )

    def _topic_name(self, topic_id: str, lang: str) -> str:
        topic = self.topics.get(topic_id)
        if topic is None:
            return topic_id
        return topic.name_en if lang == "en" else topic.name


def _see_other(location: str) -> web.Response:
    """303: after a form, the browser GETs the result (reloading never re-posts)."""
    return web.Response(status=303, headers={**SECURITY_HEADERS, "Location": location})


def csrf_token(cookie: str) -> str:
    """The forms' CSRF token: derived from the session cookie, so never stored and
    unknown to another site (which cannot read the cookie)."""
    return hashlib.sha256(f"csrf:{cookie}".encode()).hexdigest()[:40]


def _first_text(outcome: PollOutcome | None) -> str | None:
    if outcome is None:
        return None
    first = next((c.text for c in outcome.candidates if c.text), None)
    return first[:PREVIEW_TEXT_CHARS] if first else None


@dataclass
class SourceForm:
    """The add/edit form as typed, and the source it describes."""

    id: str = ""
    name: str = ""
    url: str = ""
    kind: str = "auto"
    item: str = ""
    link: str = ""
    title: str = ""
    date: str = ""
    interval: str = "15"  # minutes

    @classmethod
    def parse(cls, form: Any, editing: str | None) -> SourceForm:
        def field(name: str, limit: int = 500) -> str:
            value = form.get(name, "")
            return value.strip()[:limit] if isinstance(value, str) else ""

        url = field("url", 2000)
        source_id = editing or field("id", 64).lower() or (store.source_id_for(url) if url else "")
        return cls(
            id=source_id, name=field("name", 200), url=url, kind=field("kind", 8) or "auto",
            item=field("item"), link=field("link"), title=field("title"), date=field("date"),
            interval=field("interval", 6) or "15",
        )  # fmt: skip

    @classmethod
    def of(cls, source: SourceConfig) -> SourceForm:
        listing = source.listing
        return cls(
            id=source.id, name=source.name, url=source.url, kind=source.kind,
            item=listing.item if listing else "", link=listing.link if listing else "",
            title=(listing.title or "") if listing else "", date=(listing.date or "") if listing else "",
            interval=str(max(source.poll_interval // 60, 1)),
        )  # fmt: skip

    def errors(self, config: Config) -> list[str]:
        """Keys of what is wrong (the template words them)."""
        errors = []
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append("bad_url")
        if not _ID.match(self.id):
            errors.append("bad_id")
        elif config.source(self.id) is not None:
            errors.append("id_in_file")
        if self.kind not in ("auto", "rss", "html"):
            errors.append("bad_kind")
        if self.kind == "html" and not self.item:
            errors.append("html_needs_item")
        if not self.interval.isdigit() or not 1 <= int(self.interval) <= 1440:
            errors.append("bad_interval")
        return errors

    def id_taken(self, db: Database) -> bool:
        return store.console_source(db, self.id) is not None

    def source(self) -> SourceConfig:
        listing = None
        if self.item:
            listing = ListingSelectors(
                item=self.item, link=self.link or "a", title=self.title or None,
                date=self.date or None,
            )  # fmt: skip
        kind = "html" if listing is not None and self.kind == "auto" else self.kind
        return SourceConfig(
            id=self.id, name=self.name or parts_host(self.url), url=self.url,
            kind=kind,  # type: ignore[arg-type]
            poll_interval=max(int(self.interval) if self.interval.isdigit() else 15, 1) * 60,
            listing=listing, extra={"origin": "console"},
        )  # fmt: skip


def parts_host(url: str) -> str:
    return urlsplit(url).hostname or url
