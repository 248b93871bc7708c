"""Generate ``data/divisions.json``: every ward/commune since 1/7/2025 and every district before.

Run once when the administrative map changes (not at bot start)::

    pip install 'vietnam-provinces>=2025.8'                    # the 34 provinces, 3,321 wards
    pip install --target /tmp/vp-legacy 'vietnam-provinces==0.6.0'   # the 63 provinces
    python -m feeds.understand.build_gazetteer \\
        --legacy /tmp/vp-legacy/vietnam_provinces/data/nested-divisions.json

Why a generated file rather than reading the package at start: the package's
lookup tables are ~400 kB of Python objects per version and two versions are
needed (before and after the reform); the JSON holds only names, loads in a few
milliseconds, and keeps ``vietnam-provinces`` a build-time tool, not a runtime
dependency of the bot.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

from feeds.vntext import fold_key, normalize

DATA_DIR = Path(__file__).with_name("data")
OUT_FILE = DATA_DIR / "divisions.json"

# Written level prefix -> key used in units.toml and divisions.json.
_WARD_LEVELS = {"phường": "phuong", "xã": "xa", "đặc khu": "dac_khu"}
_DISTRICT_LEVELS = {"quận": "quan", "huyện": "huyen", "thị xã": "thi_xa", "thành phố": "tp"}
_PROVINCE_PREFIXES = ("thành phố ", "tỉnh ")


def split_level(name: str, levels: dict[str, str]) -> tuple[str, str] | None:
    """ "Phường Dĩ An" -> ("phuong", "Dĩ An"); None when the prefix is unknown."""
    name = " ".join(normalize(name).split())
    low = name.casefold()
    for prefix, key in sorted(levels.items(), key=lambda kv: -len(kv[0])):
        if low.startswith(prefix + " "):
            return key, name[len(prefix) + 1 :]
    return None


def province_matcher(known: Iterable[str]) -> dict[str, str]:
    """Folded key -> our spelling of each province ("Hoà Bình" and "Hòa Bình" agree)."""
    return {fold_key(p).replace(" ", ""): p for p in known}


def our_province(name: str, matcher: dict[str, str]) -> str:
    """The gazetteer's name for a package province name, or a clear error."""
    bare = normalize(name)
    for prefix in _PROVINCE_PREFIXES:
        if bare.casefold().startswith(prefix):
            bare = bare[len(prefix) :]
    key = fold_key(bare).replace(" ", "")
    if key not in matcher:
        raise SystemExit(f"build_gazetteer: province {name!r} is not in units.toml")
    return matcher[key]


def group(
    rows: Iterable[tuple[str, str]], levels: dict[str, str]
) -> dict[str, dict[str, list[str]]]:
    """(province, written division name) rows -> {province: {level: sorted places}}."""
    out: dict[str, dict[str, set[str]]] = {}
    for province, written in rows:
        split = split_level(written, levels)
        if split is None:
            print(f"build_gazetteer: skipped {written!r} ({province})", file=sys.stderr)
            continue
        level, place = split
        out.setdefault(province, {}).setdefault(level, set()).add(place)
    return {
        p: {lvl: sorted(places) for lvl, places in sorted(by_level.items())}
        for p, by_level in sorted(out.items())
    }


def current_rows(matcher: dict[str, str]) -> list[tuple[str, str]]:
    """(province, ward) since 1/7/2025, from the installed ``vietnam_provinces``."""
    try:
        from vietnam_provinces import Province, Ward
    except ImportError:
        raise SystemExit("build_gazetteer: pip install 'vietnam-provinces>=2025.8' first") from None
    names = {p.code: our_province(p.name, matcher) for p in Province.iter_all()}
    return [(names[w.province_code], w.name) for w in Ward.iter_all()]


# Misspellings in the 0.6 district list, by the official name pages write.
_LEGACY_SPELLING = {
    "Huyện Mù Căng Chải": "Huyện Mù Cang Chải",
    "Huyện Ia H' Drai": "Huyện Ia H'Drai",
}


def legacy_rows(path: Path, matcher: dict[str, str]) -> list[tuple[str, str]]:
    """(province, district) before 1/7/2025, from a 0.6 ``nested-divisions.json``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        (our_province(p["name"], matcher), _LEGACY_SPELLING.get(d["name"], d["name"]))
        for p in data
        for d in p["districts"]
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--legacy", type=Path, required=True, help="0.6 nested-divisions.json")
    ap.add_argument("--out", type=Path, default=OUT_FILE)
    args = ap.parse_args(argv)
    with (DATA_DIR / "units.toml").open("rb") as fh:
        provinces = tomllib.load(fh)["provinces"]
    matcher = province_matcher(p["name"] for p in provinces)
    from vietnam_provinces import __data_version__, __version__

    result = {
        "source": f"vietnam-provinces {__version__} (data {__data_version__}); 0.6.0 for districts",
        "communes": group(current_rows(matcher), _WARD_LEVELS),
        "districts": group(legacy_rows(args.legacy, matcher), _DISTRICT_LEVELS),
    }
    text = json.dumps(result, ensure_ascii=False, indent=0, sort_keys=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    n_c = sum(len(v) for by in result["communes"].values() for v in by.values())
    n_d = sum(len(v) for by in result["districts"].values() for v in by.values())
    print(f"{args.out}: {n_c} communes/wards, {n_d} districts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
