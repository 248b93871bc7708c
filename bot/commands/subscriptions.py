"""/subscribe and its buttons: follow a unit, a topic or keywords.

What the user typed is resolved (:class:`~bot.commands.subscribe_resolver.Resolver`);
a clear match is followed at once, otherwise the closest candidates and "follow
these words" are offered as buttons.
"""

from __future__ import annotations

from typing import Any

from bot.commands.callback_data import keywords_from_payload, keywords_payload, number
from bot.commands.context import Core, Request, candidate_label
from bot.commands.inbound import Button, Reply
from bot.commands.replies import plain, reply
from bot.commands.subscribe_resolver import Candidate, KeywordFilter, Resolution
from bot.i18n import Html, t
from storage import chats as store
from storage.db import Session
from storage.models import Chat

_KW_LIMITS: dict[str, Any] = {"kw_too_many": 10, "kw_too_long": 100}


def keyword_message(lang: str, code: str, query: str) -> str:
    """The message for a keyword problem (``kw_too_many``…), with its limit."""
    return t(lang, code, q=query, max=_KW_LIMITS.get(code, ""))


def keyword_error(lang: str, res: Resolution) -> str:
    """Why the typed words cannot be followed as keywords."""
    return keyword_message(lang, res.keyword_error or "kw_empty", res.query)


class Subscriptions:
    """Adding subscriptions: /subscribe, the suggestion buttons, the /start deep links."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def command(self, ctx: Request) -> list[Reply]:
        """/subscribe <unit, topic or keywords>."""
        if not ctx.args:
            return [reply(t(ctx.lang, "sub_usage"))]
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        resolution = self.core.resolver.resolve(ctx.args)
        with self.core.db.write() as session:
            return self.apply_resolution(session, ctx, resolution)

    def apply_resolution(self, session: Session, ctx: Request, res: Resolution) -> list[Reply]:
        """Follow a clear match, else offer the candidates as buttons."""
        lang = ctx.lang
        if res.status == "keyword":
            if res.keywords is None:
                return [reply(keyword_error(lang, res))]
            return [self.add(session, self.core.chat(session, ctx), lang, res.keywords)]
        if res.status == "match" and res.best is not None:
            chat = self.core.chat(session, ctx)
            added = self.add(session, chat, lang, res.best)
            if res.best.score < 1.0 and res.best.kind == "topic" and res.keywords:
                # A topic found through one of its phrases ("tết sum vầy" -> welfare):
                # offer to follow exactly what was typed instead.
                sub = store.find_subscription(session, chat, "topic", res.best.value)
                if sub is not None:
                    token = self.core.tokens.token(keywords_payload(res.keywords))
                    label = t(lang, "btn_keyword_instead", q=res.keywords.label)
                    extra = [Button(plain(label), data=f"r:{sub.id}:{token}")]
                    added = Reply(added.html, added.plain, [*added.buttons, extra])
            return [added]
        buttons = [
            [
                Button(
                    candidate_label(c, lang), data=self.core.tokens.data(f"s:{c.kind[0]}:", c.value)
                )
            ]
            for c in res.candidates
        ]
        if res.keywords is not None:
            token = self.core.tokens.token(keywords_payload(res.keywords))
            label = t(lang, "btn_subscribe_keyword", q=res.keywords.label)
            buttons.append([Button(plain(label), data=f"s:k:#{token}")])
        if res.status == "ambiguous":
            return [reply(t(lang, "sub_ambiguous"), buttons)]
        text = t(lang, "sub_not_found", q=res.query)
        if res.candidates:
            text = Html(f"{text}\n{t(lang, 'sub_closest')}")
        return [reply(text, buttons)]

    def add(
        self, session: Session, chat: Chat, lang: str, what: Candidate | KeywordFilter
    ) -> Reply:
        """Add one subscription and say so (with the sub-units toggle for a unit)."""
        if isinstance(what, KeywordFilter):
            kind, value, label, exclude = "keyword", what.value, what.label, what.exclude_value
        else:
            kind, value, label, exclude = what.kind, what.value, what.label, ""
        try:
            sub, created = store.add_subscription(
                session, chat, kind, value, label, exclude=exclude
            )
        except store.SubscriptionLimitError:
            return reply(t(lang, "sub_limit", max=store.MAX_SUBSCRIPTIONS))
        shown = self.core.label(sub, lang)
        if isinstance(what, Candidate) and what.historical:
            shown += t(lang, "historical")
        if not created:
            return reply(t(lang, "sub_exists", label=shown))
        if kind == "unit":
            button = Button(t(lang, "btn_children_off"), data=f"c:{sub.id}:0")
            return reply(t(lang, "sub_added_unit", label=shown), [[button]])
        if kind == "topic":
            return reply(t(lang, "sub_added_topic", label=shown))
        words = ", ".join(KeywordFilter.from_row(sub.value, sub.exclude).exclude)
        exclude_note = t(lang, "sub_keyword_exclude", words=words) if words else Html("")
        text = Html(
            t(lang, "sub_added_keyword", label=shown)
            + "\n"
            + t(lang, "sub_keyword_rules", exclude=exclude_note)
        )
        return reply(text)

    def on_suggestion(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``s:<u|t|k>:<id>``: follow the suggestion pressed."""
        code, _, raw = rest.partition(":")
        value = self.core.tokens.untoken(raw)
        if not value:
            return [reply(ctx.t("button_expired"))]
        what: Candidate | KeywordFilter | None
        if code == "k":
            what = keywords_from_payload(value)
        elif code == "u":
            what = self.core.resolver.unit_candidate(value)
        else:
            what = self.core.resolver.topic_candidate(value)
        if what is None:
            return [reply(ctx.t("button_expired"))]
        with self.core.db.write() as session:
            added = self.add(session, self.core.chat(session, ctx), ctx.lang, what)
        return [Reply(added.html, added.plain, added.buttons, ctx.msg.message_id)]

    def on_replace(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``r:<sub>:<tok>``: follow the typed words instead of the topic."""
        sub_s, _, token = rest.partition(":")
        payload = self.core.tokens.lookup(token)
        if payload is None:
            return [reply(ctx.t("button_expired"))]
        with self.core.db.write() as session:
            chat = self.core.chat(session, ctx)
            store.remove_subscription(session, chat, number(sub_s))
            added = self.add(session, chat, ctx.lang, keywords_from_payload(payload))
        return [Reply(added.html, added.plain, added.buttons, ctx.msg.message_id)]

    def on_typed(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``a:<tok>`` under a plain message: subscribe to what was typed."""
        query = self.core.tokens.lookup(rest)
        if query is None:
            return [reply(ctx.t("button_expired"))]
        with self.core.db.write() as session:
            return self.apply_resolution(session, ctx, self.core.resolver.resolve(query))
