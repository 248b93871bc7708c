"""Issue 18, probe regressions: what a hostile site may cost us, and what never runs.

Bombs, 50 MB bodies, a drip-fed page and a redirect loop each cost one
article its text (the teaser is kept, the reason is named) and nothing else;
``file:``/``gopher:`` URLs are refused; XXE and billion-laughs feeds read as
harmless text.  One poll of the heavy feed serves the table of cases.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from feeds.fetch.fetcher import Fetcher, FetchError
from feeds.poller import PollOutcome, SourceState, poll_source
from feeds.sources import SourceConfig
from tests.support.hostile_site import GOOD_TITLES, SECRET, HostileSite

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = 4.0  # seconds one hop may take: the drip (a byte every 0.2 s) never finishes,
# the bombs are capped well before it even on busy shared cores


def fast_fetcher() -> Fetcher:
    return Fetcher(timeout=2.0, per_host_delay=0.0, deadline=DEADLINE)


async def poll(fetcher: Fetcher, url: str) -> PollOutcome:
    source = SourceConfig(id="hostile", name="Trang thử", url=url, kind="rss")
    return await poll_source(
        fetcher, source, SourceState(), tz=VN, is_new=lambda refs: [True] * len(refs)
    )


@pytest.fixture(scope="module")
def heavy() -> Iterator[tuple[HostileSite, PollOutcome, float]]:
    """The heavy-articles feed polled once: (site, outcome, seconds the poll took)."""

    async def run(url: str) -> tuple[PollOutcome, float]:
        async with fast_fetcher() as fetcher:
            started = time.monotonic()
            outcome = await poll(fetcher, url)
            return outcome, time.monotonic() - started

    with HostileSite(heavy=True) as site:
        outcome, took = asyncio.run(run(site.url("/feed/heavy-articles.rss")))
        yield site, outcome, took


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Tin bom gzip", "body larger than 5 MiB"),
        ("Tin bom deflate", "body larger than 5 MiB"),
        ("Tin 50 MB", "body larger than 5 MiB"),
        ("Tin 50 MB không Content-Length", "body larger than 5 MiB"),
        ("Tin nhỏ giọt", f"did not finish within {DEADLINE:g} s"),
        ("Tin chuyển hướng vòng", "too many redirects (6)"),
    ],
)
def test_heavy_article_costs_its_text_only(
    heavy: tuple[HostileSite, PollOutcome, float], title: str, reason: str
) -> None:
    _site, outcome, took = heavy
    assert outcome.error is None
    item = next(c for c in outcome.candidates if c.title == title)
    assert item.text_error == reason
    assert item.text == f"Tin công đoàn: {title}" and len(item.text) < 200
    kept = {c.title: c for c in outcome.candidates}
    for good in GOOD_TITLES:
        assert kept[good].text_error is None and "Nghệ An" in kept[good].text
    assert len(outcome.candidates) == 8
    assert took < 15  # in parallel, each bounded by the cap or the deadline


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://127.0.0.1/", "dict://x/"],
)
async def test_non_web_schemes_are_refused(url: str) -> None:
    async with fast_fetcher() as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url)
    scheme = url.split(":", 1)[0]
    assert (info.value.kind, info.value.reason) == (
        "invalid_url",
        f"unsupported URL scheme {scheme!r}",
    )


@pytest.mark.parametrize("path", ["/redirect/file", "/redirect/gopher"])
async def test_redirect_to_non_web_scheme_is_the_source_error(path: str) -> None:
    with HostileSite() as site:
        async with fast_fetcher() as fetcher:
            outcome = await poll(fetcher, site.url(path))
    scheme = "file" if path.endswith("file") else "gopher"
    assert outcome.error == f"unsupported URL scheme {scheme!r}"


async def test_xxe_feed_reads_no_file_and_calls_no_url() -> None:
    with HostileSite() as site:
        async with fast_fetcher() as fetcher:
            outcome = await poll(fetcher, site.url("/feed/xxe.rss"))
        paths = [r.path for r in site.requests]
    assert outcome.error is None
    texts = " ".join(f"{c.title} {c.text} {c.description}" for c in outcome.candidates)
    assert "root:" not in texts and SECRET not in texts
    assert "/secret" not in paths  # the external entity was never fetched
    assert GOOD_TITLES[1] in [c.title for c in outcome.candidates]


async def test_billion_laughs_feed_does_not_expand() -> None:
    with HostileSite() as site:
        async with fast_fetcher() as fetcher:
            started = time.monotonic()
            outcome = await poll(fetcher, site.url("/feed/billion-laughs.rss"))
            took = time.monotonic() - started
    # expat stops the expansion at its amplification limit (about 2.5 s of CPU
    # on the shared CI cores); the bound only says "no runaway", not a speed
    assert took < 15
    assert all(len(c.title) < 500 for c in outcome.candidates)
    if outcome.error is None:
        assert GOOD_TITLES[1] in [c.title for c in outcome.candidates]
    else:  # refusing the whole document is also harmless; it must say why
        assert outcome.error.startswith("malformed XML")
