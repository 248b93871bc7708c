"""The real-article corpus (tests/data/corpus_train.jsonl, corpus_blind.jsonl) follows the contract.

The corpus is labelled blind (see tests/data/CORPUS.md): this test checks its shape, the
label vocabulary and the train/blind split only, never what the analyzer says about it.
The checks are plain functions returning a list of problems, so the tests below can also
show that each kind of defect (a malformed line, an unknown topic, a non-canonical unit,
an item in both halves) is caught.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from tests.test_devset_format import FIELDS, KINDS, NOT_UNITS, OLD_TONE_RE, TOPICS, UNIT_FORMS

# The shared contract names the 2025 upper-level unions of Party and State bodies for Nghệ An
# only; real pages show them in every province ("Công đoàn Các cơ quan Đảng tỉnh Hải Dương").
# Numbered emulation clusters are written as the pages write them ("Cụm thi đua số 2"), as in
# the held-out set ("Cụm thi đua số 3").
# Công đoàn Viên chức of a centrally-run city is written like its federation ("LĐLĐ TP Cần Thơ"
# -> "Công đoàn Viên chức TP Cần Thơ"); the contract only has the "tỉnh" form.
UNIT_RE = re.compile(
    "|".join(
        f"(?:{f})"
        for f in (
            *UNIT_FORMS,
            r"Công đoàn Các cơ quan Đảng tỉnh [A-ZĐÀ-Ỹ][^()]*",
            r"Công đoàn UBND tỉnh [A-ZĐÀ-Ỹ][^()]*",
            r"Cụm thi đua số \d+",
            r"Công đoàn Viên chức TP (?:Hà Nội|Hồ Chí Minh|Hải Phòng|Đà Nẵng|Cần Thơ|Huế)",
        )
    )
)
DATA = Path(__file__).parent / "data"
TRAIN = DATA / "corpus_train.jsonl"
BLIND = DATA / "corpus_blind.jsonl"
ID_PREFIX = {"train": "ct", "blind": "cb"}
# Body furniture the cleaning removes: photo credits, captions, site widgets.
FURNITURE = re.compile(
    r"^(?:Ảnh:|Nguồn:)|\(Ảnh:|TIN TỨC MỚI NHẤT|Tin cùng chuyên mục|Tin mới nhất", re.M
)
# Provinces named by a federation, a ward/commune union or the publisher.  "LĐLĐ TP" is
# provincial only for the centrally-run cities; "LĐLĐ TP Vinh" is a city federation.
PROVINCE_OF_UNIT = re.compile(
    r"^(?:LĐLĐ (?:tỉnh (.+)|TP (Hà Nội|Hồ Chí Minh|Hải Phòng|Đà Nẵng|Cần Thơ|Huế))"
    r"|Công đoàn (?:xã|phường|đặc khu) .+ \((.+)\))$"
)


def split_of(url: str) -> str:
    """The half an item belongs to: a fixed hash of its URL, never a person's choice."""
    return "blind" if int(hashlib.sha256(url.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "train"


def parse(text: str, half: str) -> tuple[list[dict], list[str]]:
    """Items of one jsonl file and the problems of lines that are not JSON objects."""
    items, problems = [], []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if n != len(text.split("\n")):
                problems.append(f"{half} line {n}: blank line")
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{half} line {n}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            problems.append(f"{half} line {n}: not a JSON object")
            continue
        items.append(item)
    return items, problems


def item_problems(item: dict, half: str) -> list[str]:
    """Everything wrong with one item against the label contract."""
    if set(item) != FIELDS | {"origin"}:
        return [f"{item.get('id')}: fields {sorted(set(item) ^ (FIELDS | {'origin'}))}"]
    iid, out = item["id"], []
    if not re.fullmatch(rf"{ID_PREFIX[half]}\d{{3}}", str(iid)):
        out.append(f"{iid}: id does not match the {half} half")
    url = item["url"]
    if not (isinstance(url, str) and re.match(r"https?://[\w.-]+/?", url)):
        return [*out, f"{iid}: url {url!r}"]
    if item["origin"] != f"real:{url}":
        out.append(f"{iid}: origin must be real:<url>")
    if split_of(url) != half:
        out.append(f"{iid}: in the {half} half but its URL hash says {split_of(url)}")
    for key in ("title", "text"):
        value = item[key]
        if not (isinstance(value, str) and value.strip()):
            out.append(f"{iid}: empty {key}")
        elif not unicodedata.is_normalized("NFC", value):
            out.append(f"{iid}: {key} is not NFC")
    if isinstance(item["text"], str) and FURNITURE.search(item["text"]):
        out.append(f"{iid}: site furniture or a photo credit left in the text")
    published = None
    if item["published"] is not None:
        try:
            published = dt.date.fromisoformat(item["published"])
        except (TypeError, ValueError):
            out.append(f"{iid}: published {item['published']!r}")
        else:
            if not 2010 <= published.year <= 2026:
                out.append(f"{iid}: published {published} outside 2010-2026")
    province = item["source_province"]
    if province is not None and not (isinstance(province, str) and province.strip()):
        out.append(f"{iid}: source_province {province!r}")
    out += unit_problems(iid, item["units"])
    out += topic_problems(iid, item["topics"])
    out += event_problems(iid, item["events"], published)
    return out


def unit_problems(iid: str, units: object) -> list[str]:
    if not (isinstance(units, list) and all(isinstance(u, str) for u in units)):
        return [f"{iid}: units must be a list of strings"]
    out = [f"{iid}: unit listed twice" for _ in range(len(units) - len(set(units)))]
    for name in units:
        if (
            name != " ".join(name.split())
            or not unicodedata.is_normalized("NFC", name)
            or not UNIT_RE.fullmatch(name)
            or NOT_UNITS.match(name)
            or OLD_TONE_RE.search(name)
        ):
            out.append(f"{iid}: not a canonical unit name: {name!r}")
    return out


def topic_problems(iid: str, topics: object) -> list[str]:
    if not (isinstance(topics, list) and all(isinstance(t, str) for t in topics)):
        return [f"{iid}: topics must be a list of strings"]
    out = [f"{iid}: unknown topic {t!r}" for t in topics if t not in TOPICS]
    if len(topics) != len(set(topics)):
        out.append(f"{iid}: topic listed twice")
    if "mai_am_cong_doan" in topics and "cham_lo_doi_song" not in topics:
        out.append(f"{iid}: mai_am_cong_doan without cham_lo_doi_song")
    return out


def event_problems(iid: str, events: object, published: dt.date | None) -> list[str]:
    if not isinstance(events, list):
        return [f"{iid}: events must be a list"]
    out, seen = [], set()
    for ev in events:
        if not (isinstance(ev, dict) and set(ev) == {"date", "time", "kind"}):
            out.append(f"{iid}: malformed event {ev!r}")
            continue
        try:
            day = dt.date.fromisoformat(ev["date"])
        except (TypeError, ValueError):
            out.append(f"{iid}: event date {ev['date']!r}")
            continue
        if ev["time"] is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(ev["time"])):
            out.append(f"{iid}: event time {ev['time']!r}")
        if ev["kind"] not in KINDS:
            out.append(f"{iid}: event kind {ev['kind']!r}")
        if published and not published <= day <= published.replace(year=published.year + 2):
            out.append(f"{iid}: event {day} not within two years after publication")
        key = (ev["date"], ev["time"], ev["kind"])
        if key in seen:
            out.append(f"{iid}: duplicate event {key}")
        seen.add(key)
    return out


def corpus_problems(train_text: str, blind_text: str) -> list[str]:
    """All problems of the two halves, including items present in both."""
    train, problems = parse(train_text, "train")
    blind, more = parse(blind_text, "blind")
    problems += more
    for half, items in (("train", train), ("blind", blind)):
        for item in items:
            problems += (
                item_problems(item, half)
                if isinstance(item.get("id"), str)
                else [f"{half}: item without an id"]
            )
    everything = train + blind
    for key in ("id", "url", "title"):
        counts = Counter(str(i.get(key)).strip().casefold() for i in everything)
        problems += [
            f"{key} used twice (within or across halves): {v[:70]}"
            for v, c in counts.items()
            if c > 1
        ]
    return problems


def _items() -> list[dict]:
    return (
        parse(TRAIN.read_text(encoding="utf-8"), "train")[0]
        + parse(BLIND.read_text(encoding="utf-8"), "blind")[0]
    )


def test_corpus_follows_the_contract() -> None:
    problems = corpus_problems(TRAIN.read_text(encoding="utf-8"), BLIND.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems[:40])


def test_corpus_is_new_material() -> None:
    """No corpus page is already in the dev set or the held-out set."""
    old = set()
    for name in ("devset.jsonl", "heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                old |= {item["url"], item["title"].strip().casefold()}
    clashes = [i["id"] for i in _items() if i["url"] in old or i["title"].strip().casefold() in old]
    assert not clashes, clashes


def test_corpus_size_and_spread() -> None:
    items = _items()
    blind = [i for i in items if i["id"].startswith("cb")]
    assert len(items) >= 300
    assert 0.25 <= len(blind) / len(items) <= 0.42
    provinces = {i["source_province"] for i in items if i["source_province"]}
    for item in items:
        for unit in item["units"]:
            m = PROVINCE_OF_UNIT.match(unit)
            if m:
                provinces.add(m.group(1) or m.group(2) or m.group(3))
    assert len(provinces) >= 40, sorted(provinces)
    years = {i["published"][:4] for i in items if i["published"]}
    assert len(years) >= 10, sorted(years)
    topics = Counter(t for i in items for t in i["topics"])
    assert all(topics[t] >= 3 for t in TOPICS), topics
    sites = {re.sub(r"^(?:www|m|amp)\.", "", i["url"].split("/")[2]) for i in items}
    assert len(sites) >= 60
    assert sum(1 for i in items if i["events"]) >= 30


def _line(**changes: object) -> str:
    url = "https://congdoan.example.vn/bai-viet-1.html"
    item = {
        "id": "ct001" if split_of(url) == "train" else "cb001",
        "title": "LĐLĐ tỉnh Nghệ An tổ chức hội nghị",
        "text": "Ngày 5/5, LĐLĐ tỉnh tổ chức hội nghị.",
        "published": "2024-05-05",
        "url": url,
        "source_province": "Nghệ An",
        "origin": f"real:{url}",
        "units": ["LĐLĐ tỉnh Nghệ An"],
        "topics": ["so_ket_tong_ket"],
        "events": [{"date": "2024-05-20", "time": "08:00", "kind": "event"}],
    }
    item.update(changes)
    return json.dumps(item, ensure_ascii=False)


def _check(line: str) -> list[str]:
    half = split_of("https://congdoan.example.vn/bai-viet-1.html")
    return corpus_problems(line, "") if half == "train" else corpus_problems("", line)


def test_a_good_line_passes() -> None:
    assert _check(_line()) == []


def test_defects_are_caught() -> None:
    cases = {
        "not JSON": _line()[:-1],
        "fields": _line(origin=None).replace('"origin": null, ', ""),
        "unknown topic": _line(topics=["doi_song"]),
        "canonical": _line(units=["Liên đoàn Lao động tỉnh Nghệ An"]),
        "canonical ": _line(units=["LĐLĐ tỉnh Khánh Hoà"]),
        "canonical  ": _line(units=["Công đoàn cơ sở Công ty May 10"]),
        "mai_am_cong_doan without": _line(topics=["mai_am_cong_doan"]),
        "not within two years": _line(
            events=[{"date": "2024-05-01", "time": None, "kind": "event"}]
        ),
        "event kind": _line(events=[{"date": "2024-05-20", "time": None, "kind": "meeting"}]),
        "event time": _line(events=[{"date": "2024-05-20", "time": "24:00", "kind": "end"}]),
        "origin must be": _line(origin="written"),
        "outside 2010-2026": _line(published="2009-12-31", events=[]),
        "site furniture": _line(text="Ngày 5/5, LĐLĐ tỉnh tổ chức hội nghị.\nẢnh: Hải Nguyễn"),
    }
    for expected, line in cases.items():
        problems = _check(line)
        assert any(expected.strip() in p for p in problems), (expected, problems)


def test_an_item_in_both_halves_is_caught() -> None:
    url = "https://congdoan.example.vn/bai-viet-1.html"
    line = _line()
    other_half = "blind" if split_of(url) == "train" else "train"
    moved = line.replace('"ct001"', f'"{ID_PREFIX[other_half]}001"').replace(
        '"cb001"', f'"{ID_PREFIX[other_half]}001"'
    )
    train, blind = (line, moved) if other_half == "blind" else (moved, line)
    problems = corpus_problems(train, blind)
    assert any("url used twice" in p for p in problems), problems
    assert any("URL hash says" in p for p in problems), problems
    # Same story under another address: the title gives it away.
    retitled = json.loads(_line())
    retitled.update(
        url="https://baomoi.example.vn/x.epi", origin="real:https://baomoi.example.vn/x.epi"
    )
    retitled["id"] = "ct002" if split_of(retitled["url"]) == "train" else "cb002"
    half = split_of(retitled["url"])
    copy = json.dumps(retitled, ensure_ascii=False)
    if half == split_of(url):
        both = (
            corpus_problems(f"{line}\n{copy}", "")
            if half == "train"
            else corpus_problems("", f"{line}\n{copy}")
        )
    else:
        both = corpus_problems(line, copy) if half == "blind" else corpus_problems(copy, line)
    assert any("title used twice" in p for p in both), both
