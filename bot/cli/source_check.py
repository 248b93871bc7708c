"""``congdoan-bot sources check URL``: what the parser sees, before a site is added.

An operator tunes ``[sources.listing]`` selectors with it: it prints the kind
detected, the entries with their titles and dates, and the first article's
extracted text.  Nothing is stored.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Sequence

from bot.cli.output import when
from bot.config import Config
from bot.runtime.ingest_round import new_fetcher
from feeds.poller import EntryRef, PollOutcome, SourceState, poll_source
from feeds.sources import ListingSelectors, SourceConfig


async def preview_source(
    config: Config, source: SourceConfig, *, limit: int | None = None
) -> PollOutcome:
    """What the parser sees of ``source`` as a first poll would, storing nothing
    (also the web console's preview before a source is saved).  ``limit``: only
    the first entries are completed with their article page, so a browser's
    preview of a long listing does not wait for every page."""
    cap = limit if limit is not None else 1 << 30

    def is_new(refs: Sequence[EntryRef]) -> list[bool]:
        return [i < cap for i in range(len(refs))]

    async with new_fetcher(config) as fetcher:
        return await poll_source(fetcher, source, SourceState(), tz=config.tz, is_new=is_new)


async def check_source(args: argparse.Namespace, config: Config) -> int:
    listing = None
    if args.item:
        listing = ListingSelectors(item=args.item, link=args.link, title=args.title, date=args.date)
    kind = "html" if listing and args.kind == "auto" else args.kind
    if kind == "html" and listing is None:
        print("congdoan-bot: --kind html needs --item (a CSS selector of one listing entry)")
        return 2
    source = SourceConfig(id="check", name="check", url=args.url, kind=kind, listing=listing)
    outcome = await preview_source(config, source)
    if args.json:
        print(json.dumps(_as_json(outcome, config), ensure_ascii=False, indent=2))
        return 1 if outcome.error else 0
    if outcome.error:
        print(f"ERROR: {outcome.error}")
        return 1
    print(f"Kind detected: {outcome.state.detected_kind}")
    if outcome.state.feed_url and outcome.state.feed_url != args.url:
        print(f"Feed found: {outcome.state.feed_url}")
    print(f"Entries: {outcome.entries_seen}\n")
    for i, c in enumerate(outcome.candidates, 1):
        print(f"{i:>3}. {when(c.published, config.tz)}  {c.title}")
        print(f"     {c.url}")
        if c.text_error:
            print(f"     (article page not extracted: {c.text_error})")
    first = next((c for c in outcome.candidates if c.text), None)
    if first:
        print(f"\nFirst article's extracted text ({len(first.text)} characters):\n")
        print(textwrap.indent(textwrap.fill(first.text[:1500], 96), "  "))
    return 0


def _as_json(outcome, config: Config) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "error": outcome.error,
        "kind": outcome.state.detected_kind,
        "feed_url": outcome.state.feed_url,
        "entries": [
            {
                "title": c.title,
                "url": c.url,
                "published": c.published.astimezone(config.tz).isoformat() if c.published else None,
                "text": c.text,
                "text_error": c.text_error,
            }
            for c in outcome.candidates
        ],
    }
