"""Words of page furniture on union and provincial news sites.

Folded keys (lowercase, no diacritics, see :func:`feeds.extract.html_text.match_key`):
a heading such as "TIN CÙNG CHUYÊN MỤC" or "Liên kết website" introduces a
box that is not the article, and a line such as "Chia sẻ" is never text.
"""

from __future__ import annotations

# Headings of lists of *other* articles: everything under them is foreign.
LIST_HEADINGS = frozenset(
    {
        "tin tuc moi nhat",
        "tin moi nhat",
        "tin moi",
        "tin moi cap nhat",
        "tin cung chuyen muc",
        "cung chuyen muc",
        "tin lien quan",
        "bai lien quan",
        "bai viet lien quan",
        "tin khac",
        "cac tin khac",
        "tin bai khac",
        "tin da dua",
        "cac tin da dua",
        "tin cung loai",
        "xem them",
        "doc them",
        "tin doc nhieu",
        "doc nhieu",
        "doc nhieu nhat",
        "tin xem nhieu",
        "xem nhieu",
        "xem nhieu nhat",
        "tin noi bat",
        "noi bat",
        "tin tieu diem",
        "tieu diem",
        "co the ban quan tam",
        "ban co the quan tam",
    }
)
# Headings of sidebar boxes (notices, links, counters, galleries).
BOX_HEADINGS = frozenset(
    {
        "thong bao",
        "he thong to chuc",
        "tu van phap luat",
        "thu vien anh",
        "thu vien video",
        "thu vien",
        "video",
        "videos",
        "lien ket website",
        "lien ket web",
        "lien ket",
        "website lien ket",
        "so luong truy cap",
        "thong ke truy cap",
        "luot truy cap",
        "van ban moi",
        "van ban",
        "lich cong tac",
        "quang cao",
        "hoi dap",
        "hoi dap phap luat",
        "chuyen muc",
        "danh muc",
        "tim kiem",
        "su kien",
        "anh dep",
        "multimedia",
    }
)
# Single furniture lines: dropped from the text, never used to cut.
INLINE_FURNITURE = frozenset(
    {
        "chia se",
        "chia se bai viet",
        "binh luan",
        "gui binh luan",
        "y kien ban doc",
        "in bai viet",
        "in bai",
        "ban in",
        "gui bai",
        "gui cho ban be",
        "quay lai",
        "tro ve",
        "ve dau trang",
        "len dau trang",
        "trang chu",
        "facebook",
        "zalo",
        "twitter",
        "tweet",
        "like",
        "share",
        "email",
        "print",
    }
)
# Any heading that introduces a box; the pruning and the line filter cut there.
ALL_HEADINGS = LIST_HEADINGS | BOX_HEADINGS
