"""The daily digest: the day's stories grouped by topic, in as few messages as fit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.commands.inbound import visible_length
from bot.delivery.render.split import PLAIN_MAX, TELEGRAM_MAX, split_message
from bot.delivery.render.story import (
    Rendered,
    event_label,
    fmt_event_when,
    link,
    other_links,
    story_summary,
    story_when,
    topic_name,
    upcoming_events,
    web_url,
)
from bot.i18n import esc, fmt_date, plain, t
from storage.queries import StoryView


def _digest_groups(stories: Sequence[StoryView], lang: str) -> list[tuple[str, list[StoryView]]]:
    """Stories grouped under their main topic, biggest group first, 'other news' last."""
    groups: dict[str, list[StoryView]] = {}
    other: list[StoryView] = []
    for story in stories:
        main = next((t for t in story.topics if topic_name(t, lang)), None)
        if main is None:
            other.append(story)
        else:
            groups.setdefault(main, []).append(story)
    order = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: first seen wins ties
    named = [(topic_name(tid, lang) or tid, items) for tid, items in order]
    if other:
        named.append((plain(lang, "digest_other"), other))
    return named


def _digest_entry_html(n: int, story: StoryView, lang: str, tz: ZoneInfo, today: date) -> str:
    meta = " · ".join(p for p in (esc(story.source_name), story_when(story, tz)) if p)
    lines = [f"{n}. {link(story.url, story.title)}", f"<i>{meta}</i>"]
    summary = story_summary(story, 220)
    if summary:
        lines.append(esc(summary))
    for event in upcoming_events(story, today)[:2]:
        lines.append(f"⏰ {event_label(event.kind, lang)}: <b>{fmt_event_when(event)}</b>")
    others = other_links(story)
    if others:
        lines.append(f"{t(lang, 'push_also')}: " + ", ".join(link(u, name) for name, u in others))
    return "\n".join(lines)


def _digest_entry_plain(n: int, story: StoryView, lang: str, tz: ZoneInfo, today: date) -> str:
    meta = " · ".join(p for p in (story.source_name, story_when(story, tz)) if p)
    lines = [f"{n}. {story.title}", meta]
    for event in upcoming_events(story, today)[:2]:
        lines.append(f"⏰ {event_label(event.kind, lang)}: {fmt_event_when(event)}")
    if url := web_url(story.url):
        lines.append(url)
    return "\n".join(lines)


def _pack(
    header: str,
    continued_header: str,
    groups: list[tuple[str, list[str]]],
    limit: int,
    *,
    html_mode: bool,
    cont: str,
) -> list[str]:
    """Fill messages with whole entries; a group continued on the next message
    repeats its heading.  Entries longer than a message are split themselves."""
    bold = (lambda s: f"<b>{esc(s)}</b>") if html_mode else (lambda s: s.upper())
    messages: list[str] = []
    current = header
    for name, entries in groups:
        title = bold(name)
        first_in_group = True
        for entry in entries:
            block = f"\n\n{title}\n\n{entry}" if first_in_group else f"\n\n{entry}"
            if visible_length(current + block, markup=html_mode) > limit and current not in (
                header,
                continued_header,
            ):
                messages.append(current)
                current = continued_header
                block = f"\n\n{bold(name)} {esc(cont) if html_mode else cont}\n\n{entry}"
            current += block
            first_in_group = False
    messages.append(current)
    # A single entry can still be too long (a huge title); split what overflows.
    out: list[str] = []
    for message in messages:
        out += split_message(message, limit, html=html_mode)
    return out


def render_digest(
    day: date,
    stories: list[StoryView],
    lang: str,
    tz: ZoneInfo,
    *,
    max_html: int = TELEGRAM_MAX,
    max_plain: int = PLAIN_MAX,
    today: date | None = None,
) -> list[Rendered]:
    """The day's digest: "📰 Bản tin công đoàn ngày dd/mm/yyyy", stories grouped by
    topic, in as few messages as fit.  Nothing at all on a day with nothing."""
    if not stories:
        return []
    ref = today or day
    title = plain(lang, "digest_title", day=fmt_date(day))
    count = plain(lang, "digest_count", n=len(stories))
    groups = _digest_groups(stories, lang)
    n = 0
    html_groups: list[tuple[str, list[str]]] = []
    plain_groups: list[tuple[str, list[str]]] = []
    for name, items in groups:
        html_entries, plain_entries = [], []
        for story in items:
            n += 1
            html_entries.append(_digest_entry_html(n, story, lang, tz, ref))
            plain_entries.append(_digest_entry_plain(n, story, lang, tz, ref))
        html_groups.append((name, html_entries))
        plain_groups.append((name, plain_entries))
    cont = plain(lang, "part_continued")
    html_parts = _pack(
        f"📰 <b>{esc(title)}</b>\n<i>{esc(count)}</i>",
        f"📰 <b>{esc(title)}</b> {esc(cont)}",
        html_groups,
        max_html,
        html_mode=True,
        cont=cont,
    )
    plain_parts = _pack(
        f"📰 {title}\n{count}",
        f"📰 {title} {cont}",
        plain_groups,
        max_plain,
        html_mode=False,
        cont=cont,
    )
    total = max(len(html_parts), len(plain_parts))
    html_parts += [""] * (total - len(html_parts))
    plain_parts += [""] * (total - len(plain_parts))
    return [Rendered(h, p) for h, p in zip(html_parts, plain_parts, strict=True)]
