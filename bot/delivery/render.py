"""Messages officers read: pushes, digests, reminders, in Telegram HTML and plain text.

Channel-neutral: nothing here knows Telegram.  Every message comes in two
forms (:class:`Rendered`): HTML for Telegram (≤ 4096 *visible* characters, the
limit Telegram applies after entity parsing) and plain text for Zalo and for
the fallback when Telegram rejects our markup (≤ 2000 characters by default).

Every string that comes from a feed is escaped (``html.escape(s, quote=False)``
in text, ``quote=True`` in ``href``): titles such as ``<script>`` or ``"A & B"``
are shown as written and can never break the markup.  Only http(s) URLs
become links or bare URLs (:func:`web_url`): a stored ``javascript:``,
``data:`` or ``vbscript:`` link is dropped and the story shown without it.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

# Re-exported: the sender, the Zalo transport and the console turn stored HTML
# into plain text with the same function as the command replies.
from bot.commands.inbound import html_to_plain as html_to_plain
from bot.commands.inbound import utf16_len, visible_length, visible_text
from bot.i18n import fmt_date, fmt_datetime, weekday
from feeds.fetch.address_guard import is_web_link
from storage.queries import EventView, StoryView

TELEGRAM_MAX = 4096
PLAIN_MAX = 2000
SUMMARY_MAX = 600  # a push is a teaser: the full article is one tap away
MAX_HASHTAGS = 4


@dataclass(frozen=True)
class Rendered:
    """One message in both forms; an empty form means that form needs fewer parts."""

    html: str
    plain: str


# --- wording ------------------------------------------------------------------

EVENT_LABELS = {
    "vi": {
        "deadline": "Hạn cuối",
        "event": "Diễn ra",
        "start": "Bắt đầu",
        "end": "Kết thúc",
        "effective": "Có hiệu lực từ",
    },
    "en": {
        "deadline": "Deadline",
        "event": "Takes place",
        "start": "Starts",
        "end": "Ends",
        "effective": "Takes effect",
    },
}
TEXTS = {
    "vi": {
        "also": "Cũng đăng trên",
        "digest_title": "Bản tin công đoàn ngày {day}",
        "digest_count": "{n} tin mới theo nội dung đồng chí đăng ký.",
        "continued": "tiếp theo",
        "other": "Tin khác",
        "remind_today": "Nhắc việc: hôm nay",
        "remind_days": "Nhắc việc: còn {n} ngày",
        "at": "lúc",
        "source": "Nguồn",
        "read": "Xem chi tiết",
    },
    "en": {
        "also": "Also published by",
        "digest_title": "Union news digest, {day}",
        "digest_count": "{n} new stories matching your subscriptions.",
        "continued": "continued",
        "other": "Other news",
        "remind_today": "Reminder: today",
        "remind_days": "Reminder: {n} days left",
        "at": "at",
        "source": "Source",
        "read": "Read more",
    },
}


def _lang(lang: str) -> str:
    return "vi" if lang == "vi" else "en"


def _t(lang: str, key: str, **kwargs: object) -> str:
    text = TEXTS[_lang(lang)][key]
    if lang != "vi" and key == "remind_days" and kwargs.get("n") == 1:
        return "Reminder: 1 day left"
    return text.format(**kwargs) if kwargs else text


def fmt_event_when(event: EventView) -> str:
    when = fmt_date(event.date)
    return f"{when} {event.time.strftime('%H:%M')}" if event.time else when


def event_label(kind: str, lang: str) -> str:
    labels = EVENT_LABELS[_lang(lang)]
    return labels.get(kind, labels["event"])


def event_what(event: EventView, lang: str, limit: int) -> str:
    """The event's description without a repeated label ("Hạn cuối nộp bài" -> "nộp bài")."""
    what = " ".join(event.what.split())
    # The description is Vietnamese whatever the reader's language.
    for label in {event_label(event.kind, "vi"), event_label(event.kind, lang)}:
        if what.casefold().startswith(label.casefold() + " "):
            what = what[len(label) + 1 :].lstrip(" :,-")
    return _shorten(what, limit) if what else ""


def esc(text: str | None) -> str:
    return htmllib.escape(text or "", quote=False)


def esc_attr(text: str) -> str:
    return htmllib.escape(text, quote=True)


def web_url(url: str | None) -> str | None:
    """``url`` when a chat may show it as a link (http or https), else None."""
    return url.strip() if url and is_web_link(url) else None


def link(url: str, text: str) -> str:
    """An HTML link, or just the escaped text when ``url`` is not http(s)."""
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
    return names[0] if _lang(lang) == "vi" else names[1]


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


def _shorten(text: str, limit: int) -> str:
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
    text = story.summary or story.description or story.text or ""
    return _shorten(text, limit)


def upcoming_events(story: StoryView, today: date) -> list[EventView]:
    return [e for e in story.events if e.date >= today]


def _when(story: StoryView, tz: ZoneInfo) -> str:
    moment = story.published or story.first_seen
    return fmt_datetime(moment, tz) if moment else ""


def _other_links(story: StoryView) -> list[tuple[str, str]]:
    """(source name, url) of the other sites that carried the story."""
    seen = {story.url}
    out = []
    for item in story.links:
        if item.url not in seen and web_url(item.url):
            seen.add(item.url)
            out.append((item.source_name, item.url))
    return out


def _today(tz: ZoneInfo, today: date | None) -> date:
    return today or datetime.now(tz).date()


def render_story_html(
    story: StoryView,
    lang: str,
    tz: ZoneInfo,
    *,
    matched: Sequence[str] = (),
    today: date | None = None,
) -> str:
    """One story, as a push or a /latest answer."""
    lines = [f"<b>{link(story.url, story.title)}</b>"]
    meta = " · ".join(p for p in (esc(story.source_name), _when(story, tz)) if p)
    lines.append(f"<i>{meta}</i>")
    summary = story_summary(story)
    if summary:
        lines += ["", esc(summary)]
    events = upcoming_events(story, _today(tz, today))
    if events:
        lines.append("")
        for event in events[:4]:
            what = f" — {esc(w)}" if (w := event_what(event, lang, 160)) else ""
            lines.append(
                f"⏰ {event_label(event.kind, lang)}: <b>{fmt_event_when(event)}</b>{what}"
            )
    others = _other_links(story)
    if others:
        links = ", ".join(link(url, name) for name, url in others)
        lines += ["", f"{_t(lang, 'also')}: {links}"]
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
) -> str:
    """The same story in plain text, with bare URLs (Zalo has no links)."""
    lines = [story.title]
    meta = " · ".join(p for p in (story.source_name, _when(story, tz)) if p)
    lines.append(meta)
    summary = story_summary(story, 400)
    if summary:
        lines += ["", summary]
    events = upcoming_events(story, _today(tz, today))
    if events:
        lines.append("")
        for event in events[:4]:
            what = f" — {w}" if (w := event_what(event, lang, 120)) else ""
            lines.append(f"⏰ {event_label(event.kind, lang)}: {fmt_event_when(event)}{what}")
    if url := web_url(story.url):
        lines += ["", url]
    others = _other_links(story)
    if others:
        lines.append(f"{_t(lang, 'also')}:")
        lines += [f"- {name}: {url}" for name, url in others]
    tags = story_hashtags(story, matched)
    if tags:
        lines += ["", " ".join(tags)]
    return "\n".join(lines)


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
) -> list[Rendered]:
    """One message per story, in the given order (long ones split into parts)."""
    out: list[Rendered] = []
    for story in stories:
        out += _pair(
            render_story_html(story, lang, tz, matched=matched, today=today),
            render_story_plain(story, lang, tz, matched=matched, today=today),
            max_html,
            max_plain,
        )
    return out


# --- digest ---------------------------------------------------------------------------


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
        named.append((_t(lang, "other"), other))
    return named


def _digest_entry_html(n: int, story: StoryView, lang: str, tz: ZoneInfo, today: date) -> str:
    meta = " · ".join(p for p in (esc(story.source_name), _when(story, tz)) if p)
    lines = [f"{n}. {link(story.url, story.title)}", f"<i>{meta}</i>"]
    summary = story_summary(story, 220)
    if summary:
        lines.append(esc(summary))
    for event in upcoming_events(story, today)[:2]:
        lines.append(f"⏰ {event_label(event.kind, lang)}: <b>{fmt_event_when(event)}</b>")
    others = _other_links(story)
    if others:
        lines.append(f"{_t(lang, 'also')}: " + ", ".join(link(u, name) for name, u in others))
    return "\n".join(lines)


def _digest_entry_plain(n: int, story: StoryView, lang: str, tz: ZoneInfo, today: date) -> str:
    meta = " · ".join(p for p in (story.source_name, _when(story, tz)) if p)
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
                block = f"\n\n{bold(name)} ({cont})\n\n{entry}"
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
    title = _t(lang, "digest_title", day=fmt_date(day))
    count = _t(lang, "digest_count", n=len(stories))
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
    cont = _t(lang, "continued")
    html_parts = _pack(
        f"📰 <b>{esc(title)}</b>\n<i>{esc(count)}</i>",
        f"📰 <b>{esc(title)}</b> ({cont})",
        html_groups,
        max_html,
        html_mode=True,
        cont=cont,
    )
    plain_parts = _pack(
        f"📰 {title}\n{count}",
        f"📰 {title} ({cont})",
        plain_groups,
        max_plain,
        html_mode=False,
        cont=cont,
    )
    total = max(len(html_parts), len(plain_parts))
    html_parts += [""] * (total - len(html_parts))
    plain_parts += [""] * (total - len(plain_parts))
    return [Rendered(h, p) for h, p in zip(html_parts, plain_parts, strict=True)]


# --- reminders and notices ------------------------------------------------------------


def render_reminder(
    event: EventView, story: StoryView, days_before: int, lang: str, tz: ZoneInfo
) -> Rendered:
    """ "⏰ Nhắc việc: còn 3 ngày — Hạn cuối: nộp bài dự thi (30/11/2026)" and the story."""
    head = _t(lang, "remind_today") if days_before == 0 else _t(lang, "remind_days", n=days_before)
    label = event_label(event.kind, lang)
    what = event_what(event, lang, 300) or _shorten(story.title, 300)
    when = fmt_event_when(event)
    day_line = f"🗓 {weekday(event.date, lang)}, {fmt_date(event.date)}"
    if event.time:
        day_line += f" {_t(lang, 'at')} {event.time.strftime('%H:%M')}"
    html_text = "\n".join(
        [
            f"⏰ <b>{esc(head)}</b> — {esc(label)}: {esc(what)} ({when})",
            day_line,
            "",
            f"{_t(lang, 'source')}: {link(story.url, story.title)}",
        ]
    )
    plain_text = "\n".join(
        [
            f"⏰ {head} — {label}: {what} ({when})",
            day_line,
            "",
            f"{_t(lang, 'source')}: {story.title}",
            web_url(story.url) or "",
        ]
    ).rstrip()
    return Rendered(
        split_message(html_text, TELEGRAM_MAX, html=True)[0],
        split_message(plain_text, PLAIN_MAX, html=False)[0],
    )


def render_cap_notice(count: int, digest_at: time, lang: str) -> Rendered:
    """Told once a day when the push cap is reached."""
    hhmm = digest_at.strftime("%H:%M")
    if _lang(lang) == "vi":
        text = (
            f"Đồng chí đã nhận đủ {count} tin hôm nay; các tin tiếp theo sẽ có "
            f"trong bản tin tổng hợp lúc {hhmm}."
        )
    else:
        text = (
            f"You have received {count} stories today; further stories will be in "
            f"the digest at {hhmm}."
        )
    return Rendered(f"ℹ️ {esc(text)}", f"ℹ️ {text}")


# --- lengths and splitting --------------------------------------------------------------

_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


@dataclass
class _Atom:
    raw: str
    size: int  # visible UTF-16 units (0 for a tag)
    tag: str | None = None  # tag name, for tags
    closing: bool = False


def _atoms(text: str, html_mode: bool) -> list[_Atom]:
    if not html_mode:
        return [_Atom(ch, 2 if ord(ch) > 0xFFFF else 1) for ch in text]
    atoms: list[_Atom] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.startswith("<") and len(token) > 1:
            tag = _TAG.match(token)
            if tag:
                atoms.append(_Atom(token, 0, tag.group(2).lower(), bool(tag.group(1))))
                continue
        if token.startswith("&") and len(token) > 1:
            atoms.append(_Atom(token, utf16_len(htmllib.unescape(token))))
            continue
        atoms += [_Atom(ch, 2 if ord(ch) > 0xFFFF else 1) for ch in token]
    return atoms


# Break preference: paragraph, line, sentence end, word boundary.
_PARAGRAPH, _LINE, _SENTENCE, _SPACE = 4, 3, 2, 1


def _break_rank(atoms: list[_Atom], i: int) -> int:
    """Rank of breaking *after* atom i (0: not a boundary)."""
    raw = atoms[i].raw
    nxt = atoms[i + 1].raw if i + 1 < len(atoms) else ""
    if raw == "\n":
        return _PARAGRAPH if nxt == "\n" or (i > 0 and atoms[i - 1].raw == "\n") else _LINE
    if raw == " " and i > 0 and atoms[i - 1].raw in (".", "!", "?", "…", ";"):
        return _SENTENCE
    if raw in (" ", "\t"):
        return _SPACE
    return 0


def split_message(text: str, limit: int, *, html: bool) -> list[str]:
    """Split into parts of at most ``limit`` visible characters.

    Breaks at a paragraph, else a line, a sentence end, a space (in the last
    half of the part), else anywhere; never inside a tag or an entity.  Tags
    open at a break are closed at the end of the part and reopened at the
    start of the next, so every part is valid HTML on its own.
    """
    if visible_length(text, markup=html) <= limit:
        return [text] if text.strip() else []
    atoms = _atoms(text, html)
    parts: list[str] = []
    start = 0
    stack: list[_Atom] = []  # open tags at ``start``
    while start < len(atoms):
        size, best, best_rank, i = 0, -1, 0, start
        open_tags = list(stack)
        stacks: dict[int, list[_Atom]] = {}
        while i < len(atoms) and size + atoms[i].size <= limit:
            atom = atoms[i]
            size += atom.size
            if atom.tag:
                if atom.closing:
                    if open_tags and open_tags[-1].tag == atom.tag:
                        open_tags.pop()
                else:
                    open_tags.append(atom)
            rank = _break_rank(atoms, i)
            # Inside a link, a break would cut the link in two: prefer other places.
            if rank and any(t.tag == "a" for t in open_tags):
                rank = 0
            if rank and rank >= best_rank and size >= limit // 2:
                best, best_rank = i, rank
                stacks[i] = list(open_tags)
            i += 1
        if i >= len(atoms):
            end, end_stack = len(atoms), open_tags
        elif best >= 0:
            end, end_stack = best + 1, stacks[best]
        else:
            end = max(i, start + 1)  # no boundary at all: cut hard
            end_stack = open_tags
        # Closing tags that immediately follow belong to this part.
        while end < len(atoms) and atoms[end].tag and atoms[end].closing:
            if end_stack and end_stack[-1].tag == atoms[end].tag:
                end_stack = end_stack[:-1]
            end += 1
        body = "".join(a.raw for a in stack) + "".join(a.raw for a in atoms[start:end])
        body += "".join(f"</{t.tag}>" for t in reversed(end_stack))
        if visible_text(body).strip() if html else body.strip():
            parts.append(body.strip())
        stack = end_stack
        start = end
        # The next part does not start with the whitespace we broke at.
        while start < len(atoms) and atoms[start].raw in (" ", "\n", "\t"):
            start += 1
    return parts


def join_nonempty(parts: Iterable[str], sep: str = "\n") -> str:
    return sep.join(p for p in parts if p)
