"""Channel-neutral shapes of a conversation: what a user sent, what the bot answers.

Channel adapters (Telegram, Zalo, the demo console) turn their updates into
:class:`Inbound` and send each :class:`Reply`; the command router never sees a
channel's API.  Each message carries its channel's :class:`ChannelCaps`, so
the router words its replies for that channel in the first place (typed
numbers where there are no buttons, who may change a group where the API does
not say).  A reply carries two renderings: Telegram HTML and plain text (Zalo
has no markup and no buttons).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.i18n import strip_markup


@dataclass(frozen=True)
class ChannelCaps:
    """What a chat channel can show and tell; the defaults are Telegram's."""

    buttons: bool = True  # inline buttons; False: numbered choices the user types
    markup: bool = True  # Telegram HTML; False: plain text only
    group_admins_known: bool = True  # the API says who administers a group
    max_length: int = 4096  # characters per message

    @property
    def variants(self) -> tuple[str, ...]:
        """The catalogue variants (:func:`bot.i18n.t`) this channel's wording needs."""
        missing = (("typed", self.buttons), ("no_roles", self.group_admins_known))
        return tuple(name for name, has in missing if not has)


TELEGRAM_CAPS = ChannelCaps()


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
    caps: ChannelCaps = TELEGRAM_CAPS

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

    def text_for(self, caps: ChannelCaps) -> str:
        """The rendering this channel shows: HTML where it has markup, else plain text."""
        return self.html if caps.markup else self.plain


_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)


def html_to_plain(text: str) -> str:
    """Strip our limited Telegram HTML: links become "text (url)" unless the text is the URL."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match.group(1)), match.group(2)
        plain_label = strip_markup(label)
        return plain_label if plain_label == url else f"{label} ({html.escape(url, quote=False)})"

    return strip_markup(_LINK.sub(link, text))


def utf16_len(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji outside the BMP counts twice).
    Encoding is done in C: a Python loop over the characters was half the time of
    rendering a day's digests."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


visible_text = strip_markup  # what the reader sees of Telegram HTML


def visible_length(text: str, *, markup: bool = True) -> int:
    """Length as Telegram counts it (UTF-16 code units), after parsing the HTML
    markup unless ``markup`` is False (plain text)."""
    return utf16_len(visible_text(text) if markup else text)
