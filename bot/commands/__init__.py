"""The chat commands, whatever the channel: :class:`CommandRouter` and its parts.

``router`` parses a command or a button press and dispatches it; each command
family has its own module: ``menus`` (/start, /help), ``subscriptions``
(/subscribe), ``mysubs`` (/mysubs, /unsubscribe), ``listings`` (/latest,
/search), ``events`` (/events), ``settings`` (/digest, /remind, /quiet, /lang,
/stop) and ``operators`` (/stats, /sources); ``callback_data`` describes the
buttons' data, ``replies`` builds messages, ``context`` holds what they share.
"""

from bot.commands.context import RenderStory
from bot.commands.router import READ_COMMANDS, CommandRouter, IsAdmin

__all__ = ["READ_COMMANDS", "CommandRouter", "IsAdmin", "RenderStory"]
