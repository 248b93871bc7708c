"""Building replies: one message, short labels, and story lists split to fit."""

from __future__ import annotations

from bot.commands.inbound import TELEGRAM_CAPS, Button, ChannelCaps, Reply, visible_length
from bot.i18n import esc

MESSAGE_LIMIT = 4000  # visible UTF-16 units per message; Telegram allows 4096


def reply(
    text: str, buttons: list[list[Button]] | None = None, *, edit: str | None = None
) -> Reply:
    """One HTML message, optionally with buttons or as an edit of message `edit`."""
    return Reply.from_html(text, buttons, edit_message_id=edit)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return cut + "…"


def plain(html_text: str) -> str:
    """Button labels are plain text."""
    return Reply.from_html(html_text).plain


def block(text: str) -> tuple[str, str]:
    """An HTML block and its plain rendering, for :func:`pack`."""
    return text, Reply.from_html(text).plain


def pack(
    header: str,
    blocks: list[tuple[str, str]],
    *,
    separator: str = "\n\n",
    caps: ChannelCaps = TELEGRAM_CAPS,
) -> list[Reply]:
    """Header then blocks, in as few messages as fit the channel (:data:`MESSAGE_LIMIT`
    on Telegram, ``caps.max_length`` of the text it shows elsewhere), split between
    blocks only (a story is never cut in two)."""
    limit = min(MESSAGE_LIMIT, caps.max_length)

    def measure(html_text: str, plain_text: str) -> int:
        return visible_length(html_text if caps.markup else plain_text, markup=caps.markup)

    replies: list[Reply] = []
    html_parts, plain_parts = [header], [Reply.from_html(header).plain]
    size = measure(header, plain_parts[0])
    for block_html, block_plain in blocks:
        block_size = measure(block_html, block_plain)
        if block_size > limit:  # a renderer gave an oversize block: cut its text
            block_plain = shorten(block_plain, limit - 10)
            block_html = esc(block_plain)
            block_size = measure(block_html, block_plain)
        if html_parts and size + len(separator) + block_size > limit:
            replies.append(Reply(separator.join(html_parts), separator.join(plain_parts)))
            html_parts, plain_parts, size = [], [], 0
        html_parts.append(block_html)
        plain_parts.append(block_plain)
        size += block_size + len(separator)
    if html_parts:
        replies.append(Reply(separator.join(html_parts), separator.join(plain_parts)))
    return replies
