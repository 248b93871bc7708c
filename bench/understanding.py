"""Understanding benchmark: score ``feeds.understand.analyze`` against the labelled dev set.

Usage::

    python bench/understanding.py [--devset tests/data/devset.jsonl] [--json]
    python bench/understanding.py --devset tests/data/corpus_blind.jsonl
    python bench/understanding.py --devset tests/data/heldout.jsonl
    python bench/understanding.py --devset tests/data/blind2   # the second blind set (a folder)

Reports micro precision/recall/F1 for units, topics and event dates (also
date+time), P/R/F1 per topic, the worst items per category, summary sanity
checks and throughput on one core (items/second, best of 3, plus a ratio
against a trivial baseline pass so numbers from different machines can be
compared).  The analyzer is single-threaded; on Linux the process is pinned
to one CPU while timing so the figure is a one-core figure.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.devset_scoring import Analyzer, load_devset, run_item, score  # noqa: E402

DEFAULT_DEVSET = ROOT / "tests" / "data" / "devset.jsonl"

# Targets the analyzer must reach (from the project brief).
TARGETS = {
    "unit_f1": 0.90,
    "unit_recall": 0.85,
    "topic_f1": 0.85,
    "topic_recall": 0.80,
    "event_precision": 0.90,
    "event_recall": 0.80,
    "items_per_second": 100.0,
}


def load_analyzer(spec: str = "feeds.understand.analyze:analyze_to_dict") -> Analyzer:
    """Import the analyzer named ``module:function`` or exit with a clear message."""
    sys.path.insert(0, str(ROOT))
    module_name, _, func_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, func_name or "analyze_to_dict")
    except (ImportError, AttributeError) as exc:
        sys.exit(
            f"bench/understanding.py: cannot import {spec} ({exc}). "
            "The analyzer is not there yet: nothing to measure."
        )


# --- throughput -------------------------------------------------------------


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Best wall time of ``runs`` calls (the least noisy estimate)."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def baseline_pass(items: list[dict[str, Any]]) -> None:
    """The cheapest conceivable pass over the texts, used as a speed yardstick."""
    for item in items:
        re.findall(
            r"\w+", unicodedata.normalize("NFC", item["title"] + "\n" + item["text"]).casefold()
        )


def pin_one_core() -> str:
    """Run on one CPU (Linux) so items/s is a one-core figure; say what was done."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[-1]})
    return f"pinned to CPU {cpus[-1]}"


def throughput(analyze: Analyzer, items: list[dict[str, Any]]) -> dict[str, Any]:
    pinned = pin_one_core()

    def one_pass() -> None:
        for item in items:
            # Errors are already counted in the scoring pass; here only time matters.
            with contextlib.suppress(Exception):
                run_item(analyze, item)

    t_an = best_of(3, one_pass)
    t_base = best_of(3, lambda: baseline_pass(items))
    ips = len(items) / t_an if t_an else float("inf")
    base_ips = len(items) / t_base if t_base else float("inf")
    return {
        "one_core": pinned,
        "seconds": round(t_an, 4),
        "items_per_second": round(ips, 1),
        "baseline_items_per_second": round(base_ips, 1),
        # How many times slower than a bare tokenizing pass: machine-independent-ish.
        "slowdown_vs_baseline": round(base_ips / ips, 1) if ips else float("inf"),
    }


# --- report -----------------------------------------------------------------


def verdicts(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    measured = {
        "unit_f1": result["units"]["f1"],
        "unit_recall": result["units"]["recall"],
        "topic_f1": result["topics"]["f1"],
        "topic_recall": result["topics"]["recall"],
        "event_precision": result["event_dates"]["precision"],
        "event_recall": result["event_dates"]["recall"],
        "items_per_second": result["speed"]["items_per_second"],
    }
    return {
        k: {"value": v, "target": TARGETS[k], "pass": v >= TARGETS[k]} for k, v in measured.items()
    }


def print_report(result: dict[str, Any]) -> None:
    print(
        f"Dev set: {result['devset']} ({result['items']} items, {result['errors']} analyzer errors)"
    )
    print()
    print(f"{'category':<22}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}")
    for key in ("units", "topics", "event_dates", "event_datetimes", "event_dates_day_known"):
        s = result[key]
        print(
            f"{key:<22}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
            f"{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}"
        )
    print(f"\n{'topic':<28}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
    for tid, t in result["per_topic"].items():
        print(
            f"{tid:<28}{t['precision']:>7.2f}{t['recall']:>7.2f}{t['f1']:>7.2f}"
            f"{t['tp']:>5}{t['fp']:>5}{t['fn']:>5}"
        )
    sm = result["summary"]
    print(f"\nsummary checks: {sm['ok']}/{result['items']} ok ({sm['ok_ratio']:.1%})")
    for iid, problems in list(sm["failures"].items())[:10]:
        print(f"  {iid}: {', '.join(problems)}")
    sp = result["speed"]
    print(
        f"\nspeed: {sp['items_per_second']} items/s on one core ({sp['one_core']}; best of 3, "
        f"{sp['seconds']} s); "
        f"baseline {sp['baseline_items_per_second']} items/s; "
        f"{sp['slowdown_vs_baseline']}x slower than baseline"
    )
    print("\ntargets:")
    for k, v in result["verdicts"].items():
        mark = "PASS" if v["pass"] else "FAIL"
        print(f"  {k:<18}{v['value']:>10} (>= {v['target']})  {mark}")
    for key in ("units", "topics", "event_dates"):
        worst = result[key].get("worst")
        if not worst:
            continue
        print(f"\nworst {key}:")
        for row in worst:
            print(f"  {row['id']}: +{row['false_pos']}  -{row['false_neg']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument(
        "--analyzer",
        default="feeds.understand.analyze:analyze_to_dict",
        help="module:function to measure (default: %(default)s)",
    )
    ap.add_argument(
        "--show-items",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="print the worst items (default: not for blind and held-out sets, which "
        "nobody may tune on: their figures only)",
    )
    args = ap.parse_args(argv)
    show = args.show_items
    if show is None:
        show = not any(word in str(args.devset) for word in ("blind", "heldout"))

    items = load_devset(args.devset)
    analyze = load_analyzer(args.analyzer)
    preds: list[dict[str, Any] | None] = []
    for item in items:
        try:
            preds.append(run_item(analyze, item))
        except Exception as exc:  # one bad item must not hide the others' scores
            print(f"analyzer error on {item['id']}: {exc!r}", file=sys.stderr)
            preds.append(None)
    result = {"devset": str(args.devset), **score(items, preds)}
    result["speed"] = throughput(analyze, items)
    result["verdicts"] = verdicts(result)
    if not show:
        for key in ("units", "topics", "event_dates", "event_datetimes", "event_dates_day_known"):
            if isinstance(result.get(key), dict):
                result[key].pop("worst", None)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
