"""Human-readable terminal output of the operator commands (English, dd/mm/yyyy)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.queries import SourceHealth, StoryView


def when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else "—"


def print_stories(stories: Sequence[StoryView], tz: ZoneInfo, *, text_chars: int = 240) -> None:
    if not stories:
        print("No stories stored yet. Run `congdoan-bot poll --once`.")
        return
    for story in stories:
        print(f"#{story.id}  {when(story.published, tz)}  [{story.source_id}]")
        print(f"  {story.title}")
        if story.summary or story.text:
            body = " ".join((story.summary or story.text).split())
            print(textwrap.indent(textwrap.fill(textwrap.shorten(body, text_chars), 96), "    "))
        for link in story.links:
            print(f"    -> {link.source_id}: {link.url}")
        print()


def print_poll_summary(reports, stories: Sequence[StoryView], tz: ZoneInfo) -> None:  # type: ignore[no-untyped-def]
    for r in reports:
        if r.outcome.error:
            status = f"ERROR: {r.outcome.error}"
        elif r.outcome.not_modified:
            status = "not modified (304)"
        else:
            status = f"{r.outcome.entries_seen} entries, {r.stored.new_items} new"
        print(f"{r.source.id:<24} {status}")
    print()
    if stories:
        print(f"{len(stories)} new stories:\n")
        print_stories(stories, tz)
    else:
        print("No new stories.")


def print_source_health(health: Sequence[SourceHealth], tz: ZoneInfo) -> None:
    if not health:
        print("No sources configured.")
        return
    for h in health:
        mark = "OK  " if h.healthy else "FAIL"
        kind = h.detected_kind or h.kind
        print(
            f"{mark} {h.id:<22} {kind:<5} {h.items_total:>5} items  last ok {when(h.last_success_at, tz)}"
        )
        print(f"     {h.url}")
        if not h.healthy:
            print(f"     {h.consecutive_failures} failures in a row: {h.last_error}")
            print(f"     next try {when(h.next_poll_at, tz)}")
