"""The unit grammar's vocabulary: gazetteer-driven patterns, head anchors, word lists.

Everything the parser (:mod:`feeds.understand.unit_parser`) matches is compiled
here once, from the gazetteer tables (:mod:`feeds.understand.gazetteer`):
province and sector alternations, the anchor regex that finds unit heads, the
level/place patterns and the word lists that end a place name.  Mostly tables
and patterns; the only logic is :func:`known_place`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from feeds.understand.gazetteer import tables
from feeds.vntext import exact_key as _exact_key

TABLES = tables()
exact_key = lru_cache(maxsize=8192)(_exact_key)  # the same few names recur in every text
SP = r"[^\S\n]+"  # spaces, never a line break: a mention does not span lines
OSP = r"[^\S\n]*"


def alias_pattern(alias: str) -> str:
    """Regex for a written name: flexible spaces and dashes ("Bà Rịa-Vũng Tàu")."""
    parts = re.split(r"\s*[-–—]\s*", alias)
    return r"\s*[-–—]\s*".join(SP.join(map(re.escape, p.split())) for p in parts)


def alternation(names: list[str]) -> str:
    return "|".join(alias_pattern(n) for n in sorted(set(names), key=len, reverse=True))


# --- gazetteer-driven patterns -------------------------------------------------

PROVINCE_ALIASES: dict[str, str] = {}
for _p in TABLES.data["provinces"]:
    for _a in (_p["name"], *_p.get("aliases", ())):
        PROVINCE_ALIASES[exact_key(_a)] = _p["name"]
PROV_ALT = alternation(
    [a for p in TABLES.data["provinces"] for a in (p["name"], *p.get("aliases", ()))]
)
# A province right here, optionally after its level word.
PROVINCE = re.compile(
    rf"{OSP}(?P<level>(?i:tỉnh|thành{SP}phố|tp)\.?{OSP})?(?P<prov>(?i:{PROV_ALT}))(?![\w'’])"
)
# Centrally-run cities named bare ("Tại Cần Thơ, ..."): what a bare "LĐLĐ TP" means.
_CITY_NAMES = [
    alias
    for p in TABLES.data["provinces"]
    if p["kind"] == "tp" and p.get("status", "current") == "current"
    for alias in (p["name"], *p.get("aliases", ()))
]
CENTRAL_CITY = re.compile(rf"(?<!\w)(?P<prov>{alternation(_CITY_NAMES)})(?![\w'’])")
# Any province named with capitals ("Thanh Hóa: ...", "Tại Nghệ An, ..."): the last
# resort for a bare "LĐLĐ tỉnh" when nothing stronger names one.  Multi-word names only:
# short codes and one-syllable names are too easily something else.
_BARE_NAMES = [
    alias
    for p in TABLES.data["provinces"]
    for alias in (p["name"], *p.get("aliases", ()))
    if " " in alias and not alias.isupper()
]
PROVINCE_BARE = re.compile(rf"(?<![\w])(?P<prov>{alternation(_BARE_NAMES)})(?![\w'’])")
# Strong province mentions anywhere in a text (level word or parentheses).
PROVINCE_MENTION = re.compile(
    rf"(?:(?<![\w])(?i:tỉnh|thành{SP}phố|tp)\.?{OSP}|\({OSP})(?P<prov>(?i:{PROV_ALT}))(?![\w'’])"
)

SECTOR_ALIASES: dict[str, str] = dict(TABLES.sector_aliases)
SECTOR_WRITTEN = [
    a
    for s in TABLES.data["sectors"]
    for a in (s["name"], *s.get("aliases", ()), *s.get("national_aliases", ()))
]
# Sector names that name the central union on their own ("Công đoàn TKV").
NATIONAL_SECTOR = {
    exact_key(a): s["name"] for s in TABLES.data["sectors"] for a in s.get("national_aliases", ())
}
# "ngành Y tế", "ngành: Giáo dục, Y tế", "các ngành Giáo dục, Y tế" (the list follows).
SECTOR = re.compile(
    rf"{SP}(?P<nganh>(?i:(?:các{SP})?ngành)(?:{OSP}:)?{SP})?"
    rf"(?P<sector>(?i:{alternation(SECTOR_WRITTEN)}))(?![\w&])"
)
# Sector names that are also verbs: lowercase after "ngành" they are not the union.
VERB_SECTORS = {"Xây dựng"}
# Sectors whose union existed only at the provincial level: "Công đoàn Viên chức"
# alone is the province's (a bare "Công đoàn Giáo dục" may be a district's).
PROVINCIAL_ONLY_SECTORS = {"Viên chức"}
# "các Công đoàn ngành Trung ương: Giao thông vận tải, Dầu khí": central unions listed.
CENTRAL_LIST = re.compile(
    rf"{SP}(?i:ngành{SP}trung{SP}ương|ngành{SP}TW|ngành{SP}TƯ)(?:{OSP}:|{SP}(?i:như|gồm(?:{SP}có)?))?"
)
# The next sector of a coordinated list: "Công đoàn ngành Giáo dục, Y tế và Xây dựng tỉnh X".
SECTOR_NEXT = re.compile(
    rf"(?:{OSP}[,;]{OSP}|{SP}(?:và|với){SP})(?:(?i:ngành){SP})?"
    rf"(?P<sector>{alternation(SECTOR_WRITTEN)})(?![\w&])"
)

# Known place names (thousands: every district before 2025 and every commune
# since), looked up token by token rather than through one huge alternation.
PLACE_CASE: dict[str, str] = {
    " ".join(place.split()).casefold(): place
    for place in (
        {place for (_lvl, place) in TABLES.district_province}
        | {place for (_lvl, place) in TABLES.commune_province}
        | set(TABLES.city_province)
    )
}
PLACE_MAX_TOKENS = max(len(key.split()) for key in PLACE_CASE)

# Explicit gazetteer units ([[units]] in units.toml) by alias ("Công đoàn KKT Đông Nam").
NAMED_UNITS: dict[str, dict] = {
    exact_key(alias): unit
    for unit in TABLES.data.get("units", ())
    for alias in (unit["name"], *unit.get("aliases", ()))
}
FEDERATION_PROVINCE = {TABLES.federation(p): p for p in TABLES.provinces}

# --- words -------------------------------------------------------------------------

SURNAMES = set(
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
STOP_WORDS = set(
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
FOREIGN = re.compile(
    rf"{SP}(?:Lào|Campuchia|Trung{SP}Quốc|Hàn{SP}Quốc|Nhật{SP}Bản|Thái{SP}Lan|Cuba|"
    rf"Nga|Liên{SP}bang{SP}Nga|Mỹ|Hoa{SP}Kỳ|Pháp|Đức|Anh|Singapore|Malaysia|Indonesia|"
    rf"Philippines|Myanmar|Mông{SP}Cổ|Triều{SP}Tiên|Ấn{SP}Độ|Úc|Australia|Venezuela|"
    rf"Brazil|Bỉ|Italia|Ý|Thụy{SP}Điển|Na{SP}Uy|Đan{SP}Mạch|Hà{SP}Lan|Canada|Israel|"
    rf"Palestine|ASEAN|(?i:thế{SP}giới|quốc{SP}tế))(?!\w)"
)
FOREIGN_PAREN = re.compile(r"[^.\n]{0,40}?\((?:Lào|Campuchia|Trung Quốc|Thái Lan|Myanmar)\)")

# --- the anchor regex -------------------------------------------------------------

DEPARTMENTS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(rf"(?i:{pat})\Z"))
    for name, pat in [
        ("Ban Tổ chức - Kiểm tra", rf"ban{SP}tổ{SP}chức{OSP}[-–—]{OSP}kiểm{SP}tra"),
        ("Ban Tổ chức", rf"ban{SP}tổ{SP}chức"),
        ("Ban Tuyên giáo - Nữ công", rf"ban{SP}tuyên{SP}giáo{OSP}[-–—]{OSP}nữ{SP}công"),
        ("Ban Tuyên giáo", rf"ban{SP}tuyên{SP}giáo"),
        ("Ban Nữ công", rf"ban{SP}nữ{SP}công"),
        (
            "Ban Chính sách - Pháp luật",
            rf"ban{SP}chính{SP}sách{OSP}(?:[-–—]|{SP}và{SP}|,)?{OSP}pháp{SP}luật",
        ),
        ("Ban Quan hệ lao động", rf"ban{SP}quan{SP}hệ{SP}lao{SP}động"),
        ("Ban Công tác Công đoàn", rf"ban{SP}công{SP}tác{SP}công{SP}đoàn"),
        ("Ban Tài chính", rf"ban{SP}tài{SP}chính"),
        ("Ban Nghiệp vụ", rf"ban{SP}nghiệp{SP}vụ"),
        ("Ban Đối ngoại", rf"ban{SP}đối{SP}ngoại"),
        ("Ban Pháp luật", rf"ban{SP}pháp{SP}luật"),
        ("Ban Kinh tế - Xã hội", rf"ban{SP}kinh{SP}tế{OSP}[-–—]{OSP}xã{SP}hội"),
        ("Ủy ban Kiểm tra", rf"ủy{SP}ban{SP}kiểm{SP}tra|ubkt"),
        ("Văn phòng", rf"văn{SP}phòng"),
    ]
]
# Departments that are units of their own; the others count for their owner only.
TLD_DEPARTMENTS = frozenset(TABLES.data["national"]["departments"])
FEDERATION_DEPARTMENTS = frozenset(TABLES.data["province_departments"]["names"])
LDLD = rf"L[ĐD]{OSP}L[ĐD]|liên{SP}đoàn{SP}lao{SP}động"
# The Front's department for unions: "Ban Công tác Công đoàn (của) Ủy ban Trung ương MTTQ
# Việt Nam".  A Front body, not a union unit (the contract has no form for it): read so
# that its "Công đoàn" is not taken for a union.
MTTQ = (
    rf"{SP}(?:(?i:thuộc|của){SP})?(?:(?:(?i:ủy{SP}ban{SP}trung{SP}ương)|UBTƯ|UBTW){SP})?"
    rf"(?:MTTQ|(?i:mặt{SP}trận{SP}tổ{SP}quốc))(?:{SP}(?:(?i:việt{SP}nam)|VN))?(?!\w)"
)
MTTQ_TAIL = re.compile(MTTQ)
DEPT_ALT = "|".join(p.pattern[4:-3] for _, p in DEPARTMENTS)  # strip "(?i:" and ")\Z"
ANCHOR = re.compile(
    # The first-letter class rejects most positions before the alternatives run.
    r"(?=[LlTtCcBbỦủUuVvKk])(?<![\w\-/])(?:"
    rf"(?P<mttq>(?i:ban{SP}công{SP}tác{SP}công{SP}đoàn)(?={MTTQ}))"
    r"|"
    # "Ban Tuyên giáo LĐLĐ tỉnh X", "... của LĐLĐ", "..., Tổng LĐLĐ", "... - LĐLĐ", "... (LĐLĐ".
    rf"(?P<dept>(?i:{DEPT_ALT}))(?:{OSP},{OSP}|{SP}[-–]{SP}|{SP}\({OSP}|{SP})"
    rf"(?:(?i:của|thuộc|trực{SP}thuộc){SP})?"
    rf"(?=(?i:tổng{SP}|{LDLD}|công{SP}đoàn)|TLĐ|CĐ(?!\w))"
    # "Tổng Công đoàn Việt Nam": the federation's name from 1961 to 1988.
    rf"|(?P<tld>(?i:tổng{SP}(?:{LDLD}|liên{SP}đoàn))(?:VN)?|TLĐLĐ(?:{OSP}VN)?|TLĐ|Tổng{SP}(?i:công{SP}đoàn)(?={SP}(?i:việt{SP}nam)))(?!\w)"
    rf"|(?P<ldld>(?i:{LDLD}))(?!\w)"
    rf"|(?P<cd>(?i:công{SP}đoàn)|CĐVC|CĐ|(?i:ban{SP}công{SP}đoàn)(?={SP}(?i:quốc{SP}phòng)))(?!\w)"
    rf"|(?P<khoi>(?i:khối{SP}thi{SP}đua))(?!\w)"
    rf"|(?P<cum>(?i:cụm{SP}thi{SP}đua))(?!\w)"
    r")"
)

# "Quỹ Xã hội Công đoàn tỉnh X", "Quỹ Mái ấm Công đoàn": the text right before a
# "Công đoàn" head that makes it part of a fund's name (1-4 words after "Quỹ", none
# of them a preposition or "và", which would make the union a party of its own).
FUND_BEFORE = re.compile(
    rf"(?<!\w)(?i:quỹ)(?:{SP}[“\"‘']?(?!(?i:và|với|của|cho|từ|tại|thuộc)(?!\w))[^\W\d_]\w*){{1,4}}{SP}\Z"
)
# "CĐCS Liên đoàn Lao động tỉnh": the grassroots union of the federation's own office;
# "các CĐCS cụm thi đua số 01": grassroots unions grouped for emulation.
# ("Công đoàn Cơ quan Tổng LĐLĐ" stays the federation's: the labels say so.)
GRASSROOTS_BEFORE = re.compile(rf"(?<!\w)(?:CĐCS|(?i:công{SP}đoàn{SP}cơ{SP}sở)){SP}\Z")
# "tại Nhà thi đấu Liên đoàn Lao động tỉnh", "sân bóng đá LĐLĐ tỉnh": a venue the
# federation owns, where others meet; not the federation itself.
VENUE_BEFORE = re.compile(
    rf"(?<!\w)(?i:nhà{SP}thi{SP}đấu(?:{SP}đa{SP}năng)?|sân{SP}(?:bóng{SP}đá|bóng|vận{SP}động)"
    rf"|nhà{SP}văn{SP}hóa{SP}lao{SP}động|cung{SP}văn{SP}hóa{SP}lao{SP}động){SP}\Z"
)
# "5 Công đoàn ngành Y tế": a count of sector unions, none of them named.
COUNT_BEFORE = re.compile(rf"(?<![\w/.,\-])\d{{1,3}}{SP}\Z")
ABBR_PAREN = re.compile(rf"{OSP}\((?:L[ĐD]L[ĐD]|CĐ)\)")
# A name's own acronym in brackets before "Việt Nam": "Khoa học và Công nghệ (KH&CN) Việt Nam".
ACRONYM_PAREN = re.compile(rf"{OSP}\([A-ZĐ][A-ZĐ&]{{1,7}}\)")
VN = re.compile(rf"{SP}(?:(?i:việt{SP}nam)|VN)(?!\w)")
LEVEL = re.compile(
    rf"{SP}(?:(?P<tinh>(?i:tỉnh))|(?P<tp>(?i:thành{SP}phố)|(?i:tp)\.?)|(?P<huyen>(?i:huyện|huyên)(?:{SP}(?i:đảo))?)"
    rf"|(?P<quan>(?i:quận))|(?P<tx>(?i:thị{SP}xã)|(?i:tx)\.?)|(?P<xa>(?i:xã))"
    rf"|(?P<phuong>(?i:phường))|(?P<dk>(?i:đặc{SP}khu)))(?:(?<=\.)|(?!\w))"
)
TP_GLUED = re.compile(r"(?i:tp)\.(?=\w)")  # "TP.Vinh": the level ends at the dot
GENERIC_TAIL = re.compile(
    rf"{OSP}(?:,|/|{SP}(?:và|hoặc)){OSP}"
    rf"(?P<level>(?i:thành|tp|thị|huyện|quận|tỉnh|xã|phường|ngành))(?!\w)"
)
# A district written as a place ("tại huyện Vĩnh Linh"): names a bare "LĐLĐ huyện".
DISTRICT_WORD = re.compile(rf"(?<!\w)(?P<level>huyện|quận|thị{SP}xã)(?=\s)")
# A ward written as a place ("UBND phường Hòa Khánh"): names a bare "Công đoàn phường".
COMMUNE_WORD = re.compile(rf"(?<!\w)(?P<level>xã|phường|đặc{SP}khu)(?=\s)")
# A plural after a head: "các", or a count ("LĐLĐ 2 tỉnh", "Công đoàn 24 phường, xã").
CAC = re.compile(rf"{SP}(?:(?i:các)|\d{{1,3}})(?!\w)")
# "gồm", "như", a colon: what follows a plural is the list of its members.
_LIST_INTRO = rf"(?:{OSP}:|{SP}(?i:như|gồm(?:{SP}có)?|là))?"
CAC_PROVINCES = re.compile(
    rf"{SP}(?:(?i:các)|\d{{1,2}}){SP}(?i:tỉnh(?:{OSP},{OSP}thành(?:{SP}phố)?)?|thành{SP}phố)"
    rf"{_LIST_INTRO}"
)
# "LĐLĐ các tỉnh trong cụm thi đua miền Đông Nam Bộ gồm các tỉnh: A, B": the plural
# is qualified first, its members listed a few words on (one clause, no full stop).
MEMBERS_AHEAD = re.compile(
    rf"[^.;:\n()]{{0,80}}?{SP}(?i:gồm(?:{SP}có)?)"
    rf"(?:{SP}(?i:các){SP}(?i:tỉnh(?:{OSP},{OSP}thành(?:{SP}phố)?)?|thành{SP}phố))?(?:{OSP}:)?"
)
# A district listed after a union with its head elided: ", Quận 5", " và Huyện Củ Chi".
ELIDED_DISTRICT = re.compile(rf"(?:{OSP},{OSP}|{SP}và{SP})(?P<word>Quận|Huyện|Thị{SP}xã)(?=\s)")
COMMUNE_LEVEL = re.compile(rf"(?<!\w)(?i:xã|phường|đặc{SP}khu)(?!\w)")
COMMUNE_WORDS = {"xã", "phường", "đặc khu"}
_LEVEL_WORDS = rf"huyện|quận|thị{SP}xã|thành{SP}phố|tp\.?|xã|phường|đặc{SP}khu"
LEVEL_WORD = re.compile(rf"(?i:{_LEVEL_WORDS})(?!\w)")
# A list item's own level word: ", phường Đông Hòa", " và thị xã Cửa Lò".
PLACE_LEVEL = re.compile(rf"{SP}(?P<word>(?i:{_LEVEL_WORDS}))(?!\w)")
_ONE_LEVEL = rf"(?i:{_LEVEL_WORDS})"
_MORE_LEVEL = rf"(?:(?:{OSP},{OSP}|{SP}và{SP}){_ONE_LEVEL})"
# Between a list's levels and its places: "trên địa bàn (tỉnh X)".
_LIST_FILLER = (
    rf"(?:{SP}(?i:trên{SP}địa{SP}bàn)"
    rf"(?:{SP}(?i:tỉnh|thành{SP}phố|tp)\.?(?:{SP}(?i:{PROV_ALT}))?)?(?![\w'’]))?"
)
# The levels of a list that follows, when they are plural: "các huyện, thị xã", a count
# ("Công đoàn 3 xã", "24 Công đoàn phường, xã trên địa bàn, gồm: ...") or several
# level words ("Công đoàn xã, phường: ...").
CAC_LEVELS = re.compile(
    rf"{SP}(?:(?:(?i:các)|\d{{1,3}}){SP}(?P<levels>{_ONE_LEVEL}{_MORE_LEVEL}*)(?!\w)"
    rf"|(?P<several>{_ONE_LEVEL}{_MORE_LEVEL}+)(?!\w)){_LIST_FILLER}"
)

# "Công đoàn các phường, xã ở khu vực TP Bến Cát, huyện Dầu Tiếng, ..., gồm: A, B";
# "8 Công đoàn phường thuộc khu vực TP Dĩ An, ..., gồm 8 phường: A, B": the plural is
# placed first (commas and all), its members listed after "gồm", in one sentence.
LEVEL_MEMBERS_AHEAD = re.compile(
    rf"[^.;:\n]{{0,160}}?{SP}(?i:gồm(?:{SP}có)?)"
    rf"(?:{SP}(?:\d{{1,3}}|(?i:các)){SP}{_ONE_LEVEL}{_MORE_LEVEL}*)?(?:{OSP}:)?"
)


def places_of(level: str) -> dict[tuple[str, str], list[str]]:
    """The gazetteer's (level, place) -> provinces table for a level word."""
    return TABLES.commune_province if level in COMMUNE_WORDS else TABLES.district_province


LIST_COLON = re.compile(
    rf"(?:{OSP},)?(?:{OSP}:|{SP}(?i:như|gồm(?:{SP}có)?)(?:{OSP}:)?)(?={SP}[^\W\d_])"
)
HOST_WORD = re.compile(rf"(?i:chủ{SP}nhà|đơn{SP}vị{SP}chủ{SP}nhà){SP}")
LIST_NEXT = re.compile(rf"(?:{OSP},{OSP}|{SP}(?:và|với){SP})(?=\S)")
TOKEN = re.compile(rf"(?:{SP}|(?<=\.))([^\W\d_][\w'’]*|\d{{1,2}}(?!\d))")
EXPLICIT_PROVINCE = re.compile(
    rf"(?:{OSP},{OSP}|{SP}|{OSP}\({OSP}|{OSP}[-–]{OSP})"
    rf"(?P<level>(?i:tỉnh|thành{SP}phố|tp)\.?{OSP})?(?P<prov>(?i:{PROV_ALT}))(?![\w'’])\)?"
)
KHOI_NUM = re.compile(rf"{SP}(?:(?i:số){OSP})?0*(?P<n>\d{{1,2}})(?!\d)")
KZ = re.compile(rf"{SP}(?:(?i:các){SP})?(?:(?i:khu{SP}kinh{SP}tế)|KKT)(?!\w)")
KCN = re.compile(
    rf"{SP}(?:(?i:các){SP})?(?:(?i:khu{SP}công{SP}nghiệp(?:{OSP}[-–,]{OSP}(?:khu{SP})?(?:kinh{SP}tế|chế{SP}xuất)|{SP}và{SP}chế{SP}xuất)?"
    rf"|khu{SP}chế{SP}xuất{SP}và{SP}(?:khu{SP})?công{SP}nghiệp)|KCN(?:{OSP}[-–]{OSP}KKT)?)(?!\w)"
)
PARTY = re.compile(
    rf"{SP}(?i:các{SP})?(?i:cơ{SP}quan{SP}đảng){SP}(?:(?i:tỉnh)|(?P<tp>(?i:thành{SP}phố|tp)))(?!\w)"
)
UBND = re.compile(
    rf"{SP}(?:UBND|(?i:ủy{SP}ban{SP}nhân{SP}dân)){SP}(?:(?i:tỉnh)|(?P<tp>(?i:thành{SP}phố|tp)))(?!\w)"
)
CAND = re.compile(rf"{SP}(?:(?i:công{SP}an{SP}nhân{SP}dân)|CAND)(?!\w)")
# Words of a company or agency name: its union is grassroots, not a sector's.
GRASSROOTS = re.compile(r"(?<!\w)(?:TMCP|TNHH|cổ phần|[Cc]ông ty|[Tt]ập đoàn|MTV)(?!\w)")
QP = re.compile(rf"{SP}(?:(?i:bộ){SP})?(?i:quốc{SP}phòng)(?!\w)")
SECTOR_WORD = re.compile(rf"{SP}([^\W\d_][\w'’]*|[-–])")
# First words of a grassroots or non-union body: "Công đoàn Công ty X Việt Nam".
NOT_SECTOR = {"Công ty", "Tổng công ty", "Tổng Công ty", "Tập đoàn", "Trường", "Bệnh viện",
               "Viện", "Báo", "Đài", "Bộ", "Cục", "Học viện", "Đại học", "Ngân hàng TMCP",
               "Thông tấn", "Nhà xuất", "Ủy ban", "Văn phòng", "Cơ quan", "Khối"}  # fmt: skip
# "Cụm thi đua số III của Thanh tra Chính phủ": another body's cluster, not a union's.
OWNER_NOT_UNION = re.compile(
    rf"{OSP},?{SP}(?i:của|thuộc){SP}(?!(?i:công{SP}đoàn|liên{SP}đoàn|tổng{SP}liên|l[đd]l[đd]|cđ|tlđ)(?!\w))"
)
# "Cụm thi đua LĐLĐ các tỉnh ...", also spelled out.
CUM_LDLD = re.compile(rf"{SP}(L[ĐD]L[ĐD]|(?i:liên{SP}đoàn{SP}lao{SP}động))(?!\w)")
# A Youth Union's or an association's cluster: "cụm thi đua Đoàn TN 4".
NOT_UNION_CLUSTER = re.compile(rf"{SP}(?:Đoàn{SP}(?:TN|Thanh)|Hội|Chi{SP}đoàn)(?!\w)")
REGION_WORDS = {"Trung", "Nam", "Bắc", "Đông", "Tây"}
CUM_WORDS = {"các", "tỉnh", "thành", "phố", "số", "khu", "vực", "và", "miền", "vùng", "duyên",
              "hải", "núi", "phía", "trung", "du", "bộ"}  # fmt: skip


def known_place(text: str, pos: int) -> tuple[str, int] | None:
    """The longest gazetteer place written at ``pos`` (capitalized, or all in capitals)."""
    tokens: list[str] = []
    ends: list[int] = []
    end = pos
    while len(tokens) < PLACE_MAX_TOKENS and (m := TOKEN.match(text, end)):
        tokens.append(m.group(1))
        end = m.end()
        ends.append(end)
    for k in range(len(tokens), 0, -1):
        written = " ".join(tokens[:k])
        canonical = PLACE_CASE.get(written.casefold())
        if canonical is None:
            continue
        if written.isupper() or all(t[0].isupper() or t[0].isdigit() for t in tokens[:k]):
            return canonical, ends[k - 1]
    return None
