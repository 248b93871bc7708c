"""What every command handler shares: the request and the router's services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.commands.callback_data import CallbackTokens
from bot.commands.inbound import Inbound
from bot.commands.subscribe_resolver import Candidate, KeywordFilter, Resolver
from bot.config import Config
from bot.i18n import Html, t
from feeds.understand.topics import TopicClassifier
from storage import chats as store
from storage.db import Database, Session
from storage.models import Chat, Subscription
from storage.queries import StoryView

RenderStory = Callable[[StoryView, str], tuple[str, str]]


@dataclass
class Request:
    """One request: the message, its arguments and what the sender may do."""

    msg: Inbound
    args: str
    lang: str
    now: datetime
    admin: bool  # may change this chat's subscriptions and settings
    operator: bool

    def t(self, key: str, **kwargs: object) -> Html:
        """The message ``key`` in the chat's language, worded for the sender's channel."""
        return t(self.lang, key, variants=self.msg.caps.variants, **kwargs)


class Core:
    """The services behind the commands: database, settings, topics, resolver, tokens."""

    def __init__(
        self,
        db: Database,
        config: Config,
        topics: TopicClassifier,
        resolver: Resolver,
        render_story: RenderStory | None,
    ) -> None:
        self.db = db
        self.config = config
        self.tz = config.tz
        self.topics = topics
        self.resolver = resolver
        self.render_story = render_story
        self.tokens = CallbackTokens()

    def chat(self, session: Session, ctx: Request) -> Chat:
        """The chat, created on its first change (reading commands create nothing)."""
        return store.get_or_create_chat(
            session,
            ctx.msg.channel,
            ctx.msg.chat_id,
            kind=ctx.msg.chat_kind,
            title=ctx.msg.chat_title,
            language=ctx.lang,
            now=ctx.now,
        )

    def find_chat(self, session: Session, ctx: Request) -> Chat | None:
        """The chat if it was ever registered."""
        return store.find_chat(session, ctx.msg.channel, ctx.msg.chat_id)

    def label(self, sub: Subscription, lang: str) -> str:
        """How a subscription is named to the user."""
        if sub.kind == "topic":
            topic = self.topics.get(sub.value)
            if topic is not None:
                return topic.name_en if lang == "en" else topic.name
        if sub.kind == "keyword":
            return KeywordFilter.from_row(sub.value, sub.exclude).label
        return sub.label


def candidate_label(cand: Candidate, lang: str) -> str:
    """A resolver suggestion as a button shows it, marked when the unit is historical."""
    suffix = t(lang, "historical") if cand.historical else ""
    return cand.display(lang) + suffix
