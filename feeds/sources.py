"""Per-source settings read from ``[[sources]]`` in bot_config.toml.

These small frozen dataclasses are what the fetching and extraction stages
receive; the TOML loading and validation live in :mod:`bot.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["rss", "html", "auto"]


@dataclass(frozen=True)
class ListingSelectors:
    """CSS selectors for an HTML listing page (``[sources.listing]``)."""

    item: str  # one element per entry
    link: str = "a"  # an <a> inside the item
    title: str | None = None  # default: the link text
    date: str | None = None  # element holding the entry's timestamp


@dataclass(frozen=True)
class ArticleHints:
    """Optional CSS hints for the article page (``[sources.article]``)."""

    content: str | None = None  # the main text container
    drop: tuple[str, ...] = ()  # elements to remove before extraction
    date: str | None = None  # element holding the publication timestamp


@dataclass(frozen=True)
class SourceConfig:
    """One polled website or feed."""

    id: str
    name: str
    url: str
    kind: SourceKind = "auto"
    poll_interval: int = 900  # seconds
    province: str | None = None  # default province for a bare "LĐLĐ tỉnh"
    listing: ListingSelectors | None = None
    article: ArticleHints | None = None
    enabled: bool = True
    extra: dict[str, object] = field(default_factory=dict, compare=False)
