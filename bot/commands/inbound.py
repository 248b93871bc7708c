"""Channel-neutral shapes of a conversation: what a user sent, what the bot answers.

Channel adapters (Telegram now, Zalo next) turn their updates into
:class:`Inbound` and send each :class:`Reply`; the command router never sees a
channel's API.  A reply carries two renderings: Telegram HTML and plain text
(Zalo has no markup and no buttons).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Inbound:
    """One message (or button press) from a user."""

    channel: str
    chat_id: str
    user_id: str
    text: str
    message_id: str
    ts: datetime
    chat_kind: str = "private"  # private | group | supergroup | channel
    chat_title: str | None = None
    language_code: str | None = None
    user_name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.chat_kind in ("group", "supergroup", "channel")


@dataclass(frozen=True)
class Button:
    """An inline button: ``data`` (≤ 64 bytes ASCII) for a callback, or a ``url``."""

    text: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has either callback data or a URL")
        if self.data is not None and (not self.data.isascii() or len(self.data) > 64):
            raise ValueError(f"callback data must be ≤ 64 ASCII bytes: {self.data!r}")


@dataclass(frozen=True)
class Reply:
    """One message to send (or to edit in place, on channels that can)."""

    html: str  # Telegram HTML, every feed-provided string escaped
    plain: str  # the same text without markup
    buttons: list[list[Button]] = field(default_factory=list)
    edit_message_id: str | None = None

    @classmethod
    def from_html(
        cls,
        text: str,
        buttons: list[list[Button]] | None = None,
        *,
        edit_message_id: str | None = None,
    ) -> Reply:
        """A reply whose plain version is derived from the HTML."""
        return cls(text, html_to_plain(text), buttons or [], edit_message_id)

    def plain_with_choices(self) -> str:
        """The plain text with buttons listed as numbered choices (channels without buttons)."""
        labels = [b.text for row in self.buttons for b in row]
        if not labels:
            return self.plain
        choices = "\n".join(f"{i}. {label}" for i, label in enumerate(labels, 1))
        return f"{self.plain}\n\n{choices}"


_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def html_to_plain(text: str) -> str:
    """Strip our limited Telegram HTML: links become "text (url)" unless the text is the URL."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match.group(1)), match.group(2)
        plain_label = html.unescape(_TAG.sub("", label))
        return plain_label if plain_label == url else f"{label} ({html.escape(url, quote=False)})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))


def utf16_len(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji outside the BMP counts twice).
    Encoding is done in C: a Python loop over the characters was half the time of
    rendering a day's digests."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def visible_text(text: str) -> str:
    """What the reader sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str, *, markup: bool = True) -> int:
    """Length as Telegram counts it (UTF-16 code units), after parsing the HTML
    markup unless ``markup`` is False (plain text)."""
    return utf16_len(visible_text(text) if markup else text)
