"""``congdoan-bot analyze``: one document, or JSON lines, through the analyzer."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.config import Config


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _document(raw: str) -> tuple[str, str]:
    """A document is a title line, a blank line, then the text."""
    raw = raw.lstrip("\ufeff").strip("\n")
    title, _, text = raw.partition("\n")
    return title.strip(), text.strip("\n")


def run_analyze(args: argparse.Namespace, config: Config) -> int:
    from feeds.understand.analyze import analyze, analyze_jsonl_line
    from feeds.understand.topics import TopicClassifier, default_classifier

    if args.jsonl:
        # One result line per input line, in order: a blank or bad line gives an
        # error object on its line, so results stay aligned with the input.
        for number, line in enumerate(sys.stdin, 1):
            print(json.dumps(analyze_jsonl_line(line, number), ensure_ascii=False), flush=True)
        return 0
    published = None
    if args.published:
        try:
            published = date.fromisoformat(args.published)
        except ValueError:
            print(
                f"congdoan-bot: --published must be YYYY-MM-DD, not {args.published!r}",
                file=sys.stderr,
            )
            return 2
    try:
        title, text = _document(_read(args.file))
    except OSError as exc:
        print(f"congdoan-bot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"congdoan-bot: {args.file} is not UTF-8 text", file=sys.stderr)
        return 2
    if not title and not text:
        print(
            "congdoan-bot: the document is empty (expected a title, a blank line, the text)",
            file=sys.stderr,
        )
        return 2
    classifier = TopicClassifier(extra=config.topics) if config.topics else default_classifier()
    result = analyze(title, text, published=published, url=args.url, classifier=classifier)
    out = result.to_dict(title)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(out["title"])
    print(f"\nTóm tắt: {out['summary']}")
    print("Đơn vị: " + (", ".join(u["name"] for u in out["units"]) or "—"))
    print("Chủ đề: " + (", ".join(t["name"] for t in out["topics"]) or "—"))
    print("Sự kiện:" + ("" if out["events"] else " —"))
    for e in out["events"]:
        day = date.fromisoformat(e["date"]).strftime("%d/%m/%Y")
        print(f"  {day} {e['time'] or ''}  [{e['kind']}] {e['what']}")
    return 0
