"""What a unit mention says, and the article context that finishes naming it.

The parser records a :data:`Spec` per mention: a :class:`Named` unit when the
mention names it in full, a :class:`Deferred` builder when it needs the whole
text ("LĐLĐ tỉnh" without a province, "Công đoàn ngành Y tế"), or a
:class:`Dept` for a department of another unit.  :class:`Context` answers the
builders' questions (which province does this article mean?).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from feeds.understand import unit_lexicon as lx
from feeds.understand.gazetteer import NATIONAL_NAME, province_federation_name
from feeds.understand.unit_lexicon import exact_key


@dataclass
class Named:
    name: str
    kind: str
    parent: str | None
    province: str | None
    historical: bool


@dataclass
class Deferred:
    """A mention that needs the text's context to be named."""

    build: Callable[[Context], list[Named]]


@dataclass
class Dept:
    dept: str
    inner: Named | Deferred


Spec = Named | Deferred | Dept


def province_unit(province: str) -> Named:
    info = lx.TABLES.provinces[province]
    return Named(
        province_federation_name(province, info["kind"]),
        "province",
        NATIONAL_NAME,
        province,
        info.get("status", "current") != "current",
    )


def fed_name(province: str | None) -> str | None:
    if not province:
        return None
    return province_federation_name(province, lx.TABLES.provinces[province]["kind"])


def national() -> Named:
    return Named(NATIONAL_NAME, "national", None, None, False)


class Context:
    """What the whole text says about provinces and city/district unions."""

    def __init__(
        self,
        text: str,
        fixed: list[tuple[int, Named]],
        source: str | None,
        source_place: tuple[str, str] | None = None,
    ) -> None:
        self.text = text
        self.fixed = fixed
        self.source = source if source in lx.TABLES.provinces else None
        # The district or city whose own site this is: its bare "LĐLĐ huyện".
        self.source_place = source_place if self.source else None
        self._mentions: Counter[str] | None = None

    def mentions(self) -> Counter[str]:
        if self._mentions is None:
            counts: Counter[str] = Counter()
            for m in lx.PROVINCE_MENTION.finditer(self.text):
                counts[lx.PROVINCE_ALIASES[exact_key(m.group("prov"))]] += 1
            for _pos, f in self.fixed:
                if f.province:
                    counts[f.province] += 2
            self._mentions = counts
        return self._mentions

    def forget_mentions(self) -> None:
        """Count the provinces again (after more units were named)."""
        self._mentions = None

    def province(self, scope: str = "any") -> str | None:
        """The province a bare mention refers to (scope "tinh": not a central city)."""

        def ok(p: str | None) -> bool:
            return bool(p) and (scope == "any" or lx.TABLES.provinces[p]["kind"] == "tinh")

        cands = [p for p, _ in self.mentions().most_common() if ok(p)]
        src = self.source if ok(self.source) else None
        # A provincial site's bare "LĐLĐ tỉnh" is its own, unless the text names
        # another province's union ("hỗ trợ tỉnh Bắc Giang" is only a place).
        unions = {f.province for _, f in self.fixed if f.province and ok(f.province)}
        if src and (src in cands or not cands or not unions or src in unions):
            return src
        if len(cands) == 1:
            return cands[0]
        if src or cands:
            return src or cands[0]
        named = {
            lx.PROVINCE_ALIASES[exact_key(m.group("prov"))]
            for m in lx.PROVINCE_BARE.finditer(self.text)
        }
        named = {p for p in named if ok(p)}
        return named.pop() if len(named) == 1 else None

    def central_city(self) -> str | None:
        """The one centrally-run city the text names, even without "TP" before it."""
        found = {
            lx.PROVINCE_ALIASES[exact_key(m.group("prov"))]
            for m in lx.CENTRAL_CITY.finditer(self.text)
        }
        return found.pop() if len(found) == 1 else None

    def district_named(self, level: str) -> list[Named]:
        """The one known district of ``level`` the text names as a place, if only one."""
        places = set()
        for m in lx.DISTRICT_WORD.finditer(self.text):
            if " ".join(m.group("level").split()) != level:
                continue
            known = lx.known_place(self.text, m.end())
            if known and (level, known[0]) in lx.TABLES.district_province:
                places.add(known[0])
        # A headline opening on the place: "Ninh Kiều phát động ..." (the title is first).
        lead = None if places else lx.known_place(" " + self.text[:60], 0)
        if lead and (level, lead[0]) in lx.TABLES.district_province:
            places.add(lead[0])
        if len(places) == 1:
            return [district_unit(level, places.pop(), None, self)]
        if not places and self.source_place and self.source_place[0] == level:
            return [district_unit(level, self.source_place[1], self.source, self)]
        return []

    def commune_named(self, pos: int, level: str) -> list[Named]:
        """The ward union a bare "Công đoàn phường" means: the one ward union the text
        names, else the one ward of that level it names as a place ("UBND phường X")."""
        prefix = f"Công đoàn {level} "
        found = self.nearest(pos, lambda f: f.kind == "commune" and f.name.startswith(prefix))
        if found:
            return [found]
        places = set()
        for m in lx.COMMUNE_WORD.finditer(self.text):
            if " ".join(m.group("level").split()) != level:
                continue
            known = lx.known_place(self.text, m.end())
            if known and (level, known[0]) in lx.TABLES.commune_province:
                places.add(known[0])
        if len(places) != 1:
            return []
        place = places.pop()
        where = lx.TABLES.commune_province[(level, place)]
        prov = self.province()
        if prov not in where:
            if len(where) != 1:
                return []  # a name several provinces have, and nothing says which
            prov = where[0]
        return [Named(f"{prefix}{place} ({prov})", "commune", fed_name(prov), prov, False)]

    def nearest(self, pos: int, pred: Callable[[Named], bool]) -> Named | None:
        """The unit satisfying ``pred`` named closest before ``pos`` (else first after)."""
        units = [(p, f) for p, f in self.fixed if pred(f)]
        if not units:
            return None
        if len({f.name for _, f in units}) == 1:
            return units[0][1]
        before = [f for p, f in units if p < pos]
        return before[-1] if before else units[0][1]


def maybe(value, make) -> list[Named]:
    return [make(value)] if value else []


def zone(name: str, province: str | None) -> list[Named]:
    return [Named(name, "economic_zone", fed_name(province), province, True)]


def sector_unit(sector: str, province: str) -> Named:
    info = lx.TABLES.provinces[province]
    if sector == "Viên chức":
        level = "TP" if info["kind"] == "tp" else "tỉnh"
        name = f"Công đoàn Viên chức {level} {province}"
    else:
        name = f"Công đoàn ngành {sector} {province}"
    return Named(name, "local_sector", fed_name(province), province, True)


def district_unit(level: str, place: str, explicit: str | None, ctx: Context) -> Named:
    """ "LĐLĐ huyện X" in the province written, the gazetteer's, or the article's."""
    gz = list(lx.TABLES.district_province.get((level, place), ()))
    if level == "TP":
        gz += [p for p in lx.TABLES.city_province.get(place, ()) if p not in gz]
    if explicit:
        prov: str | None = explicit
    elif len(gz) == 1:
        prov = gz[0]
    else:
        guess = ctx.province()
        prov = guess if (not gz or guess in gz) else gz[0]
    return Named(f"LĐLĐ {level} {place}", "district", fed_name(prov), prov, True)
