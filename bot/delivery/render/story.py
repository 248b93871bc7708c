"""One story as officers read it: a push, a reminder, the push-cap notice, and the
pieces a digest entry reuses (summary, dates, events, other sites, hashtags).

Every string that comes from a feed is escaped (``esc`` in text, ``esc_attr``
in ``href``): titles such as ``<script>`` or ``"A & B"`` are shown as written
and can never break the markup.  Only http(s) URLs become links or bare URLs
(:func:`web_url`): a stored ``javascript:``, ``data:`` or ``vbscript:`` link is
dropped and the story shown without it.  The words are in :mod:`bot.i18n`.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from bot.delivery.render.split import PLAIN_MAX, TELEGRAM_MAX, split_message
from bot.i18n import esc, fmt_date, fmt_datetime, fmt_time, plain, t, weekday
from bot.web.links import story_calendar_path
from feeds.fetch.address_guard import is_web_link
from storage.queries import AttachmentView, EventView, StoryView

SUMMARY_MAX = 600  # a push is a teaser: the full article is one tap away
MAX_HASHTAGS = 4


@dataclass(frozen=True)
class Rendered:
    """One message in both forms; an empty form means that form needs fewer parts."""

    html: str
    plain: str


# --- events and links --------------------------------------------------------------


def fmt_event_when(event: EventView) -> str:
    when = fmt_date(event.date)
    return f"{when} {event.time.strftime('%H:%M')}" if event.time else when


_EVENT_KINDS = frozenset({"deadline", "event", "start", "end", "effective"})


def event_label(kind: str, lang: str) -> str:
    """ "Hạn cuối", "Diễn ra"…: how a push names an event of this kind."""
    return plain(lang, f"event_kind_{kind if kind in _EVENT_KINDS else 'event'}")


def event_what(event: EventView, lang: str, limit: int) -> str:
    """The event's description without a repeated label ("Hạn cuối nộp bài" -> "nộp bài")."""
    what = " ".join(event.what.split())
    # The description is Vietnamese whatever the reader's language.
    for label in {event_label(event.kind, "vi"), event_label(event.kind, lang)}:
        if what.casefold().startswith(label.casefold() + " "):
            what = what[len(label) + 1 :].lstrip(" :,-")
    return shorten(what, limit) if what else ""


def esc_attr(text: str) -> str:
    """Escape for an HTML attribute (``href``): quotes too, unlike :func:`bot.i18n.esc`."""
    return htmllib.escape(text, quote=True)


def web_url(url: str | None) -> str | None:
    """``url`` when a chat may show it as a link (http or https), else None."""
    return url.strip() if url and is_web_link(url) else None


def link(url: str, text: str) -> str:
    """``<a href="url">text</a>`` with both escaped, or just the escaped text when
    ``url`` is not http(s)."""
    href = web_url(url)
    return f'<a href="{esc_attr(href)}">{esc(text)}</a>' if href else esc(text)


# --- hashtags --------------------------------------------------------------------

_ADMIN_WORDS = re.compile(r"\b(tỉnh|thành phố|TP\.?)\s+", re.IGNORECASE)
_PAREN = re.compile(r"\s*\([^)]*\)")
_WORDS = re.compile(r"\w+")


@cache
def _topic_names() -> dict[str, tuple[str, str]]:
    """Topic id -> (Vietnamese name, English name), from the built-in catalog."""
    from feeds.understand.topics import default_classifier

    return {t.id: (t.name, t.name_en) for t in default_classifier().catalog()}


def topic_name(topic_id: str, lang: str) -> str | None:
    names = _topic_names().get(topic_id)
    if names is None:
        return None
    return names[0] if lang == "vi" else names[1]


def hashtag(label: str, *, topic: bool = False) -> str:
    """ "LĐLĐ tỉnh Nghệ An" -> "#LĐLĐ_Nghệ_An"; topic "Thi đua, khen thưởng" -> "#thi_đua"."""
    text = _PAREN.sub("", label.split(",")[0] if topic else label)
    if not topic:
        text = _ADMIN_WORDS.sub("", text)
    words = _WORDS.findall(text)[:5]
    tag = "_".join(words)
    if topic:
        tag = tag.lower()
    return f"#{tag}" if tag else ""


def story_hashtags(story: StoryView, matched: Sequence[str] = ()) -> list[str]:
    """Matched subscription labels first, then the story's own units and topics (≤ 4)."""
    topic_vi = {names[0] for names in _topic_names().values()}
    tags: list[str] = []
    for label in matched:
        tags.append(hashtag(label, topic=label in topic_vi))
    tags += [hashtag(name) for _uid, name in story.units]
    tags += [hashtag(n, topic=True) for t in story.topics if (n := topic_name(t, "vi"))]
    seen: list[str] = []
    for tag in tags:
        if tag and tag.casefold() not in (s.casefold() for s in seen):
            seen.append(tag)
    return seen[:MAX_HASHTAGS]


# --- pieces of a story ----------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """Cut at a sentence end, else a word boundary, before ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if end > limit // 2:
        return cut[: end + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(",;:") + "…"


def story_summary(story: StoryView, limit: int = SUMMARY_MAX) -> str:
    """The analyzer's summary, else the feed's description, else the text, shortened."""
    text = story.summary or story.description or story.text or ""
    return shorten(text, limit)


def upcoming_events(story: StoryView, today: date) -> list[EventView]:
    """The story's events from ``today`` on (past deadlines are not worth a line)."""
    return [e for e in story.events if e.date >= today]


def story_when(story: StoryView, tz: ZoneInfo) -> str:
    """ "dd/mm/yyyy HH:MM" of publication (else first seen), in the bot's time zone."""
    moment = story.published or story.first_seen
    return fmt_datetime(moment, tz) if moment else ""


def other_links(story: StoryView) -> list[tuple[str, str]]:
    """(source name, url) of the other sites that carried the story."""
    seen = {story.url}
    out = []
    for item in story.links:
        if item.url not in seen and web_url(item.url):
            seen.add(item.url)
            out.append((item.source_name, item.url))
    return out


def today_in(tz: ZoneInfo, today: date | None) -> date:
    """``today`` when given (tests, digests of a past day), else today in ``tz``."""
    return today or datetime.now(tz).date()


def render_story_html(
    story: StoryView,
    lang: str,
    tz: ZoneInfo,
    *,
    matched: Sequence[str] = (),
    today: date | None = None,
    calendar_base: str | None = None,
) -> str:
    """One story, as a push or a /latest answer.

    ``calendar_base``: the bot's public URL; a story with upcoming events then
    offers "Thêm vào lịch", its events as a one-story .ics (:mod:`bot.web`)."""
    lines = [f"<b>{link(story.url, story.title)}</b>"]
    meta = " · ".join(p for p in (esc(story.source_name), story_when(story, tz)) if p)
    lines.append(f"<i>{meta}</i>")
    summary = story_summary(story)
    if summary:
        lines += ["", esc(summary)]
    events = upcoming_events(story, today_in(tz, today))
    if events:
        lines.append("")
        for event in events[:4]:
            what = f" — {esc(w)}" if (w := event_what(event, lang, 160)) else ""
            lines.append(
                f"⏰ {event_label(event.kind, lang)}: <b>{fmt_event_when(event)}</b>{what}"
            )
        if calendar_base:
            lines.append(
                link(story_calendar_path(calendar_base, story.id), t(lang, "add_to_calendar"))
            )
    for document in story.attachments[:3]:
        note = esc(document_note(document, lang))
        lines.append(f"📎 {t(lang, 'push_attached')}: {link(document.url, document.label)}{note}")
    others = other_links(story)
    if others:
        links = ", ".join(link(url, name) for name, url in others)
        lines += ["", f"{t(lang, 'push_also')}: {links}"]
    tags = story_hashtags(story, matched)
    if tags:
        lines += ["", " ".join(tags)]
    return "\n".join(lines)


def render_story_plain(
    story: StoryView,
    lang: str,
    tz: ZoneInfo,
    *,
    matched: Sequence[str] = (),
    today: date | None = None,
    calendar_base: str | None = None,
) -> str:
    """The same story in plain text, with bare URLs (Zalo has no links)."""
    lines = [story.title]
    meta = " · ".join(p for p in (story.source_name, story_when(story, tz)) if p)
    lines.append(meta)
    summary = story_summary(story, 400)
    if summary:
        lines += ["", summary]
    events = upcoming_events(story, today_in(tz, today))
    if events:
        lines.append("")
        for event in events[:4]:
            what = f" — {w}" if (w := event_what(event, lang, 120)) else ""
            lines.append(f"⏰ {event_label(event.kind, lang)}: {fmt_event_when(event)}{what}")
        if calendar_base:
            label = plain(lang, "add_to_calendar")
            lines.append(f"{label}: {story_calendar_path(calendar_base, story.id)}")
    if url := web_url(story.url):
        lines += ["", url]
    for document in story.attachments[:3]:
        if doc_url := web_url(document.url):
            note = document_note(document, lang)
            lines.append(f"📎 {plain(lang, 'push_attached')}: {document.label}{note} {doc_url}")
    others = other_links(story)
    if others:
        lines.append(f"{plain(lang, 'push_also')}:")
        lines += [f"- {name}: {url}" for name, url in others]
    tags = story_hashtags(story, matched)
    if tags:
        lines += ["", " ".join(tags)]
    return "\n".join(lines)


def document_note(document: AttachmentView, lang: str) -> str:
    """ " (PDF, 3 trang)": what kind of file the officer is about to open."""
    parts = [document.kind.upper()] if document.kind else []
    if document.pages:
        parts.append(plain(lang, "push_pages", n=document.pages))
    return f" ({', '.join(parts)})" if parts else ""


def _pair(html_text: str, plain_text: str, max_html: int, max_plain: int) -> list[Rendered]:
    html_parts = split_message(html_text, max_html, html=True)
    plain_parts = split_message(plain_text, max_plain, html=False)
    count = max(len(html_parts), len(plain_parts))
    html_parts += [""] * (count - len(html_parts))
    plain_parts += [""] * (count - len(plain_parts))
    return [Rendered(h, p) for h, p in zip(html_parts, plain_parts, strict=True)]


def render_push(
    stories: list[StoryView],
    lang: str,
    tz: ZoneInfo,
    *,
    matched: Sequence[str] = (),
    today: date | None = None,
    max_html: int = TELEGRAM_MAX,
    max_plain: int = PLAIN_MAX,
    calendar_base: str | None = None,
) -> list[Rendered]:
    """One message per story, in the given order (long ones split into parts)."""
    out: list[Rendered] = []
    for story in stories:
        out += _pair(
            render_story_html(
                story, lang, tz, matched=matched, today=today, calendar_base=calendar_base
            ),
            render_story_plain(
                story, lang, tz, matched=matched, today=today, calendar_base=calendar_base
            ),
            max_html,
            max_plain,
        )
    return out


# --- reminders and notices ------------------------------------------------------------


def render_reminder(
    event: EventView, story: StoryView, days_before: int, lang: str, tz: ZoneInfo
) -> Rendered:
    """ "⏰ Nhắc việc: còn 3 ngày — Hạn cuối: nộp bài dự thi (30/11/2026)" and the story."""
    head = (
        plain(lang, "remind_today")
        if days_before == 0
        else plain(lang, "remind_days_left", n=days_before)
    )
    label = event_label(event.kind, lang)
    what = event_what(event, lang, 300) or shorten(story.title, 300)
    when = fmt_event_when(event)
    day_line = f"🗓 {weekday(event.date, lang)}, {fmt_date(event.date)}"
    if event.time:
        day_line += f" {plain(lang, 'remind_at')} {event.time.strftime('%H:%M')}"
    html_text = "\n".join(
        [
            f"⏰ <b>{esc(head)}</b> — {esc(label)}: {esc(what)} ({when})",
            day_line,
            "",
            f"{t(lang, 'remind_source')}: {link(story.url, story.title)}",
        ]
    )
    plain_text = "\n".join(
        [
            f"⏰ {head} — {label}: {what} ({when})",
            day_line,
            "",
            f"{plain(lang, 'remind_source')}: {story.title}",
            web_url(story.url) or "",
        ]
    ).rstrip()
    return Rendered(
        split_message(html_text, TELEGRAM_MAX, html=True)[0],
        split_message(plain_text, PLAIN_MAX, html=False)[0],
    )


def render_cap_notice(count: int, digest_at: time, lang: str) -> Rendered:
    """Told once a day when the push cap is reached."""
    at = fmt_time(digest_at)
    return Rendered(
        t(lang, "cap_notice", count=count, time=at), plain(lang, "cap_notice", count=count, time=at)
    )
