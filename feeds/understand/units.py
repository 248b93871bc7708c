"""Union units: canonical names, the gazetteer and the taxonomy users subscribe to.

A unit is one union body with one canonical name ("LĐLĐ tỉnh Nghệ An",
"Khối thi đua số 01"...) and an id that is the ASCII slug of that name.  The
gazetteer (:mod:`feeds.understand.gazetteer`: ``data/units.toml`` by hand, every
district and commune in ``data/divisions.json``) lists the units we know by
name, with their parents and history; :func:`find_units` (names read by
:mod:`feeds.understand.unit_grammar`, which never imports this module) also
produces units the gazetteer does not list, so the taxonomy is open: every
generated unit gets a parent in it.

Public API: :class:`Unit`, :func:`find_units`, :func:`province_for_url`,
:class:`Taxonomy`, :func:`taxonomy`, :func:`slugify`.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from feeds.understand.gazetteer import (
    COMMUNE_LEVELS,
    DISTRICT_LEVELS,
    NATIONAL_ID,
    NATIONAL_NAME,
    Tables,
    province_federation_name,
    slugify,
    tables,
)
from feeds.understand.unit_grammar import Named, recognize
from feeds.vntext import exact_key, expand_abbreviations, fold_key, is_ascii, normalize

__all__ = [
    "KINDS",
    "NATIONAL_ID",
    "NATIONAL_NAME",
    "Taxonomy",
    "Unit",
    "find_units",
    "province_federation_name",
    "province_for_url",
    "slugify",
    "taxonomy",
]

KINDS = (
    "national",
    "national_department",
    "central_sector",
    "province",
    "province_department",
    "district",
    "local_sector",
    "economic_zone",
    "commune",
    "emulation_block",
    "other",
)


@dataclass(frozen=True)
class Unit:
    """One union body.  Equality and hashing use the identity fields only."""

    id: str
    name: str
    kind: str
    parent_id: str | None
    ancestors: tuple[str, ...]
    province: str | None
    historical: bool
    aliases: tuple[str, ...] = field(default=(), compare=False)
    valid_from: str | None = field(default=None, compare=False)
    valid_to: str | None = field(default=None, compare=False)
    merged_into: str | None = field(default=None, compare=False)


# --- search keys -------------------------------------------------------------

# Folded abbreviations a user may type without diacritics ("ldld nghe an").
_ASCII_ABBR = {
    "ldld": "lien doan lao dong",
    "tld": "tong lien doan lao dong viet nam",
    "cd": "cong doan",
    "cdcs": "cong doan co so",
    "tp": "thanh pho",
    "tx": "thi xa",
    "kcn": "khu cong nghiep",
    "kkt": "khu kinh te",
    "vn": "viet nam",
    "ubkt": "uy ban kiem tra",
    "gtvt": "giao thong van tai",
    "ubnd": "uy ban nhan dan",
    "hcm": "ho chi minh",
    "tphcm": "thanh pho ho chi minh",
    "ktd": "khoi thi dua",
}
# Words that carry little identity when ranking fuzzy matches.
_WEAK = {
    "lien", "doan", "lao", "dong", "cong", "tinh", "thanh", "pho", "huyen", "quan", "thi",
    "xa", "phuong", "nganh", "viet", "nam", "so", "khoi", "dua", "ban", "tong",
}  # fmt: skip


def search_keys(text: str) -> tuple[str, str]:
    """(exact, folded) keys with abbreviations spelled out, in both scripts."""
    expanded = expand_abbreviations(text)
    exact = exact_key(expanded)
    folded = " ".join(_ASCII_ABBR.get(w, w) for w in fold_key(expanded).split())
    # Numbers are written "01" or "1": compare them without leading zeros.
    exact = re.sub(r"\b0+(\d)", r"\1", exact)
    folded = re.sub(r"\b0+(\d)", r"\1", folded)
    return exact, folded


# --- the taxonomy --------------------------------------------------------------


class Taxonomy:
    """The gazetteer as a tree of :class:`Unit`, plus alias search for /subscribe."""

    def __init__(self, gazetteer: Tables) -> None:
        self.tables = gazetteer
        self.data = gazetteer.data
        self._units: dict[str, Unit] = {}
        self._generated: dict[str, Unit] = {}
        self._children: dict[str, list[str]] = {}
        # Province facts (shared with the grammar).
        self.provinces = gazetteer.provinces
        self.province_aliases = gazetteer.province_aliases
        self.city_province = gazetteer.city_province
        self.district_province = gazetteer.district_province
        self.commune_province = gazetteer.commune_province
        self.sectors = gazetteer.sectors
        self.sector_aliases = gazetteer.sector_aliases
        self._build()
        self._index_cache: dict[str, list[tuple[str, str, Unit]]] | None = None
        self._tokens_cache: list[tuple[str, frozenset[str], Unit]] | None = None

    # -- construction --

    def _add(
        self,
        name: str,
        kind: str,
        parent: str | None,
        province: str | None = None,
        historical: bool = False,
        aliases: Iterable[str] = (),
        valid_from: str | None = None,
        valid_to: str | None = None,
        merged_into: str | None = None,
    ) -> Unit:
        uid = slugify(name)
        if uid in self._units:  # first definition wins (explicit [[units]] come first)
            return self._units[uid]
        parent_id = slugify(parent) if parent else None
        unit = Unit(
            id=uid,
            name=name,
            kind=kind,
            parent_id=parent_id,
            ancestors=self._ancestors_of(parent_id),
            province=province,
            historical=historical,
            aliases=tuple(dict.fromkeys(a for a in aliases if a and a != name)),
            valid_from=valid_from,
            valid_to=valid_to,
            merged_into=merged_into,
        )
        self._units[uid] = unit
        if parent_id:
            self._children.setdefault(parent_id, []).append(uid)
        return unit

    def _ancestors_of(self, parent_id: str | None) -> tuple[str, ...]:
        if not parent_id:
            return ()
        parent = self._units.get(parent_id)
        return (parent_id, *(parent.ancestors if parent else ()))

    def _build(self) -> None:
        data = self.data
        nat = data["national"]
        self._add(nat["name"], "national", None, aliases=nat.get("aliases", ()))
        for dept in nat["departments"]:
            self._add(
                f"{dept} {NATIONAL_NAME}",
                "national_department",
                NATIONAL_NAME,
                aliases=[f"{dept} Tổng Liên đoàn", f"{dept} TLĐ"],
            )
        for sector in data["sectors"]:
            if sector.get("central"):
                name = f"Công đoàn {sector['name']} Việt Nam"
                merged = sector.get("merged_into")
                self._add(
                    name,
                    "central_sector",
                    NATIONAL_NAME,
                    historical=bool(sector.get("historical")),
                    aliases=[f"Công đoàn {a} Việt Nam" for a in sector.get("aliases", ())]
                    + [f"Công đoàn {a}" for a in sector.get("national_aliases", ())]
                    + [
                        f"Công đoàn ngành {sector['name']} Việt Nam",
                        f"Công đoàn {sector['name']} VN",
                    ],
                    merged_into=slugify(f"Công đoàn {merged} Việt Nam") if merged else None,
                )
        for special in data["special_central"]:
            self._add(special["name"], "central_sector", NATIONAL_NAME, aliases=special["aliases"])
        self._build_provinces()
        self._build_explicit_units()
        self._build_districts()
        self._build_communes()
        for n in range(1, data["emulation_blocks"]["count"] + 1):
            self._add(
                f"Khối thi đua số {n:02d}",
                "emulation_block",
                None,
                aliases=[f"Khối thi đua số {n}", f"Khối thi đua {n}", f"Khối {n}"],
            )

    def _build_provinces(self) -> None:
        for p in self.data["provinces"]:
            name, kind = p["name"], p["kind"]
            merged_into = p.get("merged_into")
            status = p.get("status", "current")
            fed = province_federation_name(name, kind)
            level = "Thành phố" if kind == "tp" else "tỉnh"
            aliases = [
                f"LĐLĐ {name}",
                f"Liên đoàn Lao động {level} {name}",
                f"Công đoàn {name}",
                f"Công đoàn {level} {name}",
                name,
                *(f"LĐLĐ {a}" for a in p.get("aliases", ())),
            ]
            if kind == "tp":
                aliases += [f"LĐLĐ Thành phố {name}", f"LĐLĐ TP. {name}"]
                aliases += [f"TP {a}" for a in (name, *p.get("aliases", ()))]
            else:
                aliases.append(f"tỉnh {name}")
            merged_fed = None
            if merged_into:
                target = self.provinces[merged_into]
                merged_fed = slugify(province_federation_name(merged_into, target["kind"]))
            self._add(
                fed,
                "province",
                NATIONAL_NAME,
                province=name,
                historical=status != "current",
                aliases=aliases,
                valid_from=p.get("valid_from"),
                valid_to=p.get("valid_to") or ("2025-06-30" if status != "current" else None),
                merged_into=merged_fed,
            )
        depts = self.data["province_departments"]
        for prov in depts["gazetteer_provinces"]:
            fed = province_federation_name(prov, self.provinces[prov]["kind"])
            for dept in depts["names"]:
                self._add(f"{dept} {fed}", "province_department", fed, province=prov)

    def _build_explicit_units(self) -> None:
        for u in self.data.get("units", ()):
            parent = u.get("parent")
            province = self._unit_province(parent)
            self._add(
                u["name"],
                u["kind"],
                parent,
                province=province,
                historical=bool(u.get("valid_to")),
                aliases=u.get("aliases", ()),
                valid_from=u.get("valid_from"),
                valid_to=u.get("valid_to"),
            )

    def _unit_province(self, name: str | None) -> str | None:
        unit = self._units.get(slugify(name)) if name else None
        return unit.province if unit else None

    def _build_districts(self) -> None:
        merged: dict[tuple[str, str], str] = {}
        for block in self.data.get("districts", ()):
            for place, target in block.get("merged", {}).items():
                merged[(block["province"], place)] = target
        for prov, level, place in self.tables.places("districts", DISTRICT_LEVELS):
            full = {"TP": "thành phố", "thị xã": "thị xã"}.get(level, level)
            target = merged.get((prov, place))
            self._add(
                f"LĐLĐ {level} {place}",
                "district",
                self.tables.federation(prov),
                province=prov,
                historical=True,
                aliases=[
                    f"Liên đoàn Lao động {full} {place}",
                    f"Công đoàn {full} {place}",
                    f"{full} {place}",
                    place,
                ],
                valid_to="2025-06-30",
                merged_into=slugify(f"LĐLĐ TP {target}") if target else None,
            )

    def _build_communes(self) -> None:
        for prov, level, place in self.tables.places("communes", COMMUNE_LEVELS):
            self._add(
                f"Công đoàn {level} {place} ({prov})",
                "commune",
                self.tables.federation(prov),
                province=prov,
                aliases=[f"Công đoàn {level} {place}", f"{level} {place}", place],
                valid_from="2025-07-01",
            )

    # -- generated units --

    def make(self, named: Named) -> Unit:
        """The gazetteer unit of that name, or a new unit hung under its parent."""
        name, kind, parent_name = named.name, named.kind, named.parent
        province, historical = named.province, named.historical
        uid = slugify(name)
        known = self._units.get(uid) or self._generated.get(uid)
        if known:
            return known
        parent_id = slugify(parent_name) if parent_name else None
        if parent_id and parent_id not in self._units and parent_id not in self._generated:
            parent_id = None
        ancestors = self._ancestors_of(parent_id) if parent_id in self._units else ()
        if parent_id and not ancestors:
            gen_parent = self._generated.get(parent_id)
            ancestors = (parent_id, *(gen_parent.ancestors if gen_parent else ()))
        unit = Unit(uid, name, kind, parent_id, ancestors, province, historical)
        if len(self._generated) < 50_000:  # bounded: ids stay resolvable via get()
            self._generated[uid] = unit
        return unit

    # -- public API --

    def get(self, unit_id: str) -> Unit | None:
        """A gazetteer unit, or a unit :func:`find_units` produced earlier."""
        return self._units.get(unit_id) or self._generated.get(unit_id)

    def all(self) -> list[Unit]:
        """Gazetteer units (not every unit the grammar can produce)."""
        return list(self._units.values())

    def children(self, unit_id: str) -> list[Unit]:
        """Gazetteer units directly under ``unit_id``."""
        return [self._units[c] for c in self._children.get(unit_id, ())]

    def descendants(self, unit_id: str) -> list[Unit]:
        """Gazetteer units anywhere under ``unit_id``, breadth first."""
        out: list[Unit] = []
        queue = list(self._children.get(unit_id, ()))
        while queue:
            uid = queue.pop(0)
            out.append(self._units[uid])
            queue.extend(self._children.get(uid, ()))
        return out

    # -- search --

    @property
    def _index(self) -> dict[str, list[tuple[str, str, Unit]]]:
        # Built on first search: recognition never needs it.
        if self._index_cache is None:
            self._index_cache = self._build_index()
        return self._index_cache

    def _build_index(self) -> dict[str, list[tuple[str, str, Unit]]]:
        """Alias keys of every gazetteer unit: {"exact"|"folded": [(key, alias, unit)]}."""
        exact: list[tuple[str, str, Unit]] = []
        folded: list[tuple[str, str, Unit]] = []
        for unit in self._units.values():
            for alias in (unit.name, *unit.aliases):
                e, f = search_keys(alias)
                exact.append((e, alias, unit))
                folded.append((f, alias, unit))
        return {"exact": exact, "folded": folded}

    def search(self, query: str, limit: int = 5) -> list[tuple[Unit, float]]:
        """Rank units for a user's query; an exact alias hit scores 1.0.

        Diacritic-insensitive for ASCII queries, abbreviations expanded.  A unit
        the grammar can build from the query ("LĐLĐ huyện Krông Pắc") scores
        0.95 when it is not in the gazetteer.  Unknown input returns the
        closest few with low scores, so the bot can suggest them.
        """
        query = normalize(query).strip()
        if not query:
            return []
        q_exact, q_folded = search_keys(query)
        ascii_query = is_ascii(query)
        best: dict[str, tuple[float, Unit]] = {}

        def offer(unit: Unit, score: float) -> None:
            if unit.id not in best or best[unit.id][0] < score:
                best[unit.id] = (score, unit)

        exact_index = self._index["exact"]
        folded_index = self._index["folded"]
        for (e, _alias, unit), (f, _, _) in zip(exact_index, folded_index, strict=True):
            if (not ascii_query and e == q_exact) or f == q_folded:
                offer(unit, 1.0 if (ascii_query or e == q_exact) else 0.92)
        hits = {uid for uid, (s, _) in best.items() if s >= 1.0}
        if len(hits) > 1:  # a bare place name ("Hoàng Mai") fits several units
            for uid in hits:
                unit = best[uid][1]
                best[uid] = (0.9 - 0.05 * unit.historical, unit)
        if not ascii_query:
            for named in recognize(query, source_province=None):
                unit = self.make(named)
                offer(unit, 1.0 if unit.id in self._units else 0.95)
        if not best or max(s for s, _ in best.values()) < 0.9:
            self._fuzzy(q_folded, offer, best, limit)
        ranked = sorted(
            best.values(),
            key=lambda su: (-su[0], su[1].historical, KINDS.index(su[1].kind), len(su[1].name)),
        )
        return [(unit, round(score, 3)) for score, unit in ranked[:limit]]

    def _fuzzy(
        self,
        q_folded: str,
        offer: Callable[[Unit, float], None],
        best: dict[str, tuple[float, Unit]],
        limit: int,
    ) -> None:
        """Token-weighted overlap plus character similarity, scores below 0.9.

        The gazetteer holds tens of thousands of aliases (every ward and commune),
        so the character similarity (difflib, the costly part) is computed only
        for aliases whose score could still reach the ``limit`` best units: the
        token part is exact, the character part at most 1.0, and candidates are
        scored best bound first.  The result is the same as scoring them all."""
        q_tokens = set(q_folded.split())
        if not q_tokens:
            return
        q_weight = _weight(q_tokens)
        bounded: list[tuple[float, float, str, Unit]] = []
        for f, tokens, unit in self._folded_tokens:
            common = q_tokens & tokens
            if not common:
                continue
            shared = _weight(common)
            overlap = shared / max(_weight(q_tokens | tokens), 1e-9)
            cover = shared / max(q_weight, 1e-9)
            token_part = 0.45 * overlap + 0.35 * cover
            bounded.append((0.85 * (token_part + 0.2), token_part, f, unit))
        bounded.sort(key=lambda b: b[0], reverse=True)

        def kth_best() -> float:
            if len(best) < limit:
                return float("-inf")
            return heapq.nlargest(limit, (score for score, _u in best.values()))[-1]

        floor = kth_best()
        for bound, token_part, f, unit in bounded:
            if bound < floor:
                break  # no later alias can reach the best ``limit`` units
            chars = difflib.SequenceMatcher(None, q_folded, f).ratio()
            offer(unit, 0.85 * (token_part + 0.2 * chars))
            floor = kth_best()

    @property
    def _folded_tokens(self) -> list[tuple[str, frozenset[str], Unit]]:
        """(folded alias, its words, unit) for the fuzzy search, built once."""
        if self._tokens_cache is None:
            self._tokens_cache = [
                (f, frozenset(f.split()), unit) for f, _alias, unit in self._index["folded"]
            ]
        return self._tokens_cache


def _weight(tokens: Iterable[str]) -> float:
    """Words every unit name shares (công, đoàn, tỉnh…) count a quarter."""
    return sum(0.25 if t in _WEAK else 1.0 for t in tokens)


@cache
def taxonomy() -> Taxonomy:
    """The taxonomy, built once from the gazetteer tables."""
    return Taxonomy(tables())


# --- sources -------------------------------------------------------------------

_HOST_PREFIXES = ("congdoan", "ldld", "laodong", "bao")


def province_for_url(url: str | None) -> str | None:
    """Default province of a source: baonghean.vn, congdoannghean.vn... -> "Nghệ An"."""
    if not url:
        return None
    host = _host(url)
    tax = taxonomy()
    known = tax.data.get("source_provinces", {})
    if host in known:
        return known[host]
    slugs = {slugify(name).replace("-", ""): name for name in tax.provinces}
    labels = host.split(".")
    first = labels[0].replace("-", "")
    for prefix in _HOST_PREFIXES:
        if first.startswith(prefix) and first[len(prefix) :] in slugs:
            return slugs[first[len(prefix) :]]
    if host.endswith(".gov.vn"):  # e.g. congdoan.nghean.gov.vn
        for label in labels[:-2]:
            if label in slugs:
                return slugs[label]
    return None


def _host(url: str) -> str:
    """The site's host name in lower case, without "www.", "m.", "amp."."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    return re.sub(r"^(?:www\d?|m|amp|mobile)\.", "", host)


# What a district or city portal puts around its place's name in its host:
# pgddtphumy.edu.vn (the district's education office), nghiloc.nghean.gov.vn,
# thanhphovinh..., backancity.gov.vn.  A level word marks the place's own site.
_SITE_OFFICE = re.compile(r"^(?:pgd(?:dt)?|ubnd|ldld|congdoan)+")
_SITE_LEVEL = re.compile(r"^(?:huyen|thixa|thanhpho|tp|quan)|city$")


def place_for_url(url: str | None, province: str | None) -> tuple[str, str] | None:
    """(level, place) of a district or city whose own site ``url`` is, in ``province``:
    its bare "LĐLĐ huyện", "Liên đoàn Lao động thành phố" are that place's."""
    if not url or not province:
        return None
    named: dict[str, bool] = {}  # a host label's place part -> written with a level word
    for label in _host(url).split("."):
        bare = _SITE_OFFICE.sub("", label.replace("-", ""))
        place = _SITE_LEVEL.sub("", bare)
        named[place] = named.get(place, False) or place != bare
    province_slug = slugify(province).replace("-", "")
    places = _district_slugs(province)
    found = {
        district
        for slug, leveled in named.items()
        # congdoanthanhhoa.vn is the province's site; thanhphothanhhoa... the city's.
        if slug != province_slug or leveled
        for district in places.get(slug, ())
    }
    return found.pop() if len(found) == 1 else None


@cache
def _district_slugs(province: str) -> dict[str, list[tuple[str, str]]]:
    """The province's districts and cities by their host-name slug ("nghiloc")."""
    index: dict[str, list[tuple[str, str]]] = {}
    for (level, place), provinces in taxonomy().tables.district_province.items():
        if province in provinces:
            index.setdefault(slugify(place).replace("-", ""), []).append((level, place))
    return index


def find_units(
    text: str,
    *,
    title: str = "",
    source_province: str | None = None,
    source_place: tuple[str, str] | None = None,
) -> list[Unit]:
    """Units named in title + text, in order of first mention, each once
    (``source_place``: the district or city whose site this is, see :func:`place_for_url`)."""
    tax = taxonomy()
    units: dict[str, Unit] = {}
    for named in recognize(
        text, title=title, source_province=source_province, source_place=source_place
    ):
        unit = tax.make(named)
        units.setdefault(unit.id, unit)
    return list(units.values())
