"""Ingest benchmark: 200 sources x 50 items served on 127.0.0.1.

Measures, in one run on the same feeds:
  * the first poll of every source (fetch, parse, dedup keys, fingerprints,
    analysis, SQLite writes): items/second;
  * a re-poll where every source answers 304: seconds for the round;
  * feedparser alone parsing the same 200 feed bodies (the baseline);
and prints the ratio (whole pipeline per item) / (feedparser per item), since
the machines are shared and noisy: ratios travel, bare times do not.

    python bench/ingest.py [--sources 200] [--items 50] [--no-analysis] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser

from bot.config import parse_config
from bot.runtime.ingest_round import make_analyzer, poll_round
from storage.db import open_database
from storage.queries import count_items
from tests.support.http_server import LocalServer

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    parts = [s.strip() for s in text.replace("\n", " ").split(". ") if len(s.strip()) > 40]
    return parts or ["Liên đoàn Lao động tỉnh Nghệ An tổ chức hội nghị phát triển đoàn viên"]


def build_feed(
    base: str, source: int, items: int, rng: random.Random, sentences: list[str]
) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
        f"<title>Nguồn tin công đoàn {source}</title><link>{base}/s{source}/</link>",
    ]
    for i in range(items):
        body = ". ".join(rng.sample(sentences, k=min(8, len(sentences))))
        # A unique sentence per item keeps items distinct stories (no near-duplicates).
        body += f". Mã tin {source}-{i}: hội nghị lần thứ {rng.randint(1, 10**6)} tại đơn vị {i}."
        day = 1 + (i % 28)
        out.append(
            f"<item><title>Tin công đoàn số {i} của nguồn {source}: {sentences[i % len(sentences)][:60]}</title>"
            f"<link>{base}/s{source}/tin-{i}.html</link><guid>s{source}-i{i}</guid>"
            f"<pubDate>Mon, {day:02d} Nov 2026 08:00:00 +0700</pubDate>"
            f"<description><![CDATA[{body[:200]}]]></description>"
            f"<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded></item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--no-analysis", action="store_true", help="skip the Vietnamese analysis")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rng = random.Random(7)
    sentences = _sentences()
    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        base = server.url("").rstrip("/")
        bodies = []
        for s in range(args.sources):
            body = build_feed(base, s, args.items, rng, sentences)
            bodies.append(body)
            server.route(f"/s{s}/feed.rss", body, content_type="application/rss+xml",
                         etag=f'"v{s}"', last_modified="Mon, 23 Nov 2026 08:00:00 GMT")  # fmt: skip
        sources = "".join(
            f'[[sources]]\nid = "s{s}"\nurl = "{base}/s{s}/feed.rss"\nkind = "rss"\n'
            for s in range(args.sources)
        )
        # All feeds live on one loopback host here, so the per-host limits are
        # lifted: the benchmark measures our pipeline, not politeness delays.
        config = parse_config(
            f'[bot]\ndatabase_url = "sqlite:///{tmp}/bench.db"\n'
            "[fetch]\nper_host_delay = 0.0\nper_host_concurrency = 16\nmax_concurrency = 32\n"
            + sources,
            Path("bench.toml"),
            {},
        )
        db = open_database(config.database_url)
        if args.no_analysis:

            def analyzer(title, text, published, url, province, sapo):  # type: ignore[no-untyped-def]
                return SimpleNamespace(summary="", units=[], topics=[], events=[])
        else:
            analyzer = make_analyzer(config)

        # Baseline: feedparser alone on the same bodies, same process, same run.
        t0 = time.perf_counter()
        parsed = 0
        for body in bodies:
            parsed += len(feedparser.parse(io.BytesIO(body)).entries)
        feedparser_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        reports = asyncio.run(poll_round(config, db, force=True, analyzer=analyzer))
        first_s = time.perf_counter() - t0
        stored = count_items(db)
        errors = [r.outcome.error for r in reports if r.outcome.error]

        t0 = time.perf_counter()
        again = asyncio.run(poll_round(config, db, force=True, analyzer=analyzer))
        repoll_s = time.perf_counter() - t0
        not_modified = sum(1 for r in again if r.outcome.not_modified)
        statuses = server.statuses()

    per_item_pipeline = first_s / max(stored, 1)
    per_item_feedparser = feedparser_s / max(parsed, 1)
    result = {
        "sources": args.sources,
        "items_per_source": args.items,
        "analysis": not args.no_analysis,
        "items_stored": stored,
        "errors": len(errors),
        "first_poll_seconds": round(first_s, 2),
        "first_poll_items_per_second": round(stored / first_s, 1),
        "feedparser_alone_seconds": round(feedparser_s, 2),
        "feedparser_items_per_second": round(parsed / feedparser_s, 1),
        "ratio_pipeline_per_item_to_feedparser_per_item": round(
            per_item_pipeline / per_item_feedparser, 2
        ),
        "repoll_seconds": round(repoll_s, 2),
        "repoll_not_modified": not_modified,
        "repoll_vs_feedparser_alone": round(repoll_s / feedparser_s, 2),
        "http_304_answers": statuses.count(304),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:<50} {value}")
    ok = stored == args.sources * args.items and not errors and not_modified == args.sources
    if not ok:
        print("FAIL: not every item stored, or a source failed, or a re-poll was not a 304",
              file=sys.stderr)  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
