"""The command router: one method per command, whatever the channel.

A channel adapter turns what a user typed or pressed into an
:class:`~bot.inbound.Inbound` and sends back the :class:`~bot.inbound.Reply`
list it gets from :meth:`CommandRouter.handle` / :meth:`handle_callback`.
Nothing here imports ``telegram``: a Zalo adapter uses the same router.

Blocking database work runs in worker threads (``asyncio.to_thread``) so the
bot's event loop never stalls; the only awaited call out is ``is_admin``
(a channel API question, cached by the adapter).

Callback data (≤ 64 ASCII bytes, see :func:`_data`):
``m:<page>:<u|t>:<id>`` toggle in the /start menu, ``p:<page>`` menu page,
``o`` another unit, ``s:<u|t|k>:<id>`` subscribe a suggestion,
``r:<sub>:<tok>`` replace a topic subscription by keywords, ``x:<sub>``
unsubscribe, ``c:<sub>:<0|1>`` sub-units off/on, ``q:<tok>`` search,
``a:<tok>`` subscribe typed text, ``stop:y|n``.  Ids too long for 64 bytes
and keyword phrases travel as short tokens kept in memory (``#<tok>``); a
token lost in a restart answers "button expired".
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.i18n import (
    ALIASES,
    OPERATOR_COMMANDS,
    Html,
    command_name,
    esc,
    fmt_date,
    fmt_datetime,
    fmt_day_with_weekday,
    fmt_remind_days,
    fmt_time,
    pick_language,
    t,
)
from bot.inbound import Button, Inbound, Reply, visible_length
from bot.subscribe_resolver import (
    MAX_INPUT,
    Candidate,
    KeywordError,
    KeywordFilter,
    Resolution,
    Resolver,
    parse_keywords,
)
from feeds.config import Config
from feeds.topics import TopicClassifier, default_classifier
from feeds.union_calendar import calendar_events
from feeds.units import NATIONAL_ID, province_for_url, taxonomy
from feeds.vntext import collapse_whitespace, exact_key, fold_key, normalize
from storage import chats as store
from storage.db import Database
from storage.models import Chat, Subscription
from storage.queries import StoryView, source_health, stories_by_id

log = logging.getLogger(__name__)

IsAdmin = Callable[[Inbound], Awaitable[bool]]
RenderStory = Callable[[StoryView, str], tuple[str, str]]

LATEST_DEFAULT, LATEST_MAX = 5, 20
SEARCH_MAX = 10
SEARCH_SCAN_MAX = 5000  # stories read by one keyword search (newest first)
EVENTS_DAYS = 30
EVENTS_MAX = 30
MESSAGE_LIMIT = 4000  # visible UTF-16 units per message; Telegram allows 4096
SUMMARY_CHARS = 200
TOPICS_PER_PAGE = 8
TOKENS_KEPT = 10_000

# Commands that only read: any member of a group may use them.
READ_COMMANDS = frozenset({"latest", "search", "events", "mysubs", "help", "stats", "sources"})
_OFF = frozenset({"off", "tat", "tắt", "khong", "không", "huy", "hủy", "no", "none"})
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)


@dataclass
class _Ctx:
    """One request: the message, its arguments and what the sender may do."""

    msg: Inbound
    args: str
    lang: str
    now: datetime
    admin: bool  # may change this chat's subscriptions and settings
    operator: bool


class CommandRouter:
    """Commands and button presses -> replies, for any channel."""

    def __init__(
        self,
        db: Database,
        config: Config,
        *,
        is_admin: IsAdmin | None = None,
        render_story: RenderStory | None = None,
        clock: Callable[[], datetime] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.tz = config.tz
        self._is_admin = is_admin
        self._render_story = render_story
        self._clock = clock or (lambda: datetime.now(UTC))
        classifier = TopicClassifier(extra=config.topics) if config.topics else None
        self.topics: TopicClassifier = classifier or default_classifier()
        self.resolver = resolver or Resolver(taxonomy(), self.topics)
        self._operators = {str(o) for o in config.operators}
        self._names = {name: canon for canon, names in ALIASES.items() for name in (canon, *names)}
        self._tokens: OrderedDict[str, str] = OrderedDict()
        self._featured = self._featured_units()

    # ------------------------------------------------------------------ entry points

    async def handle(self, msg: Inbound) -> list[Reply]:
        """Answer a text message or a command."""
        text = normalize(msg.text or "").strip()
        match = _COMMAND.match(text)
        if not text.startswith("/"):
            if msg.is_group or not text:
                return []  # groups talk among themselves; only commands are for the bot
            ctx = await self._context(msg, text, write=False)
            return await asyncio.to_thread(self._plain_text, ctx)
        name = match.group(1).lower() if match else ""
        canonical = self._names.get(name)
        args = collapse_whitespace(match.group(3) or "") if match else ""
        if canonical is None:
            ctx = await self._context(msg, args, write=False)
            return [self._reply(t(ctx.lang, "unknown_command"))]
        ctx = await self._context(msg, args, write=canonical not in READ_COMMANDS)
        if canonical in OPERATOR_COMMANDS and not ctx.operator:
            return [self._reply(t(ctx.lang, "not_operator"))]
        handler = getattr(self, f"_cmd_{canonical}")
        if len(args) > MAX_INPUT:
            example = f"/{command_name(ctx.lang, canonical)} {_EXAMPLES.get(canonical, '')}"
            return [
                self._reply(
                    t(ctx.lang, "too_long", n=len(args), max=MAX_INPUT, example=example.strip())
                )
            ]
        return await asyncio.to_thread(handler, ctx)

    async def handle_callback(self, msg: Inbound, data: str) -> list[Reply]:
        """Answer a button press; ``msg.message_id`` is the message carrying the button."""
        op = data.split(":", 1)[0]
        ctx = await self._context(msg, data, write=op not in ("p", "o", "q"))
        return await asyncio.to_thread(self._callback, ctx, data)

    async def chat_joined(self, msg: Inbound) -> list[Reply]:
        """The bot was added to a group: register it and explain who can subscribe."""

        def run() -> list[Reply]:
            with self.db.write() as session:
                lang = pick_language(msg.language_code, self.config.language)
                chat = store.get_or_create_chat(
                    session,
                    msg.channel,
                    msg.chat_id,
                    kind=msg.chat_kind,
                    title=msg.chat_title,
                    language=lang,
                    now=self._clock(),
                )
                return [self._reply(t(chat.language, "group_added"))]

        return await asyncio.to_thread(run)

    async def chat_left(self, channel: str, chat_id: str, reason: str) -> None:
        """The bot was removed from a group or blocked: stop delivering there."""

        def run() -> None:
            with self.db.write() as session:
                chat = store.find_chat(session, channel, chat_id)
                if chat is not None:
                    store.mark_inactive(session, chat.id, reason)

        await asyncio.to_thread(run)

    async def chat_migrated(self, channel: str, old_id: str, new_id: str) -> None:
        """A group became a supergroup: its subscriptions follow it."""

        def run() -> None:
            with self.db.write() as session:
                store.migrate_chat(session, channel, old_id, new_id)

        await asyncio.to_thread(run)

    def error_reply(self, language_code: str | None) -> Reply:
        """What the user sees when a handler failed."""
        return self._reply(t(pick_language(language_code, self.config.language), "error_generic"))

    # ------------------------------------------------------------------ context

    async def _context(self, msg: Inbound, args: str, *, write: bool) -> _Ctx:
        operator = msg.user_id in self._operators
        # Private chats own themselves; in a group only admins (asked when it matters).
        admin = operator or not msg.is_group
        if msg.is_group and write and not operator:
            admin = bool(self._is_admin and await self._is_admin(msg))
        lang = await asyncio.to_thread(self._language, msg)
        return _Ctx(msg, args, lang, self._clock(), admin, operator)

    def _language(self, msg: Inbound) -> str:
        with self.db.read() as session:
            chat = store.find_chat(session, msg.channel, msg.chat_id)
            if chat is not None:
                return chat.language
        return pick_language(msg.language_code, self.config.language)

    def _chat(self, session: Session, ctx: _Ctx) -> Chat:
        """The chat, created on its first change (reading commands create nothing)."""
        return store.get_or_create_chat(
            session,
            ctx.msg.channel,
            ctx.msg.chat_id,
            kind=ctx.msg.chat_kind,
            title=ctx.msg.chat_title,
            language=ctx.lang,
            now=ctx.now,
        )

    def _find_chat(self, session: Session, ctx: _Ctx) -> Chat | None:
        return store.find_chat(session, ctx.msg.channel, ctx.msg.chat_id)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _reply(
        text: str, buttons: list[list[Button]] | None = None, *, edit: str | None = None
    ) -> Reply:
        return Reply.from_html(text, buttons, edit_message_id=edit)

    def _token(self, payload: str) -> str:
        """A short stable token for a payload too long for callback data."""
        digest = hashlib.sha1(payload.encode("utf-8")).digest()
        token = base64.b32encode(digest).decode("ascii")[:10].lower()
        self._tokens[token] = payload
        self._tokens.move_to_end(token)
        while len(self._tokens) > TOKENS_KEPT:
            self._tokens.popitem(last=False)
        return token

    def _untoken(self, value: str) -> str | None:
        if value.startswith("#"):
            return self._tokens.get(value[1:])
        return value

    def _data(self, prefix: str, value: str) -> str:
        """Callback data ``prefix + value``, with the value as a token when too long."""
        data = prefix + value
        if len(data) <= 64 and data.isascii():
            return data
        return prefix + "#" + self._token(value)

    def _label(self, sub: Subscription, lang: str) -> str:
        """How a subscription is named to the user."""
        if sub.kind == "topic":
            topic = self.topics.get(sub.value)
            if topic is not None:
                return topic.name_en if lang == "en" else topic.name
        if sub.kind == "keyword":
            return KeywordFilter.from_row(sub.value, sub.exclude).label
        return sub.label

    def _candidate_label(self, cand: Candidate, lang: str) -> str:
        suffix = t(lang, "historical") if cand.historical else ""
        return cand.display(lang) + suffix

    def _featured_units(self) -> list[Candidate]:
        """The units shown on /start: the sources' provinces, the national body, and
        the main units of the first province (its city, its largest sectors)."""
        tax = taxonomy()
        provinces: list[str] = []
        for source in self.config.sources:
            province = source.province or province_for_url(source.url)
            if province and province not in provinces:
                provinces.append(province)
        provinces = provinces or ["Nghệ An"]
        feds = [
            u
            for p in provinces[:3]
            for u in tax.all()
            if u.kind == "province" and u.province == p and not u.historical
        ]
        chosen = [*feds]
        national = tax.get(NATIONAL_ID)
        if national is not None:
            chosen.append(national)
        if feds:
            children = tax.children(feds[0].id)
            cities = [u for u in children if u.kind == "district" and " TP " in f" {u.name} "]
            sectors = [u for u in children if u.kind == "local_sector"]
            chosen += cities[:1] + sectors[: max(0, 6 - len(chosen) - len(cities[:1]))]
        return [Candidate("unit", u.id, u.name, 1.0, historical=u.historical) for u in chosen[:6]]

    # ------------------------------------------------------------------ /start

    def _cmd_start(self, ctx: _Ctx) -> list[Reply]:
        notes: list[str] = []
        payload = ctx.args.split()[0] if ctx.args else ""
        with self.db.write() as session:
            if payload and not ctx.admin:
                notes.append(t(ctx.lang, "not_admin"))
            elif payload:
                cand = self._deep_link(payload)
                if cand is None:
                    notes.append(t(ctx.lang, "deeplink_bad"))
                else:
                    chat = self._chat(session, ctx)
                    notes.append(self._subscribe(session, chat, ctx.lang, cand).html)
            chat = self._chat(session, ctx) if ctx.admin else self._find_chat(session, ctx)
            text = self._start_text(ctx, notes)
            return [self._reply(text, self._start_menu(session, chat, ctx.lang, 0))]

    def _deep_link(self, payload: str) -> Candidate | None:
        kind, _, value = payload.partition("_")
        if kind == "topic":
            return self.resolver.topic_candidate(value)
        if kind == "unit":
            return self.resolver.unit_candidate(value)
        return None

    def _start_text(self, ctx: _Ctx, notes: Sequence[str] = ()) -> str:
        msg = ctx.msg
        if msg.is_group:
            greeting = t(ctx.lang, "greeting_group", name=msg.chat_title or "")
        else:
            greeting = t(ctx.lang, "greeting", name=msg.user_name or "")
        pick = "start_pick" if ctx.admin else "start_pick_group_member"
        parts = [greeting, *notes, t(ctx.lang, "intro"), t(ctx.lang, pick)]
        return "\n\n".join(parts)

    def _start_menu(
        self, session: Session, chat: Chat | None, lang: str, page: int
    ) -> list[list[Button]]:
        followed = store.followed_keys(session, chat)
        topics = self.topics.catalog()
        pages = max(1, -(-len(topics) // TOPICS_PER_PAGE))
        page = min(max(page, 0), pages - 1)

        def button(kind: str, value: str, label: str) -> Button:
            mark = "✅ " if (kind, value) in followed else ""
            code = "u" if kind == "unit" else "t"
            return Button(mark + label, data=self._data(f"m:{page}:{code}:", value))

        units = [button("unit", c.value, c.label) for c in self._featured]
        rows = [units[i : i + 2] for i in range(0, len(units), 2)]
        rows.append([Button(t(lang, "btn_other_unit"), data="o")])
        shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        topic_buttons = [
            button("topic", tp.id, tp.name_en if lang == "en" else tp.name) for tp in shown
        ]
        rows += [topic_buttons[i : i + 2] for i in range(0, len(topic_buttons), 2)]
        nav = []
        if page > 0:
            nav.append(Button(t(lang, "btn_prev"), data=f"p:{page - 1}"))
        if page < pages - 1:
            nav.append(Button(t(lang, "btn_next"), data=f"p:{page + 1}"))
        if nav:
            rows.append(nav)
        return rows

    # ------------------------------------------------------------------ /subscribe

    def _cmd_subscribe(self, ctx: _Ctx) -> list[Reply]:
        if not ctx.args:
            return [self._reply(t(ctx.lang, "sub_usage"))]
        if not ctx.admin:
            return [self._reply(t(ctx.lang, "not_admin"))]
        resolution = self.resolver.resolve(ctx.args)
        with self.db.write() as session:
            return self._apply_resolution(session, ctx, resolution)

    def _apply_resolution(self, session: Session, ctx: _Ctx, res: Resolution) -> list[Reply]:
        lang = ctx.lang
        if res.status == "keyword":
            if res.keywords is None:
                return [self._reply(self._keyword_error(lang, res))]
            return [self._subscribe(session, self._chat(session, ctx), lang, res.keywords)]
        if res.status == "match" and res.best is not None:
            chat = self._chat(session, ctx)
            reply = self._subscribe(session, chat, lang, res.best)
            if res.best.score < 1.0 and res.best.kind == "topic" and res.keywords:
                # A topic found through one of its phrases ("tết sum vầy" -> welfare):
                # offer to follow exactly what was typed instead.
                sub = store.find_subscription(session, chat, "topic", res.best.value)
                if sub is not None:
                    token = self._token(_keywords_payload(res.keywords))
                    label = t(lang, "btn_keyword_instead", q=res.keywords.label)
                    extra = [Button(_plain(label), data=f"r:{sub.id}:{token}")]
                    reply = Reply(reply.html, reply.plain, [*reply.buttons, extra])
            return [reply]
        buttons = [
            [Button(self._candidate_label(c, lang), data=self._data(f"s:{c.kind[0]}:", c.value))]
            for c in res.candidates
        ]
        if res.keywords is not None:
            token = self._token(_keywords_payload(res.keywords))
            label = t(lang, "btn_subscribe_keyword", q=res.keywords.label)
            buttons.append([Button(_plain(label), data=f"s:k:#{token}")])
        if res.status == "ambiguous":
            return [self._reply(t(lang, "sub_ambiguous"), buttons)]
        text = t(lang, "sub_not_found", q=res.query)
        if res.candidates:
            text = Html(f"{text}\n{t(lang, 'sub_closest')}")
        return [self._reply(text, buttons)]

    def _keyword_error(self, lang: str, res: Resolution) -> str:
        code = res.keyword_error or "kw_empty"
        return t(lang, code, q=res.query, max=_KW_LIMITS.get(code, ""))

    def _subscribe(
        self, session: Session, chat: Chat, lang: str, what: Candidate | KeywordFilter
    ) -> Reply:
        """Add one subscription and say so (with the sub-units toggle for a unit)."""
        if isinstance(what, KeywordFilter):
            kind, value, label, exclude = "keyword", what.value, what.label, what.exclude_value
        else:
            kind, value, label, exclude = what.kind, what.value, what.label, ""
        try:
            sub, created = store.add_subscription(
                session, chat, kind, value, label, exclude=exclude
            )
        except store.SubscriptionLimitError:
            return self._reply(t(lang, "sub_limit", max=store.MAX_SUBSCRIPTIONS))
        shown = self._label(sub, lang)
        if isinstance(what, Candidate) and what.historical:
            shown += t(lang, "historical")
        if not created:
            return self._reply(t(lang, "sub_exists", label=shown))
        if kind == "unit":
            button = Button(t(lang, "btn_children_off"), data=f"c:{sub.id}:0")
            return self._reply(t(lang, "sub_added_unit", label=shown), [[button]])
        if kind == "topic":
            return self._reply(t(lang, "sub_added_topic", label=shown))
        words = ", ".join(KeywordFilter.from_row(sub.value, sub.exclude).exclude)
        exclude_note = t(lang, "sub_keyword_exclude", words=words) if words else Html("")
        text = Html(
            t(lang, "sub_added_keyword", label=shown)
            + "\n"
            + t(lang, "sub_keyword_rules", exclude=exclude_note)
        )
        return self._reply(text)

    # ------------------------------------------------------------------ /unsubscribe, /mysubs

    def _cmd_unsubscribe(self, ctx: _Ctx) -> list[Reply]:
        if not ctx.args:
            return self._cmd_mysubs(ctx)
        if not ctx.admin:
            return [self._reply(t(ctx.lang, "not_admin"))]
        with self.db.write() as session:
            chat = self._find_chat(session, ctx)
            subs = store.list_subscriptions(session, chat) if chat else []
            target = self._find_typed_subscription(subs, ctx.args, ctx.lang)
            if chat is None or target is None:
                text = t(ctx.lang, "unsub_not_found", q=ctx.args)
                return [self._reply(text, self._unsub_buttons(subs, ctx.lang))]
            label = self._label(target, ctx.lang)
            store.remove_subscription(session, chat, target.id)
            return [self._reply(t(ctx.lang, "unsub_done", label=label))]

    def _find_typed_subscription(
        self, subs: list[Subscription], typed: str, lang: str
    ) -> Subscription | None:
        """The subscription the user named: by its label or value, else as /subscribe would."""
        keys = {exact_key(typed), fold_key(typed)}
        for sub in subs:
            names = (sub.label, sub.value, self._label(sub, lang))
            if any(exact_key(n) in keys or fold_key(n) in keys for n in names):
                return sub
        res = self.resolver.resolve(typed)
        wanted = {(c.kind, c.value) for c in res.candidates[:1]}
        if res.keywords is not None:
            wanted.add(("keyword", res.keywords.value))
        return next((s for s in subs if (s.kind, s.value) in wanted), None)

    def _unsub_buttons(self, subs: list[Subscription], lang: str) -> list[list[Button]]:
        return [
            [Button(f"❌ {i}. {_short(self._label(s, lang), 48)}", data=f"x:{s.id}")]
            for i, s in enumerate(subs, 1)
        ]

    def _cmd_mysubs(self, ctx: _Ctx) -> list[Reply]:
        with self.db.read() as session:
            chat = self._find_chat(session, ctx)
            subs = store.list_subscriptions(session, chat) if chat else []
            return [self._mysubs_reply(subs, ctx)]

    def _mysubs_reply(
        self, subs: list[Subscription], ctx: _Ctx, *, edit: str | None = None
    ) -> Reply:
        lang = ctx.lang
        if not subs:
            return self._reply(t(lang, "mysubs_empty"), edit=edit)
        header = "mysubs_header_group" if ctx.msg.is_group else "mysubs_header"
        lines = [t(lang, header, n=len(subs))]
        for i, sub in enumerate(subs, 1):
            detail = ""
            if sub.kind == "unit":
                detail = t(lang, "with_children" if sub.include_children else "without_children")
            kind = t(lang, f"kind_{sub.kind}")
            line = f"{i}. {kind}: <b>{esc(self._label(sub, lang))}</b>"
            lines.append(f"{line} ({detail})" if detail else line)
        lines.append(t(lang, "mysubs_hint"))
        return self._reply("\n".join(lines), self._unsub_buttons(subs, lang), edit=edit)

    # ------------------------------------------------------------------ /latest, /search

    def _cmd_latest(self, ctx: _Ctx) -> list[Reply]:
        lang = ctx.lang
        words = ctx.args.split()
        count = LATEST_DEFAULT
        if words and re.fullmatch(r"[+-]?\d+", words[0]):
            count = int(words[0])
            words = words[1:]
            if not 1 <= count <= LATEST_MAX:
                return [self._reply(t(lang, "latest_bad_n", max=LATEST_MAX))]
        query = " ".join(words)
        with self.db.read() as session:
            if not query:
                ids = store.story_ids_newest(session, limit=count)
                stories = stories_by_id(session, ids)
                if not stories:
                    return [self._reply(t(lang, "latest_empty"))]
                return self._story_list(t(lang, "latest_header", n=len(stories)), stories, lang)
            label, ids = self._filtered_ids(session, query, count, lang)
            if ids is None:
                return [self._reply(self._keyword_error(lang, self.resolver.resolve(query)))]
            stories = stories_by_id(session, ids)
            if not stories:
                return [self._reply(t(lang, "latest_none_filter", q=query))]
            return self._story_list(t(lang, "latest_header_filter", label=label), stories, lang)

    def _filtered_ids(
        self, session: Session, query: str, limit: int, lang: str
    ) -> tuple[str, list[int] | None]:
        """Newest stories for a unit, topic or keywords, resolved as /subscribe does.

        Without a clear unit or topic the words are used as keywords: a list of
        news about "Diễn Châu" is useful even when the place names two units.
        """
        res = self.resolver.resolve(query)
        best = res.best
        if res.status == "match" and best is not None:
            if best.kind == "unit":
                ids = store.story_ids_for_unit(
                    session, best.value, include_children=True, limit=limit
                )
            else:
                ids = store.story_ids_for_topic(session, best.value, limit=limit)
            return self._candidate_label(best, lang), ids
        if res.keywords is None:
            return query, None
        return res.keywords.label, self._scan(session, res.keywords, limit)

    def _scan(self, session: Session, flt: KeywordFilter, limit: int) -> list[int]:
        """Newest stories whose title or text match the filter."""
        found: list[int] = []
        offset, page = 0, 250
        while offset < SEARCH_SCAN_MAX and len(found) < limit:
            batch = store.story_texts(session, offset=offset, limit=page, phrases=flt.include)
            if not batch:
                break
            for story in batch:
                if flt.matches(f"{story.title}\n{story.text}"):
                    found.append(story.id)
                    if len(found) >= limit:
                        break
            offset += page
        return found

    def _cmd_search(self, ctx: _Ctx) -> list[Reply]:
        if not ctx.args:
            return [self._reply(t(ctx.lang, "search_usage"))]
        return self._search(ctx, ctx.args)

    def _search(self, ctx: _Ctx, query: str) -> list[Reply]:
        lang = ctx.lang
        try:
            flt = parse_keywords(query)
        except KeywordError as exc:
            code = exc.code if exc.code != "kw_empty" else "search_usage"
            return [self._reply(t(lang, code, q=query, max=_KW_LIMITS.get(code, "")))]
        with self.db.read() as session:
            stories = stories_by_id(session, self._scan(session, flt, SEARCH_MAX))
        if not stories:
            return [self._reply(t(lang, "search_none", q=flt.label))]
        return self._story_list(
            t(lang, "search_header", n=len(stories), q=flt.label), stories, lang
        )

    def _story_block(self, story: StoryView, lang: str, index: int) -> tuple[str, str]:
        if self._render_story is not None:
            return self._render_story(story, lang)
        when = story.published or story.first_seen
        head = (
            f"{index}. <b>{esc(story.title)}</b> — {esc(story.source_name)}, "
            f"{fmt_datetime(when, self.tz)}"
        )
        lines = [head]
        summary = _short(collapse_whitespace(story.summary or story.description or ""), 200)
        if summary:
            lines.append(esc(summary))
        lines.append(esc(story.url))
        others = [link.source_name for link in story.links if link.url != story.url]
        if others:
            sites = ", ".join(dict.fromkeys(others))
            lines.append(t(lang, "story_more_links", sites=sites))
        text = "\n".join(lines)
        return text, Reply.from_html(text).plain

    def _story_list(self, header: str, stories: list[StoryView], lang: str) -> list[Reply]:
        blocks = [self._story_block(s, lang, i) for i, s in enumerate(stories, 1)]
        return _pack(header, blocks)

    # ------------------------------------------------------------------ /events

    def _cmd_events(self, ctx: _Ctx) -> list[Reply]:
        lang = ctx.lang
        today = ctx.now.astimezone(self.tz).date()
        end = today + timedelta(days=EVENTS_DAYS)
        with self.db.read() as session:
            chat = self._find_chat(session, ctx)
            subs = store.list_subscriptions(session, chat) if chat else []
            news = self._followed_events(session, subs, today, end)
        calendar = calendar_events(today, end)
        header = t(lang, "events_header", start=fmt_date(today), end=fmt_date(end))
        scope = t(lang, "events_scope_followed" if subs else "events_scope_all")
        if not news and not calendar:
            return [self._reply(f"{header}\n{t(lang, 'events_none')}")]
        blocks: list[tuple[str, str]] = []
        if news:
            blocks.append(_block(t(lang, "events_from_news")))
            blocks += [_block(self._event_line(ev, story, lang)) for ev, story in news]
        if calendar:
            blocks.append(_block(t(lang, "events_calendar")))
            for day in calendar:
                name = day.name_en if lang == "en" else day.name
                blocks.append(
                    _block(f"<b>{fmt_day_with_weekday(day.date, lang)}</b> — {esc(name)}")
                )
        return _pack(f"{header} {scope}", blocks, separator="\n")

    def _followed_events(
        self, session: Session, subs: list[Subscription], start: date, end: date
    ) -> list[tuple[store.UpcomingEvent, StoryView]]:
        events = store.upcoming_events(session, start, end)
        story_ids = list(dict.fromkeys(e.story_id for e in events))[:300]
        views = {v.id: v for v in stories_by_id(session, story_ids)}
        units = store.story_unit_ids(session, list(views)) if subs else {}
        kept: list[tuple[store.UpcomingEvent, StoryView]] = []
        seen: set[tuple[date, str]] = set()
        for event in events:
            view = views.get(event.story_id)
            if view is None or (subs and not _story_matches(view, units[view.id], subs)):
                continue
            key = (event.date, exact_key(event.what or view.title))
            if key in seen:  # the same deadline repeated by several stories
                continue
            seen.add(key)
            kept.append((event, view))
            if len(kept) >= EVENTS_MAX:
                break
        return kept

    def _event_line(self, event: store.UpcomingEvent, story: StoryView, lang: str) -> str:
        when = f"<b>{fmt_day_with_weekday(event.date, lang)}</b>"
        if event.time is not None:
            when += f", {fmt_time(event.time)}"
        kind = t(lang, f"event_{event.kind}") if event.kind in _EVENT_KINDS else ""
        what = esc(event.what or story.title)
        line = f"{when} — {kind}: {what}" if kind else f"{when} — {what}"
        link = f'<a href="{html.escape(story.url, quote=True)}">{esc(_short(story.title, 90))}</a>'
        return f"{line}\n   ↳ {link}"

    # ------------------------------------------------------------------ settings

    def _cmd_digest(self, ctx: _Ctx) -> list[Reply]:
        lang = ctx.lang
        if not ctx.args:
            with self.db.read() as session:
                chat = self._find_chat(session, ctx)
                at = chat.digest_time if chat else None
            status = (
                t(lang, "digest_status_on", time=fmt_time(at))
                if at
                else t(lang, "digest_status_off")
            )
            return [self._reply(f"{status}\n{t(lang, 'digest_usage')}")]
        if not ctx.admin:
            return [self._reply(t(lang, "not_admin"))]
        value = ctx.args.strip()
        if value.casefold() in _OFF:
            at = None
        else:
            at = _parse_clock(value)
            if at is None:
                example = f"/{command_name(lang, 'digest')} 07:00"
                return [self._reply(t(lang, "bad_time", value=value, example=example))]
        with self.db.write() as session:
            store.set_digest(session, self._chat(session, ctx), at)
        text = t(lang, "digest_on", time=fmt_time(at)) if at else t(lang, "digest_off")
        return [self._reply(text)]

    def _cmd_remind(self, ctx: _Ctx) -> list[Reply]:
        lang = ctx.lang
        if not ctx.args:
            with self.db.read() as session:
                chat = self._find_chat(session, ctx)
                days = store.remind_days(chat) if chat else list(self.config.delivery.remind_days)
            status = (
                t(lang, "remind_status_on", days=fmt_remind_days(days, lang))
                if days
                else t(lang, "remind_status_off")
            )
            return [self._reply(f"{status}\n{t(lang, 'remind_usage')}")]
        if not ctx.admin:
            return [self._reply(t(lang, "not_admin"))]
        value = ctx.args.strip()
        days = [] if value.casefold() in _OFF else _parse_days(value)
        if days is None:
            return [self._reply(t(lang, "bad_remind", value=value))]
        with self.db.write() as session:
            chat = self._chat(session, ctx)
            store.set_remind_days(session, chat, days)
            days = store.remind_days(chat)
        text = t(lang, "remind_on", days=fmt_remind_days(days, lang)) if days else None
        return [self._reply(text or t(lang, "remind_off"))]

    def _cmd_quiet(self, ctx: _Ctx) -> list[Reply]:
        lang = ctx.lang
        if not ctx.args:
            with self.db.read() as session:
                chat = self._find_chat(session, ctx)
                span = (chat.quiet_start, chat.quiet_end) if chat else (None, None)
            status = (
                t(lang, "quiet_status_on", start=fmt_time(span[0]), end=fmt_time(span[1]))
                if span[0] and span[1]
                else t(lang, "quiet_status_off")
            )
            return [self._reply(f"{status}\n{t(lang, 'quiet_usage')}")]
        if not ctx.admin:
            return [self._reply(t(lang, "not_admin"))]
        value = ctx.args.strip()
        if value.casefold() in _OFF:
            with self.db.write() as session:
                store.set_quiet(session, self._chat(session, ctx), None, None)
            return [self._reply(t(lang, "quiet_off"))]
        parts = re.split(r"\s*[-–—]\s*|\s+(?:đến|den|to)\s+|\s+", value)
        times = [_parse_clock(p) for p in parts if p]
        if len(times) != 2 or None in times or times[0] == times[1]:
            return [self._reply(t(lang, "bad_quiet", value=value))]
        start, end = times[0], times[1]
        assert start is not None and end is not None
        with self.db.write() as session:
            store.set_quiet(session, self._chat(session, ctx), start, end)
        return [self._reply(t(lang, "quiet_on", start=fmt_time(start), end=fmt_time(end)))]

    def _cmd_lang(self, ctx: _Ctx) -> list[Reply]:
        value = ctx.args.strip().casefold()
        if not value:
            return [self._reply(t(ctx.lang, "lang_usage"))]
        wanted = {"vi": "vi", "vn": "vi", "tiếng việt": "vi", "tieng viet": "vi"}.get(value)
        wanted = wanted or {"en": "en", "english": "en", "tiếng anh": "en"}.get(value)
        if wanted is None:
            return [self._reply(t(ctx.lang, "bad_lang", value=ctx.args))]
        if not ctx.admin:
            return [self._reply(t(ctx.lang, "not_admin"))]
        with self.db.write() as session:
            store.set_language(session, self._chat(session, ctx), wanted)
        return [self._reply(t(wanted, "lang_set"))]

    def _cmd_help(self, ctx: _Ctx) -> list[Reply]:
        return [self._reply(t(ctx.lang, "help"))]

    def _cmd_stop(self, ctx: _Ctx) -> list[Reply]:
        if not ctx.admin:
            return [self._reply(t(ctx.lang, "not_admin"))]
        buttons = [
            [
                Button(t(ctx.lang, "btn_stop_yes"), data="stop:y"),
                Button(t(ctx.lang, "btn_stop_no"), data="stop:n"),
            ]
        ]
        return [self._reply(t(ctx.lang, "stop_confirm"), buttons)]

    # ------------------------------------------------------------------ operators

    def _cmd_stats(self, ctx: _Ctx) -> list[Reply]:
        local = ctx.now.astimezone(self.tz)
        midnight = datetime.combine(local.date(), time(0), tzinfo=self.tz)
        with self.db.read() as session:
            s = store.chat_stats(session, midnight)
        text = t(
            ctx.lang,
            "stats",
            active=s.chats_active,
            inactive=s.chats_inactive,
            units=s.subscriptions["unit"],
            topics=s.subscriptions["topic"],
            keywords=s.subscriptions["keyword"],
            stories=s.stories,
            pending=s.outbox["pending"],
            sending=s.outbox["sending"],
            sent=s.outbox["sent"],
            dead=s.outbox["dead"],
            pushes=s.pushes_today,
        )
        return [self._reply(text)]

    def _cmd_sources(self, ctx: _Ctx) -> list[Reply]:
        lang = ctx.lang
        health = source_health(self.db)
        if not health:
            return [self._reply(t(lang, "sources_none"))]
        blocks = []
        for src in health:
            when = (
                fmt_datetime(src.last_success_at, self.tz)
                if src.last_success_at
                else t(lang, "never")
            )
            if src.healthy:
                blocks.append(_block(t(lang, "source_ok", name=src.name, when=when)))
            else:
                error = _short(src.last_error or "", 200)
                blocks.append(
                    _block(
                        t(
                            lang,
                            "source_bad",
                            name=src.name,
                            when=when,
                            failures=src.consecutive_failures,
                            error=error,
                        )
                    )
                )
        return _pack(t(lang, "sources_header", n=len(health)), blocks, separator="\n")

    # ------------------------------------------------------------------ plain text

    def _plain_text(self, ctx: _Ctx) -> list[Reply]:
        query = _short(ctx.args, 100)
        buttons = [
            [
                Button(t(ctx.lang, "btn_search"), data=f"q:{self._token(query)}"),
                Button(t(ctx.lang, "btn_subscribe"), data=f"a:{self._token(query)}"),
            ]
        ]
        return [self._reply(t(ctx.lang, "plain_text", q=query), buttons)]

    # ------------------------------------------------------------------ buttons

    def _callback(self, ctx: _Ctx, data: str) -> list[Reply]:
        op, _, rest = data.partition(":")
        lang = ctx.lang
        if op == "p":
            return self._menu_page(ctx, _int(rest))
        if op == "o":
            return [self._reply(t(lang, "other_unit_hint"))]
        if op == "q":
            query = self._tokens.get(rest)
            return self._search(ctx, query) if query else [self._reply(t(lang, "button_expired"))]
        if not ctx.admin:
            return [self._reply(t(lang, "not_admin"))]
        handlers: dict[str, Callable[[_Ctx, str], list[Reply]]] = {
            "m": self._cb_menu_toggle,
            "s": self._cb_subscribe,
            "r": self._cb_replace,
            "x": self._cb_unsubscribe,
            "c": self._cb_children,
            "a": self._cb_subscribe_typed,
            "stop": self._cb_stop,
        }
        handler = handlers.get(op)
        if handler is None:
            return [self._reply(t(lang, "button_expired"))]
        return handler(ctx, rest)

    def _menu_page(self, ctx: _Ctx, page: int) -> list[Reply]:
        with self.db.read() as session:
            chat = self._find_chat(session, ctx)
            buttons = self._start_menu(session, chat, ctx.lang, page)
        return [self._reply(self._start_text(ctx), buttons, edit=ctx.msg.message_id)]

    def _cb_menu_toggle(self, ctx: _Ctx, rest: str) -> list[Reply]:
        page_s, code, raw = [*rest.split(":", 2), "", ""][:3]
        value = self._untoken(raw)
        cand = None
        if value:
            cand = (
                self.resolver.unit_candidate(value)
                if code == "u"
                else self.resolver.topic_candidate(value)
            )
        if cand is None:
            return [self._reply(t(ctx.lang, "button_expired"))]
        with self.db.write() as session:
            chat = self._chat(session, ctx)
            existing = store.find_subscription(session, chat, cand.kind, cand.value)
            note = None
            if existing is not None:
                store.remove_subscription(session, chat, existing.id)
            elif len(store.list_subscriptions(session, chat)) >= store.MAX_SUBSCRIPTIONS:
                note = t(ctx.lang, "sub_limit", max=store.MAX_SUBSCRIPTIONS)
            else:
                self._subscribe(session, chat, ctx.lang, cand)
            buttons = self._start_menu(session, chat, ctx.lang, _int(page_s))
        replies = [self._reply(self._start_text(ctx), buttons, edit=ctx.msg.message_id)]
        if note:
            replies.append(self._reply(note))
        return replies

    def _cb_subscribe(self, ctx: _Ctx, rest: str) -> list[Reply]:
        code, _, raw = rest.partition(":")
        value = self._untoken(raw)
        if not value:
            return [self._reply(t(ctx.lang, "button_expired"))]
        what: Candidate | KeywordFilter | None
        if code == "k":
            what = _keywords_from_payload(value)
        elif code == "u":
            what = self.resolver.unit_candidate(value)
        else:
            what = self.resolver.topic_candidate(value)
        if what is None:
            return [self._reply(t(ctx.lang, "button_expired"))]
        with self.db.write() as session:
            reply = self._subscribe(session, self._chat(session, ctx), ctx.lang, what)
        return [Reply(reply.html, reply.plain, reply.buttons, ctx.msg.message_id)]

    def _cb_replace(self, ctx: _Ctx, rest: str) -> list[Reply]:
        sub_s, _, token = rest.partition(":")
        payload = self._tokens.get(token)
        if payload is None:
            return [self._reply(t(ctx.lang, "button_expired"))]
        with self.db.write() as session:
            chat = self._chat(session, ctx)
            store.remove_subscription(session, chat, _int(sub_s))
            reply = self._subscribe(session, chat, ctx.lang, _keywords_from_payload(payload))
        return [Reply(reply.html, reply.plain, reply.buttons, ctx.msg.message_id)]

    def _cb_unsubscribe(self, ctx: _Ctx, rest: str) -> list[Reply]:
        with self.db.write() as session:
            chat = self._find_chat(session, ctx)
            removed = store.remove_subscription(session, chat, _int(rest)) if chat else None
            subs = store.list_subscriptions(session, chat) if chat else []
            listing = self._mysubs_reply(subs, ctx, edit=ctx.msg.message_id)
            if removed is None:
                return [listing, self._reply(t(ctx.lang, "unsub_gone"))]
            done = t(ctx.lang, "unsub_done", label=self._label(removed, ctx.lang))
        return [listing, self._reply(done)]

    def _cb_children(self, ctx: _Ctx, rest: str) -> list[Reply]:
        sub_s, _, flag = rest.partition(":")
        with self.db.write() as session:
            chat = self._find_chat(session, ctx)
            sub = store.get_subscription(session, chat, _int(sub_s)) if chat else None
            if sub is None or sub.kind != "unit":
                return [self._reply(t(ctx.lang, "unsub_gone"))]
            include = flag == "1"
            store.set_include_children(session, sub, include)
            label = self._label(sub, ctx.lang)
            key = "sub_children_on" if include else "sub_children_off"
            toggle = Button(
                t(ctx.lang, "btn_children_off" if include else "btn_children_on"),
                data=f"c:{sub.id}:{0 if include else 1}",
            )
        return [self._reply(t(ctx.lang, key, label=label), [[toggle]], edit=ctx.msg.message_id)]

    def _cb_subscribe_typed(self, ctx: _Ctx, rest: str) -> list[Reply]:
        query = self._tokens.get(rest)
        if query is None:
            return [self._reply(t(ctx.lang, "button_expired"))]
        with self.db.write() as session:
            return self._apply_resolution(session, ctx, self.resolver.resolve(query))

    def _cb_stop(self, ctx: _Ctx, rest: str) -> list[Reply]:
        edit = ctx.msg.message_id
        if rest != "y":
            return [self._reply(t(ctx.lang, "stop_cancel"), edit=edit)]
        with self.db.write() as session:
            chat = self._find_chat(session, ctx)
            if chat is None:
                return [self._reply(t(ctx.lang, "stop_nothing"), edit=edit)]
            store.forget_chat(session, chat)
        return [self._reply(t(ctx.lang, "stop_done"), edit=edit)]


# --- module helpers ---------------------------------------------------------------

_EXAMPLES = {
    "subscribe": "LĐLĐ tỉnh Nghệ An",
    "unsubscribe": "LĐLĐ tỉnh Nghệ An",
    "latest": "10 phát triển đoàn viên",
    "search": "phát triển đoàn viên",
    "digest": "07:00",
    "remind": "3,1,0",
    "quiet": "21:00-06:30",
    "lang": "vi",
}
_KW_LIMITS: dict[str, Any] = {"kw_too_many": 10, "kw_too_long": 100}
_EVENT_KINDS = ("deadline", "start", "end", "effective", "event")


def _parse_clock(text: str) -> time | None:
    """ "07:00" or "7:00" -> time; "25:00", "7h", "07:5" -> None."""
    match = _CLOCK.match(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _parse_days(text: str) -> list[int] | None:
    """ "3,1,0" / "3 1 0" -> [3, 1, 0]; anything out of 0..30 or over 5 values -> None."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts or len(parts) > 5 or not all(p.isdigit() for p in parts):
        return None
    days = [int(p) for p in parts]
    return days if all(0 <= d <= 30 for d in days) else None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def _short(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return cut + "…"


def _plain(html_text: str) -> str:
    """Button labels are plain text."""
    return Reply.from_html(html_text).plain


def _block(text: str) -> tuple[str, str]:
    return text, Reply.from_html(text).plain


def _keywords_payload(flt: KeywordFilter) -> str:
    return f"{flt.value}\n{flt.exclude_value}"


def _keywords_from_payload(payload: str) -> KeywordFilter:
    value, _, exclude = payload.partition("\n")
    return KeywordFilter.from_row(value, exclude)


def _story_matches(
    view: StoryView, units: list[tuple[str, bool]], subs: list[Subscription]
) -> bool:
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


def _pack(header: str, blocks: list[tuple[str, str]], *, separator: str = "\n\n") -> list[Reply]:
    """Header then blocks, in as few messages as fit :data:`MESSAGE_LIMIT`, split between
    blocks only (a story is never cut in two)."""
    replies: list[Reply] = []
    html_parts, plain_parts = [header], [Reply.from_html(header).plain]
    size = visible_length(header)
    for block_html, block_plain in blocks:
        block_size = visible_length(block_html)
        if block_size > MESSAGE_LIMIT:  # a renderer gave an oversize block: cut its text
            block_plain = _short(block_plain, MESSAGE_LIMIT - 10)
            block_html, block_size = esc(block_plain), len(block_plain)
        if html_parts and size + len(separator) + block_size > MESSAGE_LIMIT:
            replies.append(Reply(separator.join(html_parts), separator.join(plain_parts)))
            html_parts, plain_parts, size = [], [], 0
        html_parts.append(block_html)
        plain_parts.append(block_plain)
        size += block_size + len(separator)
    if html_parts:
        replies.append(Reply(separator.join(html_parts), separator.join(plain_parts)))
    return replies
