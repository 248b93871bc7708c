"""Addresses of the web part's pages, for messages that link them (no imports: any
module may use them without pulling in the server)."""


def story_calendar_path(base: str, story_id: int) -> str:
    """The one-story calendar (.ics) address under the bot's public URL."""
    return f"{base.rstrip('/')}/cal/story/{story_id}.ics"


def chat_calendar_path(base: str, secret: str) -> str:
    """A chat's calendar feed address (``/lich``)."""
    return f"{base.rstrip('/')}/cal/{secret}.ics"


def console_login_path(base: str, token: str) -> str:
    """A one-time login link to the operators' web console (``/console``)."""
    return f"{base.rstrip('/')}/login/{token}"
