"""Offline imitation of three union news sites (demo and integration tests).

>>> with SampleSite() as site:
...     site.url("/congdoannghean/tin-tuc")
"""

from feeds.sample_site.server import Article, SampleSite, load_articles, sources_toml

__all__ = ["Article", "SampleSite", "load_articles", "sources_toml"]
