"""What a chat follows: /mysubs, /unsubscribe, the ❌ and sub-units buttons."""

from __future__ import annotations

from bot.commands.callback_data import number
from bot.commands.context import Core, Request
from bot.commands.inbound import Button, Reply
from bot.commands.replies import reply, shorten
from bot.i18n import esc, t
from feeds.vntext import exact_key, fold_key
from storage import chats as store
from storage.models import Subscription


class FollowedList:
    """Listing and removing a chat's subscriptions."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def mysubs(self, ctx: Request) -> list[Reply]:
        """/mysubs: the numbered list, one ❌ button per subscription."""
        with self.core.db.read() as session:
            chat = self.core.find_chat(session, ctx)
            subs = store.list_subscriptions(session, chat) if chat else []
            return [self.listing(subs, ctx)]

    def unsubscribe(self, ctx: Request) -> list[Reply]:
        """/unsubscribe <what>; without it, the list to pick from."""
        if not ctx.args:
            return self.mysubs(ctx)
        if not ctx.admin:
            return [reply(ctx.t("not_admin"))]
        with self.core.db.write() as session:
            chat = self.core.find_chat(session, ctx)
            subs = store.list_subscriptions(session, chat) if chat else []
            target = self._find_typed(subs, ctx.args, ctx.lang)
            if chat is None or target is None:
                text = t(ctx.lang, "unsub_not_found", q=ctx.args)
                return [reply(text, self._remove_buttons(subs, ctx.lang))]
            label = self.core.label(target, ctx.lang)
            store.remove_subscription(session, chat, target.id)
            return [reply(t(ctx.lang, "unsub_done", label=label))]

    def on_remove(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``x:<sub>``: remove it and show the list again."""
        with self.core.db.write() as session:
            chat = self.core.find_chat(session, ctx)
            removed = store.remove_subscription(session, chat, number(rest)) if chat else None
            subs = store.list_subscriptions(session, chat) if chat else []
            listing = self.listing(subs, ctx, edit=ctx.msg.message_id)
            if removed is None:
                return [listing, reply(t(ctx.lang, "unsub_gone"))]
            done = t(ctx.lang, "unsub_done", label=self.core.label(removed, ctx.lang))
        return [listing, reply(done)]

    def on_children(self, ctx: Request, rest: str) -> list[Reply]:
        """Button ``c:<sub>:<0|1>``: a unit's sub-units off or on."""
        sub_s, _, flag = rest.partition(":")
        with self.core.db.write() as session:
            chat = self.core.find_chat(session, ctx)
            sub = store.get_subscription(session, chat, number(sub_s)) if chat else None
            if sub is None or sub.kind != "unit":
                return [reply(t(ctx.lang, "unsub_gone"))]
            include = flag == "1"
            store.set_include_children(session, sub, include)
            label = self.core.label(sub, ctx.lang)
            key = "sub_children_on" if include else "sub_children_off"
            toggle = Button(
                t(ctx.lang, "btn_children_off" if include else "btn_children_on"),
                data=f"c:{sub.id}:{0 if include else 1}",
            )
        return [reply(t(ctx.lang, key, label=label), [[toggle]], edit=ctx.msg.message_id)]

    def listing(self, subs: list[Subscription], ctx: Request, *, edit: str | None = None) -> Reply:
        """The numbered subscriptions, with how each unit counts its sub-units."""
        lang = ctx.lang
        if not subs:
            return reply(t(lang, "mysubs_empty"), edit=edit)
        header = "mysubs_header_group" if ctx.msg.is_group else "mysubs_header"
        lines = [t(lang, header, n=len(subs))]
        for i, sub in enumerate(subs, 1):
            detail = ""
            if sub.kind == "unit":
                detail = t(lang, "with_children" if sub.include_children else "without_children")
            kind = t(lang, f"kind_{sub.kind}")
            line = f"{i}. {kind}: <b>{esc(self.core.label(sub, lang))}</b>"
            lines.append(f"{line} ({detail})" if detail else line)
        lines.append(ctx.t("mysubs_hint"))
        return reply("\n".join(lines), self._remove_buttons(subs, lang), edit=edit)

    def _find_typed(self, subs: list[Subscription], typed: str, lang: str) -> Subscription | None:
        """The subscription the user named: by its label or value, else as /subscribe would."""
        keys = {exact_key(typed), fold_key(typed)}
        for sub in subs:
            names = (sub.label, sub.value, self.core.label(sub, lang))
            if any(exact_key(n) in keys or fold_key(n) in keys for n in names):
                return sub
        res = self.core.resolver.resolve(typed)
        wanted = {(c.kind, c.value) for c in res.candidates[:1]}
        if res.keywords is not None:
            wanted.add(("keyword", res.keywords.value))
        return next((s for s in subs if (s.kind, s.value) in wanted), None)

    def _remove_buttons(self, subs: list[Subscription], lang: str) -> list[list[Button]]:
        """One "❌ <n>. <label>" button per subscription."""
        return [
            [Button(f"❌ {i}. {shorten(self.core.label(s, lang), 48)}", data=f"x:{s.id}")]
            for i, s in enumerate(subs, 1)
        ]
