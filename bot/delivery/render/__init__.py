"""Messages officers read: pushes, digests, reminders, in Telegram HTML and plain text.

Channel-neutral: nothing here knows Telegram.  Every message comes in two
forms (:class:`Rendered`): HTML for Telegram (≤ 4096 *visible* characters, the
limit Telegram applies after entity parsing) and plain text for Zalo and for
the fallback when Telegram rejects our markup (≤ 2000 characters by default).

``story`` renders one story (push, reminder, notice), ``digest`` the daily
digest, ``split`` cuts a message to a channel's length.  The words come from
:mod:`bot.i18n`.
"""

# Re-exported: the sender, the Zalo transport and the console turn stored HTML
# into plain text with the same function as the command replies.
from bot.commands.inbound import html_to_plain, visible_length
from bot.delivery.render.digest import render_digest
from bot.delivery.render.split import PLAIN_MAX, TELEGRAM_MAX, split_message
from bot.delivery.render.story import (
    SUMMARY_MAX,
    Rendered,
    event_label,
    hashtag,
    render_cap_notice,
    render_push,
    render_reminder,
    render_story_html,
    render_story_plain,
    story_hashtags,
    story_summary,
    upcoming_events,
    web_url,
)

__all__ = [
    "PLAIN_MAX",
    "SUMMARY_MAX",
    "TELEGRAM_MAX",
    "Rendered",
    "event_label",
    "hashtag",
    "html_to_plain",
    "render_cap_notice",
    "render_digest",
    "render_push",
    "render_reminder",
    "render_story_html",
    "render_story_plain",
    "split_message",
    "story_hashtags",
    "story_summary",
    "upcoming_events",
    "visible_length",
    "web_url",
]
