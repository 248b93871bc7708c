"""Telegram adapter of the command router (python-telegram-bot 22).

Updates become :class:`~bot.commands.inbound.Inbound`, go through the channel-neutral
:class:`~bot.commands.CommandRouter`, and its replies are HTML with inline
keyboards (or edit the message whose button was pressed).  With a
:class:`~bot.delivery.replies.ReplyOutbox` (``build_application`` always gives
one) replies are queued in the outbox and sent by the paced sender, ahead of
pushes; without one they are sent directly (a bare handler set, as in tests of
the router's answers).  Also here:
the bot joining or leaving a group, a group becoming a supergroup, admin
checks (``getChatMember``, cached) and the command menus.

This module is the only place of the chat side that knows PTB.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import metrics
from bot.channels.telegram.transport import retry_seconds
from bot.commands import CommandRouter
from bot.commands.inbound import Button, Inbound, Reply
from bot.delivery.replies import ReplyOutbox
from bot.i18n import ALIASES, menu
from storage.outbox import NewMessage

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ADMIN_CACHE_SECONDS = 300.0
DIRECT_TRIES = 4  # a direct call (callback answer, a forgotten chat's goodbye) met by 429s
_ADMIN_CACHE_SIZE = 10_000
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ADDRESSED = re.compile(r"^/\w+@(\w+)")


# --- updates -> Inbound -------------------------------------------------------------


def _inbound(
    chat: Chat, message: MaybeInaccessibleMessage | None, user: object, text: str
) -> Inbound:
    user_id = str(getattr(user, "id", "")) if user is not None else ""
    # An anonymous group admin writes as the group itself (sender_chat == chat).
    sender_chat = getattr(message, "sender_chat", None)
    if sender_chat is not None and sender_chat.id == chat.id:
        user_id = str(chat.id)
    date = getattr(message, "date", None)
    ts = date if isinstance(date, datetime) and date.year > 1970 else datetime.now(UTC)
    return Inbound(
        channel=CHANNEL,
        chat_id=str(chat.id),
        user_id=user_id,
        text=text,
        message_id=str(message.message_id) if message is not None else "",
        ts=ts,
        chat_kind=chat.type,
        chat_title=chat.title,
        language_code=getattr(user, "language_code", None),
        user_name=getattr(user, "first_name", None),
    )


def message_inbound(update: Update) -> Inbound | None:
    """The text message of an update as an :class:`Inbound` (None if there is none)."""
    message = update.message
    if message is None or message.text is None:
        return None
    return _inbound(message.chat, message, message.from_user, message.text)


# --- admin checks ----------------------------------------------------------------------


def make_is_admin(
    bot: TelegramBot,
    *,
    ttl: float = ADMIN_CACHE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[Inbound], Awaitable[bool]]:
    """``is_admin`` for the router: creator/administrator of the group, cached ``ttl`` s."""
    cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def is_admin(msg: Inbound) -> bool:
        if not msg.is_group or msg.user_id == msg.chat_id:
            return True
        key = (msg.chat_id, msg.user_id)
        hit = cache.get(key)
        if hit is not None and hit[0] > clock():
            return hit[1]
        try:
            member = await bot.get_chat_member(int(msg.chat_id), int(msg.user_id))
        except (TelegramError, ValueError) as exc:
            log.warning("getChatMember %s/%s failed: %s", msg.chat_id, msg.user_id, exc)
            return False  # unknown: refuse the change, the user can retry
        allowed = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
        if len(cache) >= _ADMIN_CACHE_SIZE:
            cache.clear()
        cache[key] = (clock() + ttl, allowed)
        return allowed

    return is_admin


# --- command menus -----------------------------------------------------------------------


async def set_commands(bot: TelegramBot) -> None:
    """Vietnamese menu for "vi" users and as the default; English for "en"."""
    vietnamese = [BotCommand(name, desc) for name, desc in menu("vi")]
    await bot.set_my_commands(vietnamese, language_code="vi")
    await bot.set_my_commands(vietnamese)
    await bot.set_my_commands([BotCommand(n, d) for n, d in menu("en")], language_code="en")


# --- sending replies -------------------------------------------------------------------


def _markup(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, callback_data=b.data)
                if b.data is not None
                else InlineKeyboardButton(b.text, url=b.url)
                for b in row
            ]
            for row in buttons
        ]
    )


async def send_replies(
    bot: TelegramBot, chat_id: int, replies: list[Reply], *, thread_id: int | None = None
) -> None:
    """Send (or edit in place) each reply, in order."""
    for reply in replies:
        markup = _markup(reply.buttons)
        if reply.edit_message_id:
            try:
                await bot.edit_message_text(
                    reply.html,
                    chat_id=chat_id,
                    message_id=int(reply.edit_message_id),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=_NO_PREVIEW,
                )
                continue
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    continue
                # The message is gone or too old to edit: send the answer instead.
                log.info(
                    "edit of %s in %s failed (%s); sending", reply.edit_message_id, chat_id, exc
                )
        try:
            await bot.send_message(
                chat_id,
                reply.html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=thread_id,
            )
        except BadRequest as exc:
            if "entit" not in str(exc).lower():
                raise
            # Markup Telegram will not parse must not cost the user the answer.
            log.warning("HTML rejected in %s (%s); sending plain text", chat_id, exc)
            await bot.send_message(
                chat_id,
                reply.plain,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=thread_id,
            )


def reply_rows(replies: list[Reply], thread_id: int | None) -> list[NewMessage]:
    """Replies as outbox rows (HTML; buttons as the transport's JSON shape)."""
    return [
        NewMessage(
            reply.html,
            "HTML",
            [
                [{"text": b.text, "url": b.url} if b.url else {"text": b.text, "data": b.data or ""}
                 for b in row]
                for row in reply.buttons
            ] or None,
            edit_message_id=reply.edit_message_id,
            thread_id=thread_id,
        )
        for reply in replies
    ]  # fmt: skip


async def patiently(
    call: Callable[[], Awaitable[object]], slot: Callable[[], Awaitable[None]]
) -> None:
    """A direct Bot API call in a slot of the shared pace; a 429 is waited out
    (``retry_after``) and the call made again, a few times, never dropped at once."""
    for attempt in range(DIRECT_TRIES):
        await slot()
        try:
            await call()
            return
        except RetryAfter as exc:
            if attempt == DIRECT_TRIES - 1:
                raise
            wait = retry_seconds(exc)
            log.info("direct call hit 429; retrying in %.0f s", wait)
            await asyncio.sleep(wait)


def _thread(message: Message | None) -> int | None:
    """Answer in the forum topic the user wrote in."""
    if message is not None and getattr(message, "is_topic_message", False):
        return message.message_thread_id
    return None


# --- handlers ----------------------------------------------------------------------------


def build_telegram_handlers(
    app: Application, router: CommandRouter, replies: ReplyOutbox | None = None
) -> None:
    """Register every handler of the chat commands on ``app``; ``replies``: queue the
    answers in the outbox (else they are sent directly)."""
    names = [name for canonical, aliases in ALIASES.items() for name in (canonical, *aliases)]
    new_messages = filters.UpdateType.MESSAGE  # edits of old commands are not commands again
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & new_messages
    handlers = TelegramHandlers(router, replies)
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.on_migration))
    app.add_handler(CommandHandler(names, handlers.on_command, filters=new_messages))
    app.add_handler(MessageHandler(filters.COMMAND & new_messages, handlers.on_unknown_command))
    app.add_handler(MessageHandler(private_text, handlers.on_text))
    app.add_handler(CallbackQueryHandler(handlers.on_callback))
    app.add_handler(ChatMemberHandler(handlers.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(handlers.on_error)


class TelegramHandlers:
    """PTB callbacks: each turns an update into the router's terms and sends its replies."""

    def __init__(self, router: CommandRouter, replies: ReplyOutbox | None = None) -> None:
        self.router = router
        self.replies = replies

    async def answer(
        self,
        bot: TelegramBot,
        update: object,
        chat_id: int,
        replies: list[Reply],
        *,
        thread_id: int | None = None,
        suffix: str = "",
        started: float | None = None,
    ) -> None:
        """Deliver the router's replies to ``update``: through the outbox when there
        is one and the chat is stored (the sender observes the reply's latency),
        else directly (in a slot of the pace; ``started``: when the update came)."""
        if not replies:
            return
        if self.replies is not None:
            key = f"u{update.update_id}" if isinstance(update, Update) else f"t{time.time_ns()}"
            key += suffix
            rows = reply_rows(replies, thread_id)
            if await self.replies.queue(str(chat_id), key, rows):
                return
            outbox = self.replies
            for reply in replies:
                await patiently(
                    lambda r=reply: send_replies(bot, chat_id, [r], thread_id=thread_id),  # type: ignore[misc]
                    outbox.slot,
                )
        else:
            await send_replies(bot, chat_id, replies, thread_id=thread_id)
        if started is not None:
            metrics.replied(CHANNEL, started)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A known command (or its Vietnamese alias)."""
        started = time.monotonic()
        msg = message_inbound(update)
        if msg is None:
            return
        replies = await self.router.handle(msg)
        await self.answer(
            context.bot,
            update,
            int(msg.chat_id),
            replies,
            thread_id=_thread(update.message),
            started=started,
        )

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any other /command: answered when it is addressed to this bot."""
        msg = message_inbound(update)
        if msg is None:
            return
        addressed = _ADDRESSED.match(msg.text)
        if addressed and addressed.group(1).lower() != (context.bot.username or "").lower():
            return  # a command for another bot in the group
        if msg.is_group and not addressed:
            return  # groups have other bots: answer only what is addressed to us
        await self.on_command(update, context)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Plain text in a private chat: the router offers to search or follow it."""
        started = time.monotonic()
        msg = message_inbound(update)
        if msg is None:
            return
        replies = await self.router.handle(msg)
        await self.answer(context.bot, update, int(msg.chat_id), replies, started=started)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press."""
        started = time.monotonic()
        query = update.callback_query
        if query is None:
            return
        # Always (the client shows a spinner until answered), in a slot of the pace.
        await patiently(query.answer, self._slot)
        message = query.message
        if message is None or query.data is None:
            return
        # A message too old to read arrives as InaccessibleMessage: chat and id suffice.
        msg = _inbound(message.chat, message, query.from_user, "")
        replies = await self.router.handle_callback(msg, query.data)
        thread = _thread(message if isinstance(message, Message) else None)
        await self.answer(
            context.bot, update, int(msg.chat_id), replies, thread_id=thread, started=started
        )

    async def _slot(self) -> None:
        if self.replies is not None:
            await self.replies.slot()

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot added to a group (greet it) or removed, kicked, blocked (stop sending)."""
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is None:
            return
        chat, new, old = change.chat, change.new_chat_member.status, change.old_chat_member.status
        gone = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
        if new in gone:
            if chat.type == ChatType.PRIVATE:
                reason = "blocked"
            else:
                reason = "kicked" if new == ChatMemberStatus.BANNED else "left"
            await self.router.chat_left(CHANNEL, str(chat.id), reason)
            return
        if chat.type != ChatType.PRIVATE and old in gone:
            msg = _inbound(chat, None, change.from_user, "")
            replies = await self.router.chat_joined(msg)
            await self.answer(context.bot, update, chat.id, replies)

    async def on_migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its subscriptions move to the new id."""
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            old, new = str(message.migrate_from_chat_id), str(message.chat.id)
        else:
            return
        await self.router.chat_migrated(CHANNEL, old, new)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure once and tell the user, in their language, to try again."""
        log.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        reply = self.router.error_reply(user.language_code if user else None)
        try:
            await self.answer(context.bot, update, update.effective_chat.id, [reply], suffix=":err")
        except TelegramError as exc:  # the chat may be the problem; never raise from here
            log.warning("could not report the error to %s: %s", update.effective_chat.id, exc)
