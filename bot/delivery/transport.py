"""What a channel's transport is, and the channel-neutral errors it raises.

The sender (:mod:`bot.delivery.sender`) speaks only these: each channel
(``bot.channels.telegram.transport``, ``bot.channels.zalo.transport``) maps its
API's answers onto them, so pacing and retry rules live in one place.
"""

from __future__ import annotations

from typing import Protocol


class RecipientGone(Exception):
    """The chat cannot receive messages (blocked, kicked, deleted, deactivated).

    ``final``: certain at once (chat not found); otherwise it takes
    ``GONE_AFTER`` failures in a row, as a block can be a passing state."""

    def __init__(self, reason: str = "", *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


class ChatMoved(Exception):
    """The group became a supergroup with another id; resend there."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = str(new_chat_id)


class RateLimited(Exception):
    """Too many requests: wait ``retry_after`` seconds.  ``scope``: "global" when
    the channel says the whole bot is limited, else None (unknown)."""

    def __init__(self, retry_after: float, *, scope: str | None = None) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = float(retry_after)
        self.scope = scope


class Transient(Exception):
    """Worth retrying later (5xx, timeout, network)."""


class Permanent(Exception):
    """This message can never be sent as it is (400 other than the cases above)."""


class BadMarkup(Exception):
    """The channel rejected the formatting; plain text will do."""


class Transport(Protocol):
    """One channel's way to send a message (Telegram: bot.channels.telegram.transport)."""

    channel: str

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
        """Send; return the channel's message id; raise the errors above.

        Replies may also carry ``edit_message_id`` (edit that message in place) and
        ``thread_id`` (a forum topic): the sender passes them only when set, so a
        channel without edits or topics never sees them.  A transport may declare
        ``rate`` (messages per second) when its channel's ceiling is not the bot's
        ``[delivery] global_rate`` (Zalo)."""
        ...
