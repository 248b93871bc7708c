"""The command router: commands and button presses -> replies, for any channel.

A channel adapter turns what a user typed or pressed into an
:class:`~bot.commands.inbound.Inbound` and sends back the :class:`~bot.commands.inbound.Reply`
list it gets from :meth:`CommandRouter.handle` / :meth:`handle_callback`.
Nothing here imports ``telegram``: a Zalo adapter uses the same router.

Blocking database work runs in worker threads (``asyncio.to_thread``) so the
bot's event loop never stalls; the only awaited call out is ``is_admin``
(a channel API question, cached by the adapter).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.commands.calendar import CalendarCommand
from bot.commands.callback_data import number
from bot.commands.console import ConsoleCommand
from bot.commands.context import Core, RenderStory, Request
from bot.commands.events import Events
from bot.commands.inbound import Button, Inbound, Reply
from bot.commands.listings import Listings
from bot.commands.menus import Menus
from bot.commands.mysubs import FollowedList
from bot.commands.operators import Operators
from bot.commands.replies import reply, shorten
from bot.commands.settings import Settings
from bot.commands.subscribe_resolver import MAX_INPUT, Resolver
from bot.commands.subscriptions import Subscriptions
from bot.config import Config
from bot.i18n import ALIASES, OPERATOR_COMMANDS, command_name, pick_language, t
from feeds.understand.topics import TopicClassifier, default_classifier
from feeds.understand.units import taxonomy
from feeds.vntext import collapse_whitespace, normalize
from storage import chats as store
from storage.db import Database

IsAdmin = Callable[[Inbound], Awaitable[bool]]
Handler = Callable[[Request], list[Reply]]
ButtonHandler = Callable[[Request, str], list[Reply]]

# Commands that only read: any member of a group may use them.
READ_COMMANDS = frozenset(
    {"latest", "search", "events", "mysubs", "help", "stats", "sources", "console"}
)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)
# Shown when an argument is too long: "/<command> <example>".
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
        self._clock = clock or (lambda: datetime.now(UTC))
        classifier = TopicClassifier(extra=config.topics) if config.topics else None
        self.topics: TopicClassifier = classifier or default_classifier()
        self.resolver = resolver or Resolver(taxonomy(), self.topics)
        self._operators = {str(o) for o in config.operators}
        self._names = {name: canon for canon, names in ALIASES.items() for name in (canon, *names)}
        core = Core(db, config, self.topics, self.resolver, render_story)
        self._tokens = core.tokens
        subscriptions = Subscriptions(core)
        followed = FollowedList(core)
        self._menus = menus = Menus(core, subscriptions)
        self._listings = listings = Listings(core)
        events, settings, operators = Events(core), Settings(core), Operators(core)
        self._commands: dict[str, Handler] = {
            "start": menus.start,
            "subscribe": subscriptions.command,
            "unsubscribe": followed.unsubscribe,
            "mysubs": followed.mysubs,
            "latest": listings.latest,
            "search": listings.search,
            "events": events.command,
            "calendar": CalendarCommand(core).command,
            "digest": settings.digest,
            "remind": settings.remind,
            "quiet": settings.quiet,
            "lang": settings.lang,
            "help": menus.help,
            "stop": settings.stop,
            "stats": operators.stats,
            "sources": operators.sources,
            "console": ConsoleCommand(core).command,
        }
        # Buttons that change the chat (admins only); p, o and q are answered first.
        self._buttons: dict[str, ButtonHandler] = {
            "m": menus.on_toggle,
            "s": subscriptions.on_suggestion,
            "r": subscriptions.on_replace,
            "x": followed.on_remove,
            "c": followed.on_children,
            "a": subscriptions.on_typed,
            "stop": settings.on_stop,
        }

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
            return [reply(t(ctx.lang, "unknown_command"))]
        ctx = await self._context(msg, args, write=canonical not in READ_COMMANDS)
        if canonical in OPERATOR_COMMANDS and not ctx.operator:
            return [reply(t(ctx.lang, "not_operator"))]
        handler = self._commands[canonical]
        if len(args) > MAX_INPUT:
            example = f"/{command_name(ctx.lang, canonical)} {_EXAMPLES.get(canonical, '')}"
            return [
                reply(t(ctx.lang, "too_long", n=len(args), max=MAX_INPUT, example=example.strip()))
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
                return [reply(t(chat.language, "group_added"))]

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
        return reply(t(pick_language(language_code, self.config.language), "error_generic"))

    # ------------------------------------------------------------------ internals

    async def _context(self, msg: Inbound, args: str, *, write: bool) -> Request:
        """The request, with the sender's rights (group admins asked only for changes)."""
        operator = msg.user_id in self._operators
        # Private chats own themselves; in a group only admins (asked when it matters).
        admin = operator or not msg.is_group
        if msg.is_group and write and not operator:
            admin = bool(self._is_admin and await self._is_admin(msg))
        lang = await asyncio.to_thread(self._language, msg)
        return Request(msg, args, lang, self._clock(), admin, operator)

    def _language(self, msg: Inbound) -> str:
        """The chat's language once registered, else the user's or the bot's default."""
        with self.db.read() as session:
            chat = store.find_chat(session, msg.channel, msg.chat_id)
            if chat is not None:
                return chat.language
        return pick_language(msg.language_code, self.config.language)

    def _plain_text(self, ctx: Request) -> list[Reply]:
        """A message that is no command (private chats): offer to search or follow it."""
        query = shorten(ctx.args, 100)
        buttons = [
            [
                Button(t(ctx.lang, "btn_search"), data=f"q:{self._tokens.token(query)}"),
                Button(t(ctx.lang, "btn_subscribe"), data=f"a:{self._tokens.token(query)}"),
            ]
        ]
        return [reply(t(ctx.lang, "plain_text", q=query), buttons)]

    def _callback(self, ctx: Request, data: str) -> list[Reply]:
        """Dispatch a button by its prefix (see :mod:`bot.commands.callback_data`)."""
        op, _, rest = data.partition(":")
        lang = ctx.lang
        if op == "p":
            return self._menus.on_page(ctx, number(rest))
        if op == "o":
            return [reply(t(lang, "other_unit_hint"))]
        if op == "q":
            query = self._tokens.lookup(rest)
            if not query:
                return [reply(ctx.t("button_expired"))]
            return self._listings.search_for(ctx, query)
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        handler = self._buttons.get(op)
        if handler is None:
            return [reply(ctx.t("button_expired"))]
        return handler(ctx, rest)
