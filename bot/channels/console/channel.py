"""A chat channel in the terminal: the demo's stand-in for Telegram and Zalo.

Typed lines go to the same command router as Telegram; what the bot sends
(replies, pushes, digests, reminders) is printed as plain text, with buttons
shown as numbered choices that the user answers by typing the number (the
way Zalo users answer, too).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime

from bot.commands import CommandRouter
from bot.commands.inbound import Button, ChannelCaps, Inbound, Reply
from bot.delivery.render import html_to_plain
from bot.i18n import plain as plain_text

CHANNEL = "console"
CHAT_ID = "demo"
# Choices are numbers typed back, text is printed plain; one private chat, no limit to speak of.
CONSOLE_CAPS = ChannelCaps(buttons=False, markup=False, max_length=100_000)


class ConsoleTransport:
    """The sender's transport for the console: prints each message."""

    channel = CHANNEL

    def __init__(self, write: Callable[[str], None] = print, *, language: str = "vi") -> None:
        self.write = write
        self.language = language
        self._ids = itertools.count(1)
        self.messages: list[str] = []

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        html: bool,
        buttons_json: str | None,
        silent: bool,
        preview_url: str | None = None,
    ) -> str:
        text_plain = html_to_plain(text) if html else text
        self.messages.append(text_plain)
        title = plain_text(self.language, "console_push_silent" if silent else "console_push")
        self.write(_frame(title, text_plain))
        if buttons_json:
            labels = [b.get("text", "") for row in json.loads(buttons_json) for b in row]
            self.write("   " + " · ".join(labels))
        return str(next(self._ids))


def _frame(title: str, body: str) -> str:
    lines = body.strip().splitlines() or [""]
    return "\n".join([f"┌─ {title}", *(f"│ {line}" for line in lines), "└─"])


class ConsoleChat:
    """One officer typing in a private chat with the bot."""

    def __init__(
        self, router: CommandRouter, write: Callable[[str], None] = print, *, language: str = "vi"
    ) -> None:
        self.router = router
        self.write = write
        self.language = language
        self._ids = itertools.count(1)
        self._choices: list[Button] = []  # the last buttons shown, answered by number

    def _inbound(self, text: str) -> Inbound:
        return Inbound(
            channel=CHANNEL,
            chat_id=CHAT_ID,
            user_id=CHAT_ID,
            text=text,
            message_id=str(next(self._ids)),
            ts=datetime.now(UTC),
            chat_kind="private",
            language_code=self.language,
            user_name="Nguyễn Văn An",
            caps=CONSOLE_CAPS,
        )

    async def type(self, text: str) -> list[Reply]:
        """What the officer types; prints and returns the bot's replies."""
        text = text.strip()
        if text.isdigit() and 1 <= int(text) <= len(self._choices):
            button = self._choices[int(text) - 1]
            if button.data:
                replies = await self.router.handle_callback(self._inbound(""), button.data)
            else:
                replies = [Reply(html="", plain=button.url or "")]
        else:
            replies = await self.router.handle(self._inbound(text))
        self._show(replies)
        return replies

    def _show(self, replies: list[Reply]) -> None:
        for reply in replies:
            body = reply.text_for(CONSOLE_CAPS)  # worded for typed numbers already
            buttons = [b for row in reply.buttons for b in row]
            if buttons:
                self._choices = buttons
                choices = "\n".join(f"  {i}. {b.text}" for i, b in enumerate(buttons, 1))
                body += f"\n{choices}\n{plain_text(self.language, 'choose_number')}"
            self.write(_frame("🤖 Bot", body))
