"""/latest and /search: stored stories, newest first, packed into few messages."""

from __future__ import annotations

import re

from bot.commands.context import Core, Request, candidate_label
from bot.commands.inbound import Reply
from bot.commands.replies import block, pack, reply, shorten
from bot.commands.subscribe_resolver import KeywordError, KeywordFilter, parse_keywords
from bot.commands.subscriptions import keyword_error, keyword_message
from bot.i18n import esc, fmt_datetime, t
from feeds.fetch.address_guard import is_web_link
from feeds.vntext import collapse_whitespace
from storage import chats as store
from storage.db import Session
from storage.queries import StoryView, stories_by_id

LATEST_DEFAULT, LATEST_MAX = 5, 20
SEARCH_MAX = 10
SEARCH_SCAN_MAX = 5000  # stories read by one keyword search (newest first)
SUMMARY_CHARS = 200


class Listings:
    """Story lists: the newest, the newest for a unit/topic/keywords, a search."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def latest(self, ctx: Request) -> list[Reply]:
        """/latest [n] [unit, topic or keywords]."""
        lang = ctx.lang
        words = ctx.args.split()
        count = LATEST_DEFAULT
        if words and re.fullmatch(r"[+-]?\d+", words[0]):
            count = int(words[0])
            words = words[1:]
            if not 1 <= count <= LATEST_MAX:
                return [reply(t(lang, "latest_bad_n", max=LATEST_MAX))]
        query = " ".join(words)
        with self.core.db.read() as session:
            if not query:
                ids = store.story_ids_newest(session, limit=count)
                stories = stories_by_id(session, ids)
                if not stories:
                    return [reply(t(lang, "latest_empty"))]
                return self._story_list(t(lang, "latest_header", n=len(stories)), stories, ctx)
            label, ids = self._filtered_ids(session, query, count, lang)
            if ids is None:
                return [reply(keyword_error(lang, self.core.resolver.resolve(query)))]
            stories = stories_by_id(session, ids)
            if not stories:
                return [reply(t(lang, "latest_none_filter", q=query))]
            return self._story_list(t(lang, "latest_header_filter", label=label), stories, ctx)

    def search(self, ctx: Request) -> list[Reply]:
        """/search <keywords>."""
        if not ctx.args:
            return [reply(t(ctx.lang, "search_usage"))]
        return self.search_for(ctx, ctx.args)

    def search_for(self, ctx: Request, query: str) -> list[Reply]:
        """The newest stories matching the keywords (also the ``q:<tok>`` button)."""
        lang = ctx.lang
        try:
            flt = parse_keywords(query)
        except KeywordError as exc:
            code = exc.code if exc.code != "kw_empty" else "search_usage"
            return [reply(keyword_message(lang, code, query))]
        with self.core.db.read() as session:
            stories = stories_by_id(session, self._scan(session, flt, SEARCH_MAX))
        if not stories:
            return [reply(t(lang, "search_none", q=flt.label))]
        return self._story_list(t(lang, "search_header", n=len(stories), q=flt.label), stories, ctx)

    def _filtered_ids(
        self, session: Session, query: str, limit: int, lang: str
    ) -> tuple[str, list[int] | None]:
        """Newest stories for a unit, topic or keywords, resolved as /subscribe does.

        Without a clear unit or topic the words are used as keywords: a list of
        news about "Diễn Châu" is useful even when the place names two units.
        """
        res = self.core.resolver.resolve(query)
        best = res.best
        if res.status == "match" and best is not None:
            if best.kind == "unit":
                ids = store.story_ids_for_unit(
                    session, best.value, include_children=True, limit=limit
                )
            else:
                ids = store.story_ids_for_topic(session, best.value, limit=limit)
            return candidate_label(best, lang), ids
        if res.keywords is None:
            return query, None
        return res.keywords.label, self._scan(session, res.keywords, limit)

    def _scan(self, session: Session, flt: KeywordFilter, limit: int) -> list[int]:
        """Newest stories whose title or text match the filter."""
        found: list[int] = []
        offset, page = 0, 250
        while offset < SEARCH_SCAN_MAX and len(found) < limit:
            batch = store.story_texts(session, offset=offset, limit=page, phrases=flt.include)
            if not batch:
                break
            for story in batch:
                if flt.matches(f"{story.title}\n{story.text}"):
                    found.append(story.id)
                    if len(found) >= limit:
                        break
            offset += page
        return found

    def _story_list(self, header: str, stories: list[StoryView], ctx: Request) -> list[Reply]:
        """Numbered story blocks under a header, in as few messages as fit the channel."""
        blocks = [self._story_block(s, ctx.lang, i) for i, s in enumerate(stories, 1)]
        return pack(header, blocks, caps=ctx.msg.caps)

    def _story_block(self, story: StoryView, lang: str, index: int) -> tuple[str, str]:
        """One story, by the channel's renderer when it has one."""
        if self.core.render_story is not None:
            return self.core.render_story(story, lang)
        when = story.published or story.first_seen
        head = (
            f"{index}. <b>{esc(story.title)}</b> — {esc(story.source_name)}, "
            f"{fmt_datetime(when, self.core.tz)}"
        )
        lines = [head]
        summary = shorten(
            collapse_whitespace(story.summary or story.description or ""), SUMMARY_CHARS
        )
        if summary:
            lines.append(esc(summary))
        if is_web_link(story.url):
            lines.append(esc(story.url))
        others = [link.source_name for link in story.links if link.url != story.url]
        if others:
            sites = ", ".join(dict.fromkeys(others))
            lines.append(t(lang, "story_more_links", sites=sites))
        return block("\n".join(lines))
