"""Jinja2 for the operators' console: templates in ``bot/web/templates``, autoescaped.

Each page is rendered in the operator's chat language (from the login link):
templates write both wordings at each place, ``tr("Tiếng Việt", "English")``,
so the Vietnamese is never missing.  Dates are dd/mm/yyyy HH:MM in the bot's
time zone, as in chat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.i18n import STRINGS, fmt_datetime, plain

# The console's pages are the bot's own: no scripts, no frames, nothing from elsewhere,
# and the login link (with its token) is never sent on as a Referer.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Pages:
    """Renders a template into an aiohttp response with the console's headers."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.env = Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = self._when

    def _when(self, moment: datetime | None, empty: str = "—") -> str:
        return fmt_datetime(moment, self.tz) if moment else empty

    def html(self, template: str, lang: str = "vi", **values: Any) -> str:
        def tr(vi: str, en: str) -> str:
            return en if lang == "en" else vi

        def say(key: str, **fields: object) -> str:
            """A chat catalogue entry (bot/i18n.py) as plain text; the key if unknown."""
            return plain(lang, key, **fields) if key in STRINGS["vi"] else key

        return self.env.get_template(template).render(lang=lang, tr=tr, say=say, **values)

    def response(
        self, template: str, lang: str = "vi", *, http_status: int = 200, **values: Any
    ) -> web.Response:
        return web.Response(
            text=self.html(template, lang, **values),
            status=http_status,
            content_type="text/html",
            charset="utf-8",
            headers=SECURITY_HEADERS,
        )
