"""Officers' calendars: deadlines and events as iCalendar (RFC 5545) feeds.

``GET /cal/<secret>.ics`` is a chat's feed: one VEVENT per deadline or event
of the stories the chat follows (the same stories and rules as ``/sukien``),
the union calendar's days, and a VALARM for each of the chat's ``/remind``
days at the reminder hour.  ``GET /cal/story/<id>.ics`` is one story's events
("Thêm vào lịch" in a push).  UIDs are stable per story, date and kind, so a
calendar app that polls again replaces an event instead of duplicating it;
ETag and Last-Modified let it poll cheaply.  A wrong or replaced secret is a
plain 404 that says nothing about why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from bot.i18n import Html, t
from feeds.understand.union_calendar import calendar_events
from storage.queries import StoryView

PRODID = "-//congdoan-bot//Lich cong doan//VI"
FEED_DAYS_BACK = 60  # past events kept, so a calendar does not lose last month
FEED_DAYS_AHEAD = 365


@dataclass(frozen=True)
class FeedEvent:
    """One dated thing to put in a calendar."""

    uid: str
    day: date
    at: time | None
    summary: str
    description: str
    url: str | None


class DatedThing(Protocol):
    """A stored event (``storage.chats.UpcomingEvent``, ``storage.queries.EventView``)."""

    date: date
    time: time | None
    kind: str
    what: str


def story_event(story: StoryView, event: DatedThing, lang: str) -> FeedEvent:
    """A story's event: "Hạn cuối: gửi danh sách…", with the story in the description."""
    label = _text(lang, f"cal_{event.kind}") if event.kind in _KINDS else ""
    head = event.what or story.title
    summary = f"{label}: {head}" if label else head
    description = "\n".join(
        (
            _text(lang, "cal_news", title=story.title),
            _text(lang, "cal_source", source=story.source_name),
            story.url,
        )
    )
    uid = f"story-{story.id}-{event.date:%Y%m%d}-{event.kind}@congdoan-bot"
    return FeedEvent(uid, event.date, event.time, _clip(summary, 200), description, story.url)


_KINDS = ("deadline", "start", "end", "effective", "event")


def union_days(start: date, end: date, lang: str) -> list[FeedEvent]:
    """The union calendar (8/3, 1/5, Tháng Công nhân, 28/7, 20/10, Tết…)."""
    return [
        FeedEvent(
            uid=f"union-{day.date:%Y%m%d}-{hashlib.sha1(day.name.encode()).hexdigest()[:8]}"
            "@congdoan-bot",
            day=day.date,
            at=None,
            summary=day.name_en if lang == "en" else day.name,
            description=_text(lang, "cal_union_day"),
            url=None,
        )
        for day in calendar_events(start, end)
    ]


def build_calendar(
    name: str,
    events: Iterable[FeedEvent],
    *,
    tz: ZoneInfo,
    remind_days: Sequence[int],
    reminder_time: time,
    lang: str,
    now: datetime | None = None,
) -> bytes:
    """The feed as bytes (CRLF lines, folded), with a VTIMEZONE for timed events."""
    now = now or datetime.now(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(tz))
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for item in events:
        cal.add_component(_vevent(item, tz, remind_days, reminder_time, lang, now))
    cal.add_missing_timezones()
    return cal.to_ical()


def _vevent(
    item: FeedEvent,
    tz: ZoneInfo,
    remind_days: Sequence[int],
    reminder_time: time,
    lang: str,
    now: datetime,
) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", now)
    if item.at is None:  # all-day: DTSTART;VALUE=DATE, DTEND the next day (exclusive)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        start = datetime.combine(item.day, time(0, 0), tz)
    else:
        start = datetime.combine(item.day, item.at, tz)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(hours=1))
    event.add("summary", item.summary)
    event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    event.add("transp", "TRANSPARENT")  # a deadline does not make the officer busy
    for days in sorted(set(remind_days), reverse=True):
        event.add_component(_alarm(start, item, days, reminder_time, tz, lang))
    return event


def _alarm(start: datetime, item: FeedEvent, days: int, at: time, tz: ZoneInfo, lang: str) -> Alarm:
    """A display alarm ``days`` before the event, at the chat's reminder hour."""
    when = datetime.combine(item.day - timedelta(days=days), at, tz)
    if item.at is not None and days == 0:
        when = min(when, start - timedelta(hours=1))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", item.summary)
    alarm.add("trigger", when - start)  # relative to DTSTART: calendar apps agree on it
    return alarm


def calendar_name(lang: str, chat_title: str | None) -> str:
    """ "Lịch công đoàn – <group name>" (or "– cá nhân" for a private chat)."""
    return _text(lang, "cal_name", chat=chat_title or _text(lang, "cal_name_private"))


def _text(lang: str, key: str, **kwargs: object) -> str:
    """A catalogue string for the calendar: plain text, so nothing is HTML-escaped."""
    return str(t(lang, key, **{k: Html(str(v)) for k, v in kwargs.items()}))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
