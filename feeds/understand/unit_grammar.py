"""The unit grammar: find union bodies in Vietnamese text and name them canonically.

A unit mention is a *head* (LĐLĐ / Liên đoàn Lao động, Công đoàn / CĐ, Tổng
LĐLĐ, Ban X, Ủy ban Kiểm tra, Khối/Cụm thi đua) followed by a *level* (tỉnh,
thành phố/TP, huyện, quận, thị xã, xã, phường, đặc khu, ngành, Khu kinh tế...)
and a *place* (a gazetteer province, or 1-3 capitalized syllables).  One
anchor regex finds heads left to right; a small parser per head reads the
rest.  Mentions that need the article's context ("LĐLĐ tỉnh" without a
province, "Công đoàn thành phố", "Công đoàn ngành Y tế") are resolved after
the whole text is scanned, from the provinces the text names and the
source's province.

Everything runs on :func:`feeds.vntext.normalize`-d text, so offsets give the
order of first mention.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from feeds.understand.unit_recase import recase
from feeds.understand.units import NATIONAL_NAME, Unit, province_federation_name, taxonomy
from feeds.vntext import exact_key as _exact_key
from feeds.vntext import normalize

_TAX = taxonomy()
exact_key = lru_cache(maxsize=8192)(_exact_key)  # the same few names recur in every text
_SP = r"[^\S\n]+"  # spaces, never a line break: a mention does not span lines
_OSP = r"[^\S\n]*"


def _alias_pattern(alias: str) -> str:
    """Regex for a written name: flexible spaces and dashes ("Bà Rịa-Vũng Tàu")."""
    parts = re.split(r"\s*[-–—]\s*", alias)
    return r"\s*[-–—]\s*".join(_SP.join(map(re.escape, p.split())) for p in parts)


def _alternation(names: list[str]) -> str:
    return "|".join(_alias_pattern(n) for n in sorted(set(names), key=len, reverse=True))


# --- gazetteer-driven patterns -------------------------------------------------

_PROVINCE_ALIASES: dict[str, str] = {}
for _p in _TAX.data["provinces"]:
    for _a in (_p["name"], *_p.get("aliases", ())):
        _PROVINCE_ALIASES[exact_key(_a)] = _p["name"]
_PROV_ALT = _alternation(
    [a for p in _TAX.data["provinces"] for a in (p["name"], *p.get("aliases", ()))]
)
# A province right here, optionally after its level word.
_PROVINCE = re.compile(
    rf"{_OSP}(?P<level>(?i:tỉnh|thành{_SP}phố|tp)\.?{_OSP})?(?P<prov>(?i:{_PROV_ALT}))(?![\w'’])"
)
# Strong province mentions anywhere in a text (level word or parentheses).
_PROVINCE_MENTION = re.compile(
    rf"(?:(?<![\w])(?i:tỉnh|thành{_SP}phố|tp)\.?{_OSP}|\({_OSP})(?P<prov>(?i:{_PROV_ALT}))(?![\w'’])"
)

_SECTOR_ALIASES: dict[str, str] = dict(_TAX.sector_aliases)
_SECTOR_WRITTEN = [
    a
    for s in _TAX.data["sectors"]
    for a in (s["name"], *s.get("aliases", ()), *s.get("national_aliases", ()))
]
# Sector names that name the central union on their own ("Công đoàn TKV").
_NATIONAL_SECTOR = {
    exact_key(a): s["name"] for s in _TAX.data["sectors"] for a in s.get("national_aliases", ())
}
_SECTOR = re.compile(
    rf"{_SP}(?P<nganh>(?i:ngành){_SP})?(?P<sector>(?i:{_alternation(_SECTOR_WRITTEN)}))(?![\w&])"
)
# The next sector of a coordinated list: "Công đoàn ngành Giáo dục, Y tế và Xây dựng tỉnh X".
_SECTOR_NEXT = re.compile(
    rf"(?:{_OSP},{_OSP}|{_SP}(?:và|với){_SP})(?:(?i:ngành){_SP})?"
    rf"(?P<sector>{_alternation(_SECTOR_WRITTEN)})(?![\w&])"
)

# Known place names (thousands: every district before 2025 and every commune
# since), looked up token by token rather than through one huge alternation.
_PLACE_CASE: dict[str, str] = {
    " ".join(place.split()).casefold(): place
    for place in (
        {place for (_lvl, place) in _TAX.district_province}
        | {place for (_lvl, place) in _TAX.commune_province}
        | set(_TAX.city_province)
    )
}
_PLACE_MAX_TOKENS = max(len(key.split()) for key in _PLACE_CASE)

# Explicit gazetteer units by alias (e.g. "Công đoàn KKT Đông Nam").
_UNIT_BY_ALIAS: dict[str, Unit] = {}
for _u in _TAX.all():
    for _a in (_u.name, *_u.aliases):
        _UNIT_BY_ALIAS.setdefault(exact_key(_a), _u)

# --- words -------------------------------------------------------------------------

_SURNAMES = set(
    [
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Huỳnh",
        "Phan",
        "Vũ",
        "Võ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
        "Đào",
        "Đoàn",
        "Đinh",
        "Lương",
        "Trịnh",
        "Cao",
        "Mai",
        "Tô",
        "Kha",
        "Thái",
        "Chu",
        "Tạ",
        "Triệu",
        "Quách",
        "Lưu",
        "Thân",
        "Tăng",
        "Vi",
        "Lò",
        "Hầu",
        "Mạc",
        "Âu",
        "Khúc",
        "Từ",
        "Nghiêm",
        "Châu",
        "Kiều",
        "La",
        "Lại",
        "Tống",
        "Phùng",
        "Trương",
        "Doãn",
        "Lã",
        "Lữ",
        "Hứa",
        "Vương",
        "Thạch",
        "Danh",
        "Ông",
        "Văn",
        "Nông",
        "Hà",
        "Lâm",
        "Đồng",
        "Giáp",
        "Ninh",
        "Quan",
        "Lục",
        "Bế",
        "Hoàng",
        "Tôn",
        "Tiêu",
        "Ksor",
        "Rơ",
        "Nay",
        "Y",
    ]
)
# Capitalized words that end a place name (titles, bodies, time words).
_STOP_WORDS = set(
    [
        "Công",
        "Liên",
        "Ban",
        "Chủ",
        "Phó",
        "Đại",
        "Hội",
        "Ủy",
        "Tỉnh",
        "Thành",
        "Huyện",
        "Quận",
        "Xã",
        "Phường",
        "Thị",
        "Năm",
        "Lần",
        "Khóa",
        "Nhiệm",
        "Ông",
        "Bà",
        "Anh",
        "Chị",
        "Sáng",
        "Chiều",
        "Tối",
        "Ngày",
        "Tháng",
        "Trong",
        "Tại",
        "Với",
        "Và",
        "Theo",
        "Đồng",
        "Đảng",
        "Bí",
        "Trưởng",
        "Chánh",
        "Các",
        "Những",
        "Khu",
        "Trường",
        "Đoàn",
        "Ảnh",
        "Nguồn",
        "Kỳ",
        "Giai",
        "Chương",
    ]
)
_FOREIGN = re.compile(
    rf"{_SP}(?:Lào|Campuchia|Trung{_SP}Quốc|Hàn{_SP}Quốc|Nhật{_SP}Bản|Thái{_SP}Lan|Cuba|"
    rf"Nga|Liên{_SP}bang{_SP}Nga|Mỹ|Hoa{_SP}Kỳ|Pháp|Đức|Anh|Singapore|Malaysia|Indonesia|"
    rf"Philippines|Myanmar|Mông{_SP}Cổ|Triều{_SP}Tiên|Ấn{_SP}Độ|Úc|Australia|Venezuela|"
    rf"Brazil|Bỉ|Italia|Ý|Thụy{_SP}Điển|Na{_SP}Uy|Đan{_SP}Mạch|Hà{_SP}Lan|Canada|Israel|"
    rf"Palestine|ASEAN|(?i:thế{_SP}giới|quốc{_SP}tế))(?!\w)"
)
_FOREIGN_PAREN = re.compile(r"[^.\n]{0,40}?\((?:Lào|Campuchia|Trung Quốc|Thái Lan|Myanmar)\)")

# --- the anchor regex -------------------------------------------------------------

_DEPARTMENTS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(rf"(?i:{pat})\Z"))
    for name, pat in [
        ("Ban Tổ chức - Kiểm tra", rf"ban{_SP}tổ{_SP}chức{_OSP}[-–—]{_OSP}kiểm{_SP}tra"),
        ("Ban Tổ chức", rf"ban{_SP}tổ{_SP}chức"),
        ("Ban Tuyên giáo - Nữ công", rf"ban{_SP}tuyên{_SP}giáo{_OSP}[-–—]{_OSP}nữ{_SP}công"),
        ("Ban Tuyên giáo", rf"ban{_SP}tuyên{_SP}giáo"),
        ("Ban Nữ công", rf"ban{_SP}nữ{_SP}công"),
        (
            "Ban Chính sách - Pháp luật",
            rf"ban{_SP}chính{_SP}sách{_OSP}(?:[-–—]|{_SP}và{_SP}|,)?{_OSP}pháp{_SP}luật",
        ),
        ("Ban Quan hệ lao động", rf"ban{_SP}quan{_SP}hệ{_SP}lao{_SP}động"),
        ("Ban Công tác Công đoàn", rf"ban{_SP}công{_SP}tác{_SP}công{_SP}đoàn"),
        ("Ban Tài chính", rf"ban{_SP}tài{_SP}chính"),
        ("Ban Nghiệp vụ", rf"ban{_SP}nghiệp{_SP}vụ"),
        ("Ban Đối ngoại", rf"ban{_SP}đối{_SP}ngoại"),
        ("Ban Pháp luật", rf"ban{_SP}pháp{_SP}luật"),
        ("Ban Kinh tế - Xã hội", rf"ban{_SP}kinh{_SP}tế{_OSP}[-–—]{_OSP}xã{_SP}hội"),
        ("Ủy ban Kiểm tra", rf"ủy{_SP}ban{_SP}kiểm{_SP}tra|ubkt"),
        ("Văn phòng", rf"văn{_SP}phòng"),
    ]
]
_LDLD = rf"L[ĐD]{_OSP}L[ĐD]|liên{_SP}đoàn{_SP}lao{_SP}động"
# The Front's department for unions: "Ban Công tác Công đoàn (của) Ủy ban Trung ương MTTQ Việt Nam".
_MTTQ = (
    rf"{_SP}(?:(?i:thuộc|của){_SP})?(?:(?:(?i:ủy{_SP}ban{_SP}trung{_SP}ương)|UBTƯ|UBTW){_SP})?"
    rf"(?:MTTQ|(?i:mặt{_SP}trận{_SP}tổ{_SP}quốc))(?:{_SP}(?:(?i:việt{_SP}nam)|VN))?(?!\w)"
)
_MTTQ_TAIL = re.compile(_MTTQ)
MTTQ_UNION_DEPT = "Ban Công tác Công đoàn Ủy ban Trung ương MTTQ Việt Nam"
_DEPT_ALT = "|".join(p.pattern[4:-3] for _, p in _DEPARTMENTS)  # strip "(?i:" and ")\Z"
_ANCHOR = re.compile(
    # The first-letter class rejects most positions before the alternatives run.
    r"(?=[LlTtCcBbỦủUuVvKk])(?<![\w\-/])(?:"
    rf"(?P<mttq>(?i:ban{_SP}công{_SP}tác{_SP}công{_SP}đoàn)(?={_MTTQ}))"
    r"|"
    rf"(?P<dept>(?i:{_DEPT_ALT})){_SP}(?:(?i:của|thuộc|trực{_SP}thuộc){_SP})?"
    rf"(?=(?i:tổng{_SP}|{_LDLD}|công{_SP}đoàn)|TLĐ|CĐ(?!\w))"
    rf"|(?P<tld>(?i:tổng{_SP}(?:{_LDLD}|liên{_SP}đoàn))(?:VN)?|TLĐ)(?!\w)"
    rf"|(?P<ldld>(?i:{_LDLD}))(?!\w)"
    rf"|(?P<cd>(?i:công{_SP}đoàn)|CĐ|(?i:ban{_SP}công{_SP}đoàn)(?={_SP}(?i:quốc{_SP}phòng)))(?!\w)"
    rf"|(?P<khoi>(?i:khối{_SP}thi{_SP}đua))(?!\w)"
    rf"|(?P<cum>(?i:cụm{_SP}thi{_SP}đua))(?!\w)"
    r")"
)

_ABBR_PAREN = re.compile(rf"{_OSP}\((?:L[ĐD]L[ĐD]|CĐ)\)")
_VN = re.compile(rf"{_SP}(?:(?i:việt{_SP}nam)|VN)(?!\w)")
_LEVEL = re.compile(
    rf"{_SP}(?:(?P<tinh>(?i:tỉnh))|(?P<tp>(?i:thành{_SP}phố)|(?i:tp)\.?)|(?P<huyen>(?i:huyện))"
    rf"|(?P<quan>(?i:quận))|(?P<tx>(?i:thị{_SP}xã)|(?i:tx)\.?)|(?P<xa>(?i:xã))"
    rf"|(?P<phuong>(?i:phường))|(?P<dk>(?i:đặc{_SP}khu)))(?:(?<=\.)|(?!\w))"
)
_TP_GLUED = re.compile(r"(?i:tp)\.(?=\w)")  # "TP.Vinh": the level ends at the dot
_GENERIC_TAIL = re.compile(
    rf"{_OSP}(?:,|/|{_SP}(?:và|hoặc)){_OSP}(?i:thành|tp|thị|huyện|quận|tỉnh|xã|phường|ngành)(?!\w)"
)
_CAC = re.compile(rf"{_SP}(?i:các)(?!\w)")
_CAC_PROVINCES = re.compile(
    rf"{_SP}(?i:các){_SP}(?i:tỉnh(?:{_OSP},{_OSP}thành(?:{_SP}phố)?)?|thành{_SP}phố){_OSP}:?"
)
_LIST_NEXT = re.compile(rf"(?:{_OSP},{_OSP}|{_SP}(?:và|với){_SP})(?=\S)")
_TOKEN = re.compile(rf"(?:{_SP}|(?<=\.))([^\W\d_][\w'’]*|\d{{1,2}}(?!\d))")
_EXPLICIT_PROVINCE = re.compile(
    rf"(?:{_OSP},{_OSP}|{_SP}|{_OSP}\({_OSP}|{_OSP}[-–]{_OSP})"
    rf"(?P<level>(?i:tỉnh|thành{_SP}phố|tp)\.?{_OSP})?(?P<prov>(?i:{_PROV_ALT}))(?![\w'’])\)?"
)
_KHOI_NUM = re.compile(rf"{_SP}(?:(?i:số){_OSP})?0*(?P<n>\d{{1,2}})(?!\d)")
_KZ = re.compile(rf"{_SP}(?:(?i:các){_SP})?(?:(?i:khu{_SP}kinh{_SP}tế)|KKT)(?!\w)")
_KCN = re.compile(
    rf"{_SP}(?:(?i:các){_SP})?(?:(?i:khu{_SP}công{_SP}nghiệp(?:{_OSP}[-–,]{_OSP}(?:khu{_SP})?(?:kinh{_SP}tế|chế{_SP}xuất)|{_SP}và{_SP}chế{_SP}xuất)?"
    rf"|khu{_SP}chế{_SP}xuất{_SP}và{_SP}(?:khu{_SP})?công{_SP}nghiệp)|KCN(?:{_OSP}[-–]{_OSP}KKT)?)(?!\w)"
)
_PARTY = re.compile(
    rf"{_SP}(?i:các{_SP})?(?i:cơ{_SP}quan{_SP}đảng){_SP}(?:(?i:tỉnh)|(?P<tp>(?i:thành{_SP}phố|tp)))(?!\w)"
)
_UBND = re.compile(
    rf"{_SP}(?:UBND|(?i:ủy{_SP}ban{_SP}nhân{_SP}dân)){_SP}(?:(?i:tỉnh)|(?P<tp>(?i:thành{_SP}phố|tp)))(?!\w)"
)
_CAND = re.compile(rf"{_SP}(?:(?i:công{_SP}an{_SP}nhân{_SP}dân)|CAND)(?!\w)")
_QP = re.compile(rf"{_SP}(?i:quốc{_SP}phòng)(?!\w)")
_SECTOR_WORD = re.compile(rf"{_SP}([^\W\d_][\w'’]*|[-–])")
# First words of a grassroots or non-union body: "Công đoàn Công ty X Việt Nam".
_NOT_SECTOR = {"Công ty", "Tổng công ty", "Tổng Công ty", "Tập đoàn", "Trường", "Bệnh viện",
               "Viện", "Báo", "Đài", "Bộ", "Cục", "Học viện", "Đại học", "Ngân hàng TMCP",
               "Thông tấn", "Nhà xuất", "Ủy ban", "Văn phòng"}  # fmt: skip
_CUM_WORDS = {"các", "tỉnh", "thành", "phố", "số", "khu", "vực", "và", "miền", "vùng", "duyên",
              "hải", "núi", "phía", "trung", "du"}  # fmt: skip


def _known_place(text: str, pos: int) -> tuple[str, int] | None:
    """The longest gazetteer place written at ``pos`` (capitalized, or all in capitals)."""
    tokens: list[str] = []
    ends: list[int] = []
    end = pos
    while len(tokens) < _PLACE_MAX_TOKENS and (m := _TOKEN.match(text, end)):
        tokens.append(m.group(1))
        end = m.end()
        ends.append(end)
    for k in range(len(tokens), 0, -1):
        written = " ".join(tokens[:k])
        canonical = _PLACE_CASE.get(written.casefold())
        if canonical is None:
            continue
        if written.isupper() or all(t[0].isupper() or t[0].isdigit() for t in tokens[:k]):
            return canonical, ends[k - 1]
    return None


# --- specs: what a mention says, resolved once the whole text is read ------------------


@dataclass
class _Fixed:
    name: str
    kind: str
    parent: str | None
    province: str | None
    historical: bool


@dataclass
class _Deferred:
    """A mention that needs the text's context to be named."""

    build: Callable[[_Context], list[_Fixed]]


@dataclass
class _Dept:
    dept: str
    inner: _Fixed | _Deferred


_Spec = _Fixed | _Deferred | _Dept


def _province_unit(province: str) -> _Fixed:
    info = _TAX.provinces[province]
    return _Fixed(
        province_federation_name(province, info["kind"]),
        "province",
        NATIONAL_NAME,
        province,
        info.get("status", "current") != "current",
    )


def _fed_name(province: str | None) -> str | None:
    if not province:
        return None
    return province_federation_name(province, _TAX.provinces[province]["kind"])


def _national() -> _Fixed:
    return _Fixed(NATIONAL_NAME, "national", None, None, False)


class _Context:
    """What the whole text says about provinces and city/district unions."""

    def __init__(self, text: str, fixed: list[tuple[int, _Fixed]], source: str | None) -> None:
        self.text = text
        self.fixed = fixed
        self.source = source if source in _TAX.provinces else None
        self._mentions: Counter[str] | None = None

    def mentions(self) -> Counter[str]:
        if self._mentions is None:
            counts: Counter[str] = Counter()
            for m in _PROVINCE_MENTION.finditer(self.text):
                counts[_PROVINCE_ALIASES[exact_key(m.group("prov"))]] += 1
            for _pos, f in self.fixed:
                if f.province:
                    counts[f.province] += 2
            self._mentions = counts
        return self._mentions

    def province(self, scope: str = "any") -> str | None:
        """The province a bare mention refers to (scope "tinh": not a central city)."""

        def ok(p: str | None) -> bool:
            return bool(p) and (scope == "any" or _TAX.provinces[p]["kind"] == "tinh")

        cands = [p for p, _ in self.mentions().most_common() if ok(p)]
        src = self.source if ok(self.source) else None
        if src and (src in cands or not cands):
            return src
        if len(cands) == 1:
            return cands[0]
        return src or (cands[0] if cands else None)

    def nearest(self, pos: int, pred: Callable[[_Fixed], bool]) -> _Fixed | None:
        """The unit satisfying ``pred`` named closest before ``pos`` (else first after)."""
        units = [(p, f) for p, f in self.fixed if pred(f)]
        if not units:
            return None
        if len({f.name for _, f in units}) == 1:
            return units[0][1]
        before = [f for p, f in units if p < pos]
        return before[-1] if before else units[0][1]


# --- the parser ----------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.specs: list[tuple[int, _Spec]] = []

    # -- places --

    def place(
        self, pos: int, *, numbers: bool = False, max_tokens: int = 3
    ) -> tuple[str, int] | None:
        """A place name at ``pos``: a gazetteer name, else 1-3 capitalized syllables."""
        text = self.text
        known = _known_place(text, pos)
        if known and (numbers or not known[0].isdigit()):
            return known
        tokens: list[str] = []
        end = pos
        while len(tokens) < max_tokens:
            m = _TOKEN.match(text, end)
            if not m:
                break
            tok = m.group(1)
            if tok.isdigit():
                if tokens or not numbers:
                    break
                tokens.append(str(int(tok)))
                end = m.end()
                break
            if not tok[0].isupper() or (len(tok) > 1 and tok.isupper()):
                break
            if tokens and (tok in _STOP_WORDS or (tok in _SURNAMES and len(tokens) >= 2)):
                break
            if tokens and _PROVINCE.match(text, m.start()):  # "huyện X Nghệ An"
                prov = _PROVINCE.match(text, m.start())
                if prov and prov.group("prov")[0].isupper():
                    break
            tokens.append(tok)
            end = m.end()
        if not tokens:
            return None
        return " ".join(tokens), end

    def explicit_province(self, pos: int) -> tuple[str, int] | None:
        """ ", tỉnh Đắk Lắk", " (Nghệ An)", " tỉnh Ninh Bình" right after a place."""
        m = _EXPLICIT_PROVINCE.match(self.text, pos)
        if not m:
            return None
        written = m.group("prov")
        if not m.group("level") and not written[0].isupper():
            return None  # a lowercase word that happens to spell a province
        return _PROVINCE_ALIASES[exact_key(written)], m.end()

    def province_here(self, pos: int, *, need_capital: bool) -> tuple[str, str | None, int] | None:
        """(province, level word, end) for a province written at ``pos``."""
        m = _PROVINCE.match(self.text, pos)
        if not m:
            return None
        level = m.group("level")
        if need_capital and not level and not m.group("prov")[0].isupper():
            return None
        return _PROVINCE_ALIASES[exact_key(m.group("prov"))], level, m.end()

    def province_list(self, pos: int) -> tuple[list[str], int]:
        """Further provinces after ", " / " và " ("LĐLĐ tỉnh Nghệ An, Hà Tĩnh và Quảng Bình")."""
        found: list[str] = []
        while True:
            sep = _LIST_NEXT.match(self.text, pos)
            if not sep:
                break
            m = _PROVINCE.match(self.text, sep.end())
            if not m or m.group("level") or not m.group("prov")[0].isupper():
                break
            found.append(_PROVINCE_ALIASES[exact_key(m.group("prov"))])
            pos = m.end()
        return found, pos

    # -- scanning --

    def run(self) -> list[tuple[int, _Spec]]:
        pos = 0
        text = self.text
        while True:
            m = _ANCHOR.search(text, pos)
            if not m:
                break
            end = self.dispatch(m, m.start())
            pos = end if end > m.start() else m.end()
        return self.specs

    def dispatch(self, m: re.Match[str], at: int) -> int:
        """Parse the mention whose head ``m`` matched; record specs at ``at``; return its end."""
        if m.group("mttq"):
            self.add(at, _Fixed(MTTQ_UNION_DEPT, "national_department", None, None, False))
            return _MTTQ_TAIL.match(self.text, m.end()).end()
        if m.group("dept"):
            return self.parse_dept(m, at)
        if m.group("tld"):
            return self.parse_tld(m, at)
        if m.group("ldld"):
            return self.parse_ldld(m, at)
        if m.group("cd"):
            return self.parse_cd(m, at)
        if m.group("khoi"):
            return self.parse_khoi(m, at)
        return self.parse_cum(m, at)

    def add(self, at: int, spec: _Spec) -> None:
        self.specs.append((at, spec))

    # -- heads --

    def parse_dept(self, m: re.Match[str], at: int) -> int:
        written = m.group("dept")
        dept = next(name for name, pat in _DEPARTMENTS if pat.match(written))
        inner_anchor = _ANCHOR.match(self.text, m.end())
        if not inner_anchor or inner_anchor.group("dept"):
            return m.end()
        mark = len(self.specs)
        end = self.dispatch(inner_anchor, at)
        inner = self.specs[mark:]
        if inner:
            first_at, first = inner[0]
            if isinstance(first, _Fixed | _Deferred):
                self.specs[mark] = (first_at, _Dept(dept, first))
        return end

    def parse_tld(self, m: re.Match[str], at: int) -> int:
        end = m.end()
        vn = _VN.match(self.text, end)
        if vn:
            end = vn.end()
        elif _FOREIGN.match(self.text, end):
            return end
        self.add(at, _national())
        return end

    def parse_ldld(self, m: re.Match[str], at: int) -> int:
        text = self.text
        end = m.end()
        if paren := _ABBR_PAREN.match(text, end):  # "Liên đoàn Lao động (LĐLĐ) tỉnh"
            end = paren.end()
        if _CAC.match(text, end):
            listed = _CAC_PROVINCES.match(text, end)
            if listed:
                first = self.province_here(listed.end(), need_capital=True)
                if first:
                    self.add(at, _province_unit(first[0]))
                    more, stop = self.province_list(first[2])
                    for p in more:
                        self.add(at, _province_unit(p))
                    return stop
            return end
        vn = _VN.match(text, end)
        if vn:
            self.add(at, _national())
            return vn.end()
        return self.parse_level_place(at, end, head="ldld")

    def parse_level_place(self, at: int, end: int, head: str) -> int:
        """After LĐLĐ/Công đoàn: tỉnh X, TP X, huyện X..., a bare level, or a province."""
        text = self.text
        lvl = _LEVEL.match(text, end)
        if not lvl:
            prov = self.province_here(end, need_capital=True)
            if not prov:
                return end
            self.add(at, _province_unit(prov[0]))
            more, stop = self.province_list(prov[2])
            for p in more:
                self.add(at, _province_unit(p))
            return stop
        level = lvl.lastgroup
        after = lvl.end()
        if level == "tinh":
            prov = self.province_here(after, need_capital=False)
            if prov and not prov[1]:
                self.add(at, _province_unit(prov[0]))
                more, stop = self.province_list(prov[2])
                for p in more:
                    self.add(at, _province_unit(p))
                return stop
            return self.bare(at, after, "tinh")
        if level == "tp":
            return self.parse_city(at, after)
        if level in ("huyen", "quan", "tx"):
            word = {"huyen": "huyện", "quan": "quận", "tx": "thị xã"}[level]
            place = self.place(after, numbers=level == "quan")
            if not place:
                return self.bare(at, after, word)
            self.add_district(at, word, *place)
            stop = place[1]
            while (sep := _LIST_NEXT.match(text, stop)) and (
                nxt := _known_place(text, sep.end() - 1)
            ):
                # "LĐLĐ huyện Nghi Lộc và Hưng Nguyên": only known names of the same level.
                if (word, nxt[0]) not in _TAX.district_province:
                    break
                self.add_district(at, word, *nxt)
                stop = nxt[1]
            return self.after_explicit(stop)
        if head == "cd" and level in ("xa", "phuong", "dk"):
            word = {"xa": "xã", "phuong": "phường", "dk": "đặc khu"}[level]
            place = self.place(after)
            if not place:
                return after
            self.add_commune(at, word, *place)
            return self.after_explicit(place[1])
        return after

    def after_explicit(self, pos: int) -> int:
        exp = self.explicit_province(pos)
        return exp[1] if exp else pos

    def parse_city(self, at: int, after: int) -> int:
        """After "TP"/"thành phố": a central city, a provincial city, or bare."""
        prov = self.province_here(after, need_capital=False)
        if prov and not prov[1] and _TAX.provinces[prov[0]]["kind"] == "tp":
            self.add(at, _province_unit(prov[0]))
            return prov[2]
        place = self.place(after)
        if place and place[0].split()[0] in _SURNAMES and place[0] not in _TAX.city_province:
            place = None  # "Chủ tịch LĐLĐ TP Nguyễn Văn A": a person, not a city
        if not place:
            return self.bare(at, after, "TP")
        self.add_district(at, "TP", *place)
        return self.after_explicit(place[1])

    def bare(self, at: int, pos: int, level: str) -> int:
        """A level word with no place: resolved from context unless it is generic."""
        text = self.text
        if _GENERIC_TAIL.match(text, pos):
            return pos
        nxt = _TOKEN.match(text, pos)
        if nxt and nxt.group(1)[0].isupper() and nxt.group(1) not in _SURNAMES:
            return pos  # an unknown place (foreign province, region): not ours
        if level == "tinh" and _FOREIGN_PAREN.match(text, pos):
            return pos
        if level == "tinh":
            self.add(at, _Deferred(lambda ctx: _maybe(ctx.province("tinh"), _province_unit)))
        elif level == "TP":

            def city(ctx: _Context, at: int = at) -> list[_Fixed]:
                found = ctx.nearest(at, lambda f: f.name.startswith("LĐLĐ TP "))
                if found:
                    return [found]
                src = ctx.source
                if src and _TAX.provinces[src]["kind"] == "tp":
                    return [_province_unit(src)]
                return []

            self.add(at, _Deferred(city))
        else:
            prefix = f"LĐLĐ {level} "
            self.add(
                at,
                _Deferred(
                    lambda ctx, at=at: _maybe(
                        ctx.nearest(at, lambda f: f.name.startswith(prefix)), lambda f: f
                    )
                ),
            )
        return pos

    def add_district(self, at: int, level: str, place: str, end: int) -> None:
        explicit = self.explicit_province(end)
        gz = list(_TAX.district_province.get((level, place), ()))
        if level == "TP":
            gz += [p for p in _TAX.city_province.get(place, ()) if p not in gz]
        name = f"LĐLĐ {level} {place}"

        def build(ctx: _Context) -> list[_Fixed]:
            if explicit:
                prov = explicit[0]
            elif len(gz) == 1:
                prov = gz[0]
            else:
                guess = ctx.province()
                prov = guess if (not gz or guess in gz) else gz[0]
            return [_Fixed(name, "district", _fed_name(prov), prov, True)]

        self.add(at, _Deferred(build))

    def add_commune(self, at: int, level: str, place: str, end: int) -> None:
        explicit = self.explicit_province(end)
        gz = _TAX.commune_province.get((level, place), [])

        def build(ctx: _Context) -> list[_Fixed]:
            prov = explicit[0] if explicit else ctx.province()
            if not explicit and gz and prov not in gz and (len(gz) == 1 or not prov):
                prov = gz[0]  # the gazetteer knows better than the article's other provinces
            name = f"Công đoàn {level} {place}" + (f" ({prov})" if prov else "")
            return [_Fixed(name, "commune", _fed_name(prov), prov, False)]

        self.add(at, _Deferred(build))

    def parse_cd(self, m: re.Match[str], at: int) -> int:
        text = self.text
        end = m.end()
        if m.group("cd") == "CĐ":
            before = text[max(0, at - 12) : at].split()
            if before and before[-1].casefold() in {"trường", "hệ", "bậc", "đẳng", "học"}:
                return end  # "Trường CĐ Y tế Nghệ An" is a college
        if m.group("cd").casefold().startswith("ban"):
            qp = _QP.match(text, end)
            self.add(
                at, _Fixed("Công đoàn Quốc phòng", "central_sector", NATIONAL_NAME, None, False)
            )
            return qp.end() if qp else end
        for parse in (self.cd_special, self.cd_zone, self.cd_sector, self.cd_central):
            stop = parse(at, end)
            if stop is not None:
                return stop
        if _CAC.match(text, end):
            listed = _CAC_PROVINCES.match(text, end)
            if listed and self.province_here(listed.end(), need_capital=True):
                return self.parse_ldld(m, at)
            return end
        return self.parse_level_place(at, end, head="cd")

    def cd_special(self, at: int, end: int) -> int | None:
        text = self.text
        if cand := _CAND.match(text, end):
            self.add(
                at,
                _Fixed("Công đoàn Công an nhân dân", "central_sector", NATIONAL_NAME, None, False),
            )
            return cand.end()
        if qp := _QP.match(text, end):
            self.add(
                at, _Fixed("Công đoàn Quốc phòng", "central_sector", NATIONAL_NAME, None, False)
            )
            return qp.end()
        for pattern, label in ((_PARTY, "Các cơ quan Đảng"), (_UBND, "UBND")):
            hit = pattern.match(text, end)
            if not hit:
                continue
            is_tp = bool(hit.group("tp"))
            prov = self.province_here(hit.end(), need_capital=False)
            explicit = prov[0] if prov and not prov[1] else None

            def build(ctx: _Context, explicit=explicit, label=label, is_tp=is_tp) -> list[_Fixed]:
                p = explicit or ctx.province("any" if is_tp else "tinh")
                if not p:
                    return []
                level = "TP" if _TAX.provinces[p]["kind"] == "tp" else "tỉnh"
                return [_Fixed(f"Công đoàn {label} {level} {p}", "other", _fed_name(p), p, False)]

            self.add(at, _Deferred(build))
            return prov[2] if explicit and prov else hit.end()
        return None

    def cd_zone(self, at: int, end: int) -> int | None:
        text = self.text
        if kz := _KZ.match(text, end):
            prov = self.province_here(kz.end(), need_capital=False)
            if prov:  # "Công đoàn (các) Khu kinh tế tỉnh Hà Tĩnh" -> "... Khu kinh tế Hà Tĩnh"
                p = prov[0]
                name = f"Công đoàn Khu kinh tế {p}"
                self.add(at, _Fixed(name, "economic_zone", _fed_name(p), p, True))
                return prov[2]
            place = self.place(kz.end(), max_tokens=4)
            if not place:
                return kz.end()
            written = f"Công đoàn Khu kinh tế {place[0]}"
            known = _UNIT_BY_ALIAS.get(exact_key(written)) or _UNIT_BY_ALIAS.get(
                exact_key(f"Công đoàn KKT {place[0]}")
            )
            if known:
                self.add(at, _Fixed(known.name, known.kind, None, known.province, known.historical))
            else:
                self.add(at, _Deferred(lambda ctx, n=written: _zone(n, ctx.province())))
            return place[1]
        if kcn := _KCN.match(text, end):
            prov = self.province_here(kcn.end(), need_capital=False)
            has_cac = "các" in kcn.group(0).casefold()
            if not prov and not has_cac:
                return kcn.end()  # "Công đoàn KCN Bắc Vinh": one park, not the provincial body

            def build(ctx: _Context, prov=prov) -> list[_Fixed]:
                p = prov[0] if prov else ctx.province()
                if not p:
                    return []
                level = "TP" if _TAX.provinces[p]["kind"] == "tp" else "tỉnh"
                name = f"Công đoàn các Khu công nghiệp {level} {p}"
                return [_Fixed(name, "economic_zone", _fed_name(p), p, False)]

            self.add(at, _Deferred(build))
            return prov[2] if prov else kcn.end()
        return None

    def cd_sector(self, at: int, end: int) -> int | None:
        text = self.text
        sm = _SECTOR.match(text, end)
        if not sm:
            return None
        sector = _SECTOR_ALIASES[exact_key(sm.group("sector"))]
        info = _TAX.sectors[sector]
        nganh = bool(sm.group("nganh"))
        capital = sm.group("sector")[0].isupper()
        vn = _VN.match(text, sm.end())
        # "Công đoàn TKV" names the central union without "Việt Nam".
        if vn or exact_key(sm.group("sector")) in _NATIONAL_SECTOR:
            stop = vn.end() if vn else sm.end()
            if not info.get("central"):
                return stop
            name = f"Công đoàn {sector} Việt Nam"
            self.add(
                at,
                _Fixed(name, "central_sector", NATIONAL_NAME, None, bool(info.get("historical"))),
            )
            return stop
        if not (nganh or info.get("local")):
            return None
        sectors, after = [sector], sm.end()
        if capital:
            more, after = self.sector_list(after)
            sectors += more
        prov = self.province_here(after, need_capital=True)
        stop = after
        if prov:
            explicit: str | None = prov[0]
            stop = prov[2]
        else:
            explicit = None
            bare_tinh = _LEVEL.match(text, after)
            if bare_tinh and bare_tinh.lastgroup == "tinh":
                stop = bare_tinh.end()
            elif not (nganh and capital):
                return None if not nganh else stop  # "Công đoàn ngành xây dựng trụ sở"

        def build(ctx: _Context) -> list[_Fixed]:
            p = explicit or ctx.province()
            if not p:
                return []
            return [_sector_unit(s, p) for s in sectors]

        self.add(at, _Deferred(build))
        return stop

    def sector_list(self, pos: int) -> tuple[list[str], int]:
        """Further local sectors after ", " / " và ", each written with a capital."""
        found: list[str] = []
        while m := _SECTOR_NEXT.match(self.text, pos):
            sector = _SECTOR_ALIASES[exact_key(m.group("sector"))]
            if not _TAX.sectors[sector].get("local") or _VN.match(self.text, m.end()):
                break
            found.append(sector)
            pos = m.end()
        return found, pos

    def cd_central(self, at: int, end: int) -> int | None:
        """ "Công đoàn <Ngành> Việt Nam" for a sector the gazetteer does not know
        ("Công đoàn Than Việt Nam", a predecessor of Than - Khoáng sản)."""
        text = self.text
        words: list[str] = []
        pos = end
        while len(words) < 6:
            t = _SECTOR_WORD.match(text, pos)
            if not t:
                break
            vn = _VN.match(text, pos)
            if vn and words:
                if words[-1] in ("và", "-") or " ".join(words[:2]) in _NOT_SECTOR:
                    return None
                if words[0] in _NOT_SECTOR or words[0] in _STOP_WORDS - {"Công"}:
                    return None
                name = f"Công đoàn {' '.join(words)} Việt Nam"
                self.add(at, _Fixed(name, "central_sector", NATIONAL_NAME, None, False))
                return vn.end()
            word = t.group(1)
            if word not in ("và", "-", "–") and not word[0].isupper():
                return None
            words.append("-" if word in ("-", "–") else word)
            pos = t.end()
        return None

    def parse_khoi(self, m: re.Match[str], at: int) -> int:
        num = _KHOI_NUM.match(self.text, m.end())
        if not num or int(num.group("n")) == 0:
            return m.end()
        name = f"Khối thi đua số {int(num.group('n')):02d}"
        self.add(at, _Fixed(name, "emulation_block", None, None, False))
        return num.end()

    def parse_cum(self, m: re.Match[str], at: int) -> int:
        text = self.text
        if text[max(0, at - 4) : at].casefold().strip() == "các":
            return m.end()
        tokens: list[str] = []
        end = m.end()
        keep_end = end
        keep = 0
        while len(tokens) < 12:
            t = _TOKEN.match(text, end) or re.compile(rf"{_SP}(L[ĐD]L[ĐD])(?!\w)").match(text, end)
            if not t:
                break
            tok = t.group(1)
            strong = tok[0].isupper() or tok.isdigit()
            if not strong and tok.casefold() not in _CUM_WORDS:
                break
            tokens.append(tok)
            end = t.end()
            if strong:
                keep, keep_end = len(tokens), end
        if not keep:
            return m.end()
        name = "Cụm thi đua " + " ".join(tokens[:keep])
        self.add(at, _Fixed(name, "emulation_block", None, None, False))
        return keep_end


def _maybe(value, make) -> list[_Fixed]:
    return [make(value)] if value else []


def _zone(name: str, province: str | None) -> list[_Fixed]:
    return [_Fixed(name, "economic_zone", _fed_name(province), province, True)]


def _sector_unit(sector: str, province: str) -> _Fixed:
    info = _TAX.provinces[province]
    if sector == "Viên chức":
        level = "TP" if info["kind"] == "tp" else "tỉnh"
        name = f"Công đoàn Viên chức {level} {province}"
    else:
        name = f"Công đoàn ngành {sector} {province}"
    return _Fixed(name, "local_sector", _fed_name(province), province, True)


# --- entry point -------------------------------------------------------------------------

# Characters or old-style tone marks (hoà, thuỷ in open syllables) that
# normalize() would change; most texts have none, and normalize() is the
# costliest step here, so it only runs when needed.
_NEEDS_NORMALIZE = re.compile(
    "[Ðð\u00a0\u2000-\u200d\u202f\u205f\u3000\t\f\v\u2060\ufeff\u00ad]"
    "|[oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ](?!\\w)|(?<![qQ])[uU][ỳýỷỹỵỲÝỶỸỴ](?!\\w)"
)


def _normalized(text: str) -> str:
    if unicodedata.is_normalized("NFC", text) and not _NEEDS_NORMALIZE.search(text):
        return text
    return normalize(text)


def recognize(text: str, *, title: str = "", source_province: str | None = None) -> list[Unit]:
    """Units named in ``title`` then ``text``, in order of first mention, each once."""
    doc = recase(_normalized(f"{title}\n{text}" if title else text))
    specs = _Parser(doc).run()
    fixed = [(pos, s) for pos, s in specs if isinstance(s, _Fixed)]
    fixed += [
        (pos, s.inner) for pos, s in specs if isinstance(s, _Dept) and isinstance(s.inner, _Fixed)
    ]
    ctx = _Context(doc, sorted(fixed, key=lambda x: x[0]), source_province)
    # Deferred district/commune/city mentions with their own place name are
    # context for the bare ones ("Liên đoàn Lao động thành phố" -> TP Vinh).
    named: list[tuple[int, _Fixed]] = []
    for pos, s in specs:
        if isinstance(s, _Deferred) and s.build.__name__ == "build":
            named += [(pos, f) for f in s.build(ctx)]
    ctx.fixed = sorted(ctx.fixed + named, key=lambda x: x[0])

    out: list[tuple[int, int, _Fixed]] = []
    for order, (pos, spec) in enumerate(specs):
        for f in _resolve(spec, ctx):
            out.append((pos, order, f))
    out.sort(key=lambda x: (x[0], x[1]))
    units: dict[str, Unit] = {}
    for _pos, _order, f in out:
        unit = _TAX.make(f.name, f.kind, f.parent, f.province, f.historical)
        units.setdefault(unit.id, unit)
    return list(units.values())


def _resolve(spec: _Spec, ctx: _Context) -> list[_Fixed]:
    if isinstance(spec, _Fixed):
        return [spec]
    if isinstance(spec, _Deferred):
        return spec.build(ctx)
    inner = _resolve(spec.inner, ctx)
    if not inner:
        return []
    head = inner[0]
    if head.kind == "national":
        dept = _Fixed(
            f"{spec.dept} {NATIONAL_NAME}", "national_department", NATIONAL_NAME, None, False
        )
        return [dept, *inner]
    if head.kind == "province":
        name = f"{spec.dept} {head.name}"
        return [
            _Fixed(name, "province_department", head.name, head.province, head.historical),
            *inner,
        ]
    return inner
