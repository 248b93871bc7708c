"""/console (/quantri): a one-time link to the operators' web console.

Only operators (``[bot] operators``) get a link (the router refuses everyone
else before this runs), only in a private chat (a link posted in a group would
log in whoever opens it first), and only when the web part has a public URL.
The link is ``{public_url}/login/<token>``, valid :data:`storage.console.LOGIN_TTL`;
the database keeps only the token's hash (:mod:`storage.console`).
"""

from __future__ import annotations

import logging

from bot.commands.context import Core, Request
from bot.commands.inbound import Reply
from bot.commands.replies import reply
from bot.web.links import console_login_path
from storage.console import LOGIN_TTL, SESSION_TTL, issue_login

log = logging.getLogger(__name__)


class ConsoleCommand:
    def __init__(self, core: Core) -> None:
        self.core = core

    def command(self, ctx: Request) -> list[Reply]:
        base = self.core.config.web.url("")
        if base is None:
            return [reply(ctx.t("console_off"))]
        if ctx.msg.is_group:
            return [reply(ctx.t("console_private_only"))]
        token = issue_login(self.core.db, ctx.msg.user_id, ctx.lang, now=ctx.now)
        log.info("console login link issued", extra={"operator": ctx.msg.user_id})
        text = ctx.t(
            "console_link",
            url=console_login_path(base, token),
            minutes=int(LOGIN_TTL.total_seconds() // 60),
            hours=int(SESSION_TTL.total_seconds() // 3600),
        )
        return [reply(text)]
