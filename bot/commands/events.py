"""/events: deadlines and events of the next 30 days, from the news the chat
follows and from the union calendar."""

from __future__ import annotations

import html
from datetime import date, timedelta

from bot.commands.context import Core, Request
from bot.commands.inbound import Reply
from bot.commands.replies import block, pack, reply, shorten
from bot.commands.subscribe_resolver import KeywordFilter
from bot.i18n import esc, fmt_date, fmt_day_with_weekday, fmt_time, t
from bot.web.links import story_calendar_path
from feeds.fetch.address_guard import is_web_link
from feeds.understand.union_calendar import calendar_events
from feeds.vntext import exact_key
from storage import chats as store
from storage.db import Session
from storage.models import Subscription
from storage.queries import StoryView, stories_by_id

EVENTS_DAYS = 30
EVENTS_MAX = 30
_EVENT_KINDS = ("deadline", "start", "end", "effective", "event")


class Events:
    """Upcoming dated events found in stored stories, and the union's calendar days."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def command(self, ctx: Request) -> list[Reply]:
        """/events: what the chat follows (all news when it follows nothing), then the calendar."""
        lang = ctx.lang
        today = ctx.now.astimezone(self.core.tz).date()
        end = today + timedelta(days=EVENTS_DAYS)
        with self.core.db.read() as session:
            chat = self.core.find_chat(session, ctx)
            subs = store.list_subscriptions(session, chat) if chat else []
            news = followed_events(session, subs, today, end)
        calendar = calendar_events(today, end)
        header = t(lang, "events_header", start=fmt_date(today), end=fmt_date(end))
        scope = t(lang, "events_scope_followed" if subs else "events_scope_all")
        if not news and not calendar:
            return [reply(f"{header}\n{t(lang, 'events_none')}")]
        blocks: list[tuple[str, str]] = []
        if news:
            blocks.append(block(t(lang, "events_from_news")))
            base = self.core.config.web.url("")
            blocks += [block(_event_line(ev, story, lang, base)) for ev, story in news]
        if calendar:
            blocks.append(block(t(lang, "events_calendar")))
            for day in calendar:
                name = day.name_en if lang == "en" else day.name
                blocks.append(block(f"<b>{fmt_day_with_weekday(day.date, lang)}</b> — {esc(name)}"))
        return pack(f"{header} {scope}", blocks, separator="\n", caps=ctx.msg.caps)


def story_matches(view: StoryView, units: list[tuple[str, bool]], subs: list[Subscription]) -> bool:
    """Does a story match any of a chat's subscriptions (the push rules)?"""
    text = None
    for sub in subs:
        if sub.kind == "unit":
            if any(u == sub.value and (direct or sub.include_children) for u, direct in units):
                return True
        elif sub.kind == "topic":
            if sub.value in view.topics:
                return True
        elif sub.kind == "keyword":
            text = text or f"{view.title}\n{view.description or ''}\n{view.text}"
            if KeywordFilter.from_row(sub.value, sub.exclude).matches(text):
                return True
    return False


def followed_events(
    session: Session,
    subs: list[Subscription],
    start: date,
    end: date,
    *,
    limit: int = EVENTS_MAX,
) -> list[tuple[store.UpcomingEvent, StoryView]]:
    """Events between `start` and `end` in stories matching `subs` (all stories when
    the chat follows nothing), each deadline once; /events and the calendar feed."""
    events = store.events_between(session, start, end)
    story_ids = list(dict.fromkeys(e.story_id for e in events))[:300]
    views = {v.id: v for v in stories_by_id(session, story_ids)}
    units = store.story_unit_ids(session, list(views)) if subs else {}
    kept: list[tuple[store.UpcomingEvent, StoryView]] = []
    seen: set[tuple[date, str]] = set()
    for event in events:
        view = views.get(event.story_id)
        if view is None or (subs and not story_matches(view, units[view.id], subs)):
            continue
        key = (event.date, exact_key(event.what or view.title))
        if key in seen:  # the same deadline repeated by several stories
            continue
        seen.add(key)
        kept.append((event, view))
        if len(kept) >= limit:
            break
    return kept


def _event_line(
    event: store.UpcomingEvent, story: StoryView, lang: str, calendar_base: str | None
) -> str:
    """The day, the kind and what happens, then a link to the story (and to add it
    to a calendar, when the bot's web part is on)."""
    when = f"<b>{fmt_day_with_weekday(event.date, lang)}</b>"
    if event.time is not None:
        when += f", {fmt_time(event.time)}"
    kind = t(lang, f"event_{event.kind}") if event.kind in _EVENT_KINDS else ""
    what = esc(event.what or story.title)
    line = f"{when} — {kind}: {what}" if kind else f"{when} — {what}"
    title = esc(shorten(story.title, 90))
    href = html.escape(story.url, quote=True) if is_web_link(story.url) else None
    link = f'<a href="{href}">{title}</a>' if href else title
    if calendar_base:
        ics = html.escape(story_calendar_path(calendar_base, story.id), quote=True)
        link += f' · <a href="{ics}">{t(lang, "add_to_calendar")}</a>'
    return f"{line}\n   ↳ {link}"
