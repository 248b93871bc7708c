"""Zalo adapter of the command router: updates in, plain-text replies out.

Zalo has no command menu, no buttons and no edits, so:

* typed text is matched to commands without diacritics, with or without the
  slash (:mod:`bot.channels.zalo.text_commands`);
* where Telegram shows buttons, the reply lists numbered choices ("Gõ 1, 2
  hoặc 3 để chọn"); the last choices offered to a chat are kept in memory for
  ``choice_ttl`` seconds and a typed number presses the matching button;
* every reply is plain text cut into messages of at most 2,000 characters;
* Zalo does not tell a bot who administers a group: only the operators may
  change a group's subscriptions, and the router says so.

Each :class:`Inbound` carries :data:`ZALO_CAPS`, so the router words its
replies for these limits itself ("gõ số", who may change a group).

Replies are queued in the outbox (a :class:`~bot.delivery.replies.ReplyOutbox`,
which ``run`` always gives) and sent by the paced sender ahead of pushes, in
Zalo's own pace shared by every process; a pause or a 429 delays them, never
drops them.  Without one (a bare channel) they are sent directly.

Updates come from a long-poll loop (:meth:`ZaloChannel.run`: one update per
``getUpdates``, no offset, so ids already handled are remembered and
skipped) or from a webhook (:meth:`ZaloChannel.webhook_app`, which checks the
``X-Bot-Api-Secret-Token`` header).  Nothing here imports ``telegram``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.channels.zalo.client import InvalidToken, ZaloClient
from bot.channels.zalo.text_commands import to_command, typed_choice
from bot.channels.zalo.transport import CHANNEL, ZaloGate
from bot.commands import CommandRouter
from bot.commands.inbound import ChannelCaps, Inbound, Reply
from bot.delivery.render import PLAIN_MAX, split_message
from bot.delivery.replies import ReplyOutbox
from bot.delivery.transport import Permanent, RateLimited, Transient
from bot.i18n import pick_language, plain
from storage import chats as store
from storage.outbox import NewMessage

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

CHOICE_TTL = 900.0  # s: a typed "2" answers choices offered in the last 15 minutes
SEEN_IDS = 4096
TEXT_EVENT = "message.text.received"
# No buttons (numbered choices), plain text, no group roles in the API, 2,000 characters.
ZALO_CAPS = ChannelCaps(buttons=False, markup=False, group_admins_known=False, max_length=PLAIN_MAX)

_LABEL_NUMBER = re.compile(r"^(\W*?)\s*\d+\.\s+")  # "❌ 2. LĐLĐ…" -> "❌ LĐLĐ…"


def _keep_mark(match: re.Match[str]) -> str:
    mark = match.group(1).strip()
    return f"{mark} " if mark else ""


def pick_hint(n: int, lang: str) -> str:
    """ "Gõ 1, 2 hoặc 3 để chọn." for n choices."""
    if n == 1:
        return plain(lang, "choose_1", n=1)
    if n == 2:
        return plain(lang, "choose_2")
    if n <= 5:
        return plain(lang, "choose_few", first=", ".join(map(str, range(1, n))), last=n)
    return plain(lang, "choose_many", n=n)


# --- choices and seen ids ------------------------------------------------------------------


class ChoiceMemory:
    """The numbered choices last offered to each chat, for ``ttl`` seconds."""

    def __init__(
        self, ttl: float = CHOICE_TTL, max_chats: int = 10_000, clock=time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_chats = max_chats
        self.clock = clock
        self._chats: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()

    def offer(self, chat_id: str, data: list[str]) -> None:
        self._chats.pop(chat_id, None)
        if data:
            self._chats[chat_id] = (self.clock() + self.ttl, data)
            while len(self._chats) > self.max_chats:
                self._chats.popitem(last=False)

    def get(self, chat_id: str) -> list[str] | None:
        """The live choices (None when none were offered or they expired)."""
        entry = self._chats.get(chat_id)
        if entry is None:
            return None
        if entry[0] < self.clock():
            del self._chats[chat_id]
            return None
        return entry[1]

    def had(self, chat_id: str) -> bool:
        return chat_id in self._chats


class SeenIds:
    """A bounded set of recent message ids (``getUpdates`` has no offset and repeats)."""

    def __init__(self, size: int = SEEN_IDS) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        if key in self._ids:
            self._ids.move_to_end(key)
            return False
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


# --- rendering ----------------------------------------------------------------------------


def render_replies(replies: list[Reply], lang: str) -> tuple[list[str], list[str]]:
    """Replies as Zalo messages (≤ 2,000 characters each), and the callback data of
    the numbered choices they offer, in order (choice 1 is ``data[0]``)."""
    data: list[str] = []
    texts: list[str] = []
    last_with_choices = -1
    for reply in replies:
        lines = [reply.text_for(ZALO_CAPS)]  # worded for typed numbers already
        for row in reply.buttons:
            for button in row:
                label = _LABEL_NUMBER.sub(_keep_mark, button.text).strip()
                if button.url:
                    lines.append(f"{label}: {button.url}")
                elif button.data is not None:
                    data.append(button.data)
                    lines.append(f"{len(data)}. {label}")
        if any(b.data is not None for row in reply.buttons for b in row):
            last_with_choices = len(texts)
        texts.append(
            "\n".join(lines) if len(lines) == 1 else lines[0] + "\n\n" + "\n".join(lines[1:])
        )
    if data:
        texts[last_with_choices] += "\n\n" + pick_hint(len(data), lang)
    messages = [m for text in texts for m in split_message(text, ZALO_CAPS.max_length, html=False)]
    return messages, data


# --- updates -> Inbound ----------------------------------------------------------------


def update_inbound(update: dict[str, Any]) -> tuple[str, Inbound] | None:
    """``(event_name, Inbound)`` of a Zalo update; None when it has no chat."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    chat_id = str(chat.get("id") or "")
    if not chat_id:
        return None
    millis = message.get("date")
    ts = (
        datetime.fromtimestamp(int(millis) / 1000, UTC)
        if isinstance(millis, int | float | str) and str(millis).isdigit()
        else datetime.now(UTC)
    )
    kind = "group" if str(chat.get("chat_type", "")).upper() == "GROUP" else "private"
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    inbound = Inbound(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=str(sender.get("id") or chat_id),
        text=text,
        message_id=str(message.get("message_id") or ""),
        ts=ts,
        chat_kind=kind,
        chat_title=chat.get("title") if isinstance(chat.get("title"), str) else None,
        language_code=None,  # Zalo does not say; the chat's stored language applies
        user_name=sender.get("display_name"),
        caps=ZALO_CAPS,
    )
    return str(update.get("event_name") or ""), inbound


# --- the channel ---------------------------------------------------------------------------


class ZaloChannel:
    """Zalo updates -> router -> plain replies, by long polling or a webhook."""

    def __init__(
        self,
        client: ZaloClient,
        router: CommandRouter,
        gate: ZaloGate,
        *,
        poll_timeout: float = 30.0,
        choice_ttl: float = CHOICE_TTL,
        clock: Callable[[], float] = time.monotonic,
        replies: ReplyOutbox | None = None,
    ) -> None:
        self.client = client
        self.replies = replies
        self.router = router
        self.gate = gate
        self.poll_timeout = poll_timeout
        self.choices = ChoiceMemory(choice_ttl, clock=clock)
        self.seen = SeenIds()
        self.bot_name: str | None = None  # for "@Bot Công đoàn tin mới" in groups
        self._tasks: set[asyncio.Task[None]] = set()

    # --- long polling (user messages) ---------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Long-poll until ``stop`` is set (an idle 408 is normal, errors back off)."""
        if self.bot_name is None:  # ``run`` learns it when it checks the token at start
            with contextlib.suppress(Exception):
                self.bot_name = (await self.client.get_me()).get("account_name")
        backoff = 1.0
        while not stop.is_set():
            poll = asyncio.create_task(self.client.get_update(self.poll_timeout))
            stopped = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if poll not in done:
                poll.cancel()
                with contextlib.suppress(BaseException):
                    await poll
                break
            try:
                update = poll.result()
            except InvalidToken as exc:
                log.error("zalo long polling: %s", exc)
                await _sleep(stop, 60.0)
                continue
            except (Transient, Permanent, RateLimited) as exc:
                log.warning("zalo long polling failed (%s); retrying in %.0f s", exc, backoff)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            if update:
                await self.handle_update(update)
        await self.settle()

    async def settle(self) -> None:
        """Wait for webhook updates still being handled."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- webhook --------------------------------------------------------------------------

    def webhook_app(self, secret: str, path: str = "/zalo/webhook") -> web.Application:
        """An aiohttp app receiving Zalo's webhook POSTs (wrong or missing secret: 403)."""
        from aiohttp import web  # a run-time dependency only in webhook mode

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                log.warning("zalo webhook: request without the right secret refused")
                return web.json_response({"ok": False}, status=403)
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"ok": False}, status=400)
            update = body.get("result") if isinstance(body, dict) else None
            update = update if isinstance(update, dict) else body
            if isinstance(update, dict):
                # Answer at once (Zalo retries slow webhooks); handle in the background.
                task = asyncio.create_task(self.handle_update(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post(path, receive)
        return app

    # --- one update ---------------------------------------------------------------------------

    async def handle_update(self, update: dict[str, Any]) -> list[str]:
        """Answer one update (once per message id); returns the texts sent."""
        started = time.monotonic()
        parsed = update_inbound(update)
        if parsed is None:
            return []
        event, msg = parsed
        key = msg.message_id or f"{msg.chat_id}:{msg.ts.isoformat()}:{msg.text}"
        if not self.seen.first_time(key):
            log.info("zalo update %s seen before; skipped", key)
            return []
        try:
            texts = await self._answer(event, msg)
        except Exception:
            log.exception("zalo update %s failed", key)
            texts = [self.router.error_reply(None).plain]
        if self.replies is not None and await self.replies.queue(
            msg.chat_id, key, [NewMessage(t) for t in texts]
        ):
            return texts  # queued: the sender delivers them (and observes the latency)
        sent = await self._send(msg.chat_id, texts)
        if sent:
            metrics.replied(CHANNEL, started)
        return sent

    async def _answer(self, event: str, msg: Inbound) -> list[str]:
        lang = await asyncio.to_thread(self._language, msg.chat_id)
        if event != TEXT_EVENT or not msg.text.strip():
            return [plain(lang, "not_text")]
        text = self._strip_mention(msg.text)
        number = typed_choice(text)
        if number is not None:
            answer = await self._choice(msg, number, lang)
            if answer is not None:
                return answer
        command = to_command(text)
        if command is None and msg.is_group:
            return [plain(lang, "typed_help_hint")]  # the bot only sees what is addressed to it
        replies = await self.router.handle(_with_text(msg, command or text))
        texts, data = render_replies(replies, lang)
        if data or replies:
            self.choices.offer(msg.chat_id, data)
        if command is None:
            texts.append(plain(lang, "typed_help_hint"))
        return texts

    async def _choice(self, msg: Inbound, number: int, lang: str) -> list[str] | None:
        """A typed number answering the chat's numbered choices (None: not an answer)."""
        had = self.choices.had(msg.chat_id)
        data = self.choices.get(msg.chat_id)
        if data is None:
            return [plain(lang, "choice_expired")] if had else None
        if not 1 <= number <= len(data):
            return [plain(lang, "choice_range", n=len(data))]
        replies = await self.router.handle_callback(_with_text(msg, ""), data[number - 1])
        texts, new_data = render_replies(replies, lang)
        if new_data:  # the answer offers choices of its own (the /start menu again)
            self.choices.offer(msg.chat_id, new_data)
        return texts

    def _strip_mention(self, text: str) -> str:
        text = text.strip()
        name = self.bot_name
        if name and text.casefold().startswith("@" + name.casefold()):
            return text[len(name) + 1 :].strip()
        return text

    def _language(self, chat_id: str) -> str:
        with self.router.db.read() as session:
            chat = store.find_chat(session, CHANNEL, chat_id)
            if chat is not None:
                return chat.language
        return pick_language(None, self.router.config.language)

    async def _send(self, chat_id: str, texts: list[str]) -> list[str]:
        """Send replies directly: a bare channel, or a chat no longer stored (its
        goodbye after /stop), in a slot of the shared pace when there is one."""
        sent: list[str] = []
        for text in texts:
            if self.gate.paused_for() > 0:
                log.warning("zalo paused: reply to %s not sent", chat_id)
                break
            if self.replies is not None:
                await self.replies.slot()
            await self.gate.wait_turn()
            try:
                await self.client.send_message(chat_id, text)
            except RateLimited as exc:
                await self.gate.pause(min(exc.retry_after, self.gate.quota_pause), "Quota exceeded")
                break
            except (Transient, Permanent) as exc:
                log.warning("zalo reply to %s failed: %s", chat_id, exc)
                break
            await self.gate.counted(extra=1)
            sent.append(text)
        return sent


def _with_text(msg: Inbound, text: str) -> Inbound:
    return replace(msg, text=text)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
