"""/calendar (/lich): the chat's deadlines in the phone's calendar.

The answer is the chat's secret feed address, ``{public_url}/cal/<secret>.ics``
(served by :mod:`bot.web`), with how to add it in Google Calendar and on an
iPhone; ``/lich moi`` replaces the secret and the old address stops working
(a group's admins only: the link is the group's).
"""

from __future__ import annotations

from bot.commands.context import Core, Request
from bot.commands.inbound import Reply
from bot.commands.replies import reply
from bot.i18n import t
from bot.web.links import chat_calendar_path
from storage.calendar import calendar_secret, replace_calendar_secret

_RENEW = frozenset({"moi", "mới", "new", "doi", "đổi", "renew"})


class CalendarCommand:
    def __init__(self, core: Core) -> None:
        self.core = core

    def command(self, ctx: Request) -> list[Reply]:
        lang = ctx.lang
        web = self.core.config.web
        if web.url("/") is None:
            return [reply(t(lang, "calendar_off"))]
        arg = ctx.args.strip().casefold()
        if arg and arg not in _RENEW:
            return [reply(t(lang, "calendar_usage"))]
        renew = bool(arg)
        if renew and not ctx.admin:
            return [reply(t(lang, "not_admin"))]
        with self.core.db.write() as session:
            chat = self.core.chat(session, ctx)
            secret = (replace_calendar_secret if renew else calendar_secret)(session, chat)
        url = chat_calendar_path(web.url("") or "", secret)
        scope = t(lang, "calendar_scope_group" if ctx.msg.is_group else "calendar_scope_private")
        text = t(lang, "calendar_link", scope=scope, url=url)
        if renew:
            text = f"{t(lang, 'calendar_renewed')}\n\n{text}"
        return [reply(text)]
