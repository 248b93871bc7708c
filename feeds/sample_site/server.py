"""An offline imitation of three union news sites, served on 127.0.0.1.

* ``/congdoannghean/`` - congdoannghean.vn-like portal without any feed: listings
  ``tin-tuc`` (paged, ``?page=2``) and ``thong-bao``, articles ``chi-tiet/<slug>``,
  with the real site's furniture (slogan marquee, greeting, menus, sidebars);
  one article is served in windows-1258, declared only by its ``<meta charset>``.
* ``/baonghean/`` - baonghean.vn-like paper with an RSS 2.0 feed of teasers
  (``rss/lao-dong.rss``), feed autodiscovery and ``article:published_time``.
* ``/laodongcongdoan/`` - the union magazine, with a full-content Atom feed.
* ``/laodong/rss/cong-doan.rss`` - answers with laodong.vn's JS cookie challenge.

Articles live in ``pages/articles/*.html`` (an HTML fragment after a small
``key: value`` header); page shells in ``pages/<site>/layout.html``.  Some
articles start held back: :meth:`SampleSite.publish_next` reveals them one by
one, oldest first, on listings, feeds and sidebars.  Every response carries an
ETag and Last-Modified, and conditional requests get 304.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from types import TracebackType
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from feeds.vntext import fold_key

__all__ = ["Article", "SampleSite", "load_articles", "sources_toml"]

PAGES = Path(__file__).with_name("pages")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_SIZE = 5  # items per congdoannghean listing page
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# A 1x1 transparent GIF for every image URL.
_PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)


# --- content -------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One article of the sample sites, read from ``pages/articles``."""

    key: str
    site: str  # congdoannghean | baonghean | laodongcongdoan
    kind: str  # news | notice
    title: str  # as printed in the page's h1 (may hold stray spaces)
    published: datetime  # aware, Asia/Ho_Chi_Minh
    lead: str
    body: str  # HTML fragment; <figure data-img="N">caption</figure> marks photos
    category: str = ""
    section: str = ""
    author: str = ""
    keywords: tuple[str, ...] = ()
    held_back: bool = False
    encoding: str = "utf-8"
    id: str = ""
    layout: str = "new"

    @property
    def slug(self) -> str:
        return fold_key(self.title).replace(" ", "-")

    @property
    def path(self) -> str:
        if self.site == "congdoannghean":
            return f"/congdoannghean/chi-tiet/{self.slug}"
        if self.site == "baonghean":
            return f"/baonghean/lao-dong/{self.slug}-{self.id}.html"
        return f"/laodongcongdoan/{self.slug}-{self.id}.html"


_HEADER = re.compile(r"\A<!--\n(.*?)\n-->\n", re.DOTALL)


def _read_article(path: Path) -> Article:
    text = path.read_text(encoding="utf-8")
    match = _HEADER.match(text)
    if match is None:
        raise ValueError(f"{path.name}: missing the metadata header")
    meta = dict(line.split(": ", 1) for line in match.group(1).splitlines())
    return Article(
        key=path.stem,
        site=meta["site"],
        kind=meta.get("kind", "news"),
        title=meta["title"],
        published=datetime.fromisoformat(meta["published"]).replace(tzinfo=TZ),
        lead=meta["lead"],
        body=text[match.end() :].strip(),
        category=meta.get("category", ""),
        section=meta.get("section", ""),
        author=meta.get("author", ""),
        keywords=tuple(k.strip() for k in meta.get("keywords", "").split(";") if k.strip()),
        held_back=meta.get("held_back") == "yes",
        encoding=meta.get("encoding", "utf-8"),
        id=meta.get("id", ""),
        layout=meta.get("layout", "new"),
    )


@cache
def load_articles() -> tuple[Article, ...]:
    """All sample articles, newest first."""
    articles = [_read_article(p) for p in sorted((PAGES / "articles").glob("*.html"))]
    return tuple(sorted(articles, key=lambda a: a.published, reverse=True))


@cache
def _template(name: str) -> Template:
    return Template((PAGES / name).read_text(encoding="utf-8"))


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes as legacy Vietnamese sites send them.

    cp1258 has no precomposed "ệ": it is written as "ê" + combining dot below,
    so characters are decomposed into a base the code page has plus tone marks.
    """
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        marks = "".join(c for c in parts if c in tones)
        out += (base + marks).encode("cp1258", "xmlcharrefreplace")
    return bytes(out)


# --- rendering -----------------------------------------------------------------

_FIGURE = re.compile(r'<figure data-img="(\d+)">(.*?)</figure>', re.DOTALL)
e = html.escape


def _hm_dmy(moment: datetime) -> str:
    return moment.strftime("%H:%M %d/%m/%Y")


def _figures(article: Article, markup: str) -> str:
    """Replace figure markers by the site's own photo markup (``markup`` is a format string)."""

    def render(match: re.Match[str]) -> str:
        n, caption = match.group(1), match.group(2)
        src = f"/{article.site}/uploads/{article.key}-{n}.jpg"
        title = " ".join(article.title.split())
        return markup.format(src=src, n=n, caption=caption, alt=e(caption), title=e(title))

    return _FIGURE.sub(render, article.body)


_CDNA_FIGURE = (
    '<table class="image center"><tbody>'
    '<tr><td><img src="{src}" alt="{title} ảnh {n}"></td></tr>'
    '<tr><td class="image-name">{title} ảnh {n}</td></tr>'
    '<tr><td class="image_desc">{caption}</td></tr></tbody></table>'
)
_BNA_FIGURE = (
    '<figure class="image"><img src="{src}" alt="{alt}"><figcaption>{caption}</figcaption></figure>'
)
_LDCD_FIGURE = (
    '<table class="picture" align="center"><tr><td><img src="{src}" alt="{alt}"></td></tr>'
    '<tr><td class="caption"><p>{caption}</p></td></tr></table>'
)


class _Renderer:
    """Pages of the three sites for one set of published articles."""

    def __init__(self, visible: list[Article], origin: str) -> None:
        self.visible = visible  # newest first
        self.origin = origin  # "http://127.0.0.1:PORT", for absolute links in feeds

    def of(self, site: str, kind: str | None = None) -> list[Article]:
        return [a for a in self.visible if a.site == site and kind in (None, a.kind)]

    # congdoannghean.vn ----------------------------------------------------------

    def _cdna_item(self, a: Article, href: str, thumb: bool) -> str:
        img = (
            f'<a class="thumb" href="{self.origin}{a.path}">'
            f'<img src="/congdoannghean/uploads/{a.key}-thumb.jpg" alt="{e(a.title)}"></a>'
            if thumb
            else ""
        )
        return (
            f'<div class="news-item">{img}<a class="title" href="{href}">{e(a.title)}</a>'
            f'<span class="time">{_hm_dmy(a.published)}</span>'
            f'<p class="lead">{e(a.lead)}</p></div>'
        )

    def _cdna_page(self, page_title: str, main: str, charset: str = "utf-8") -> str:
        latest = "\n".join(
            self._cdna_item(a, a.path, thumb=False) for a in self.of("congdoannghean", "news")[:5]
        )
        notices = "\n".join(
            f'<li><a href="{a.path}">{e(a.title)}</a></li>'
            for a in self.of("congdoannghean", "notice")[:5]
        )
        return _template("congdoannghean/layout.html").substitute(
            charset=charset, page_title=e(page_title), main=main, latest=latest, notices=notices
        )

    def cdna_listing(self, kind: str, page: int) -> str:
        articles = self.of("congdoannghean", kind)
        pages = max(1, -(-len(articles) // PAGE_SIZE))
        shown = articles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        name = "TIN TỨC" if kind == "news" else "THÔNG BÁO"
        if kind == "news":  # root-relative title links, absolute thumbnails
            items = [self._cdna_item(a, a.path, thumb=True) for a in shown]
        else:  # notices page uses document-relative links, as some CMSs do
            items = [
                self._cdna_item(a, a.path.rsplit("/", 2)[-2] + "/" + a.slug, False) for a in shown
            ]
        pager = " ".join(
            f'<a href="?page={n}"{" class=active" if n == page else ""}>{n}</a>'
            for n in range(1, pages + 1)
        )
        if page < pages:
            pager += f' <a href="?page={page + 1}">Trang sau »</a>'
        main = (
            f'<div class="breadcrumb"><a href="/congdoannghean/">Trang chủ</a> » <span>{name.title()}</span></div>'
            f'<h1 class="cat-title">{name}</h1>\n<div class="list-news">\n'
            + "\n".join(items)
            + f'\n</div>\n<div class="pager">{pager}</div>'
        )
        return self._cdna_page(name.title(), main)

    def cdna_article(self, a: Article) -> str:
        tags = ", ".join(
            f'<a href="/congdoannghean/tags/{fold_key(k).replace(" ", "-")}">{e(k)}</a>'
            for k in a.keywords
        )
        cat = fold_key(a.category).replace(" ", "-")
        main = f"""<div class="breadcrumb"><a href="/congdoannghean/">Trang chủ</a> » <a href="/congdoannghean/chuyen-muc/{cat}">{e(a.category)}</a></div>
<div class="article">
<div class="cat-label">{e(a.category)}</div>
<h1 class="article-title">{e(a.title)}</h1>
<div class="article-time">{_hm_dmy(a.published)}</div>
<div class="article-content">
{_figures(a, _CDNA_FIGURE)}
</div>
<div class="article-tags">Từ khóa: {tags}</div>
</div>"""
        return self._cdna_page(a.title, main, charset=a.encoding)

    # baonghean.vn ---------------------------------------------------------------

    def _bna_grid(self, a: Article, extra: str = "", heading: str = "h3") -> str:
        return (
            f'<div class="b-grid{extra}"><div class="b-grid__img"><a href="{a.path}">'
            f'<img src="/baonghean/uploads/{a.key}-thumb.jpg" alt="{e(a.title)}"></a></div>'
            f'<div class="b-grid__content"><{heading} class="b-grid__title"><a href="{a.path}">'
            f"{e(a.title)}</a></{heading}>"
            f'<div class="b-grid__desc">{e(a.lead)}</div></div></div>'
        )

    def _bna_page(self, page_title: str, main: str, meta: str = "") -> str:
        latest = "\n".join(self._bna_grid(a) for a in self.of("baonghean")[:4])
        return _template("baonghean/layout.html").substitute(
            page_title=e(page_title), main=main, meta=meta, latest=latest
        )

    def bna_listing(self) -> str:
        articles = self.of("baonghean")
        focus = "".join(self._bna_grid(a, " b-grid--focus", "h2") for a in articles[:1])
        rest = "\n".join(self._bna_grid(a) for a in articles[1:])
        main = (
            '<h1 class="cate-title"><a href="/baonghean/lao-dong">Lao động</a></h1>\n'
            f'<div class="box-focus">{focus}</div>\n<div class="box-list">\n{rest}\n</div>'
        )
        return self._bna_page("Lao động", main)

    def bna_article(self, a: Article) -> str:
        url = self.origin + a.path
        meta = (
            f'<link rel="canonical" href="{url}">\n'
            f'<meta property="og:title" content="{e(a.title)}">\n'
            f'<meta property="og:description" content="{e(a.lead)}">\n'
            f'<meta property="article:published_time" content="{a.published.isoformat()}">'
        )
        body = _figures(a, _BNA_FIGURE)
        if a.layout == "old":  # 2022 layout: no visible date, "(Baonghean.vn) - Sáng ngày 13/4"
            article = f'<h1 class="detail-title">{e(a.title)}</h1>\n<div class="detail-content">{body}</div>'
        else:
            day = f"{_WEEKDAYS[a.published.weekday()]}, {a.published:%d/%m/%Y}"
            article = f"""<h1 class="detail__title">{e(a.title)}</h1>
<div class="detail__meta"><span class="detail__date">{day}</span></div>
<div class="detail__sapo">{e(a.lead)}</div>
<div class="detail__content">{body}</div>
<div class="detail__author"><strong>{e(a.author)}</strong> <span>{a.published:%d/%m/%Y %H:%M}</span></div>"""
        main = (
            '<div class="breadcrumb"><a href="/baonghean/">Trang chủ</a> '
            '<a href="/baonghean/lao-dong">Lao động</a></div>\n'
            f'<article class="detail">\n{article}\n</article>'
        )
        return self._bna_page(a.title, main, meta)

    def bna_rss(self) -> str:
        items = []
        for a in self.of("baonghean"):
            url = self.origin + a.path
            img = f"{self.origin}/baonghean/uploads/{a.key}-thumb.jpg"
            items.append(
                f"<item><title>{e(a.title)}</title><link>{url}</link>"
                f'<guid isPermaLink="true">{url}</guid>'
                f"<pubDate>{format_datetime(a.published)}</pubDate>"
                f'<description><![CDATA[<a href="{url}"><img src="{img}" /></a>{a.lead}]]></description>'
                "</item>"
            )
        built = self.of("baonghean")[0].published if self.of("baonghean") else None
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>Lao động - Báo Nghệ An</title><link>{self.origin}/baonghean/lao-dong</link>"
            "<description>Tin tức lao động, việc làm, công đoàn tỉnh Nghệ An</description>"
            "<language>vi</language>"
            + (f"<lastBuildDate>{format_datetime(built)}</lastBuildDate>" if built else "")
            + f'<atom:link href="{self.origin}/baonghean/rss/lao-dong.rss" rel="self" '
            'type="application/rss+xml"/>\n' + "\n".join(items) + "\n</channel></rss>\n"
        )

    # laodongcongdoan.vn ---------------------------------------------------------

    def _ldcd_item(self, a: Article, tag: str = "li") -> str:
        return (
            f'<{tag} class="item"><a class="thumb" href="{a.path}"><img src="/laodongcongdoan/uploads/'
            f'{a.key}-thumb.jpg" alt=""></a><h3><a href="{a.path}">{e(a.title)}</a></h3>'
            f'<span class="format_time">{e(a.section)} - {a.published:%d/%m/%Y %H:%M}</span>'
            f'<div class="article-desc">{e(a.lead)}</div></{tag}>'
        )

    def _ldcd_page(self, page_title: str, main: str, meta: str = "") -> str:
        latest = "\n".join(
            f'<div class="item"><a href="{a.path}">{e(a.title)}</a></div>'
            for a in self.of("laodongcongdoan")[:3]
        )
        return _template("laodongcongdoan/layout.html").substitute(
            page_title=e(page_title), main=main, meta=meta, latest=latest
        )

    def ldcd_listing(self, section: str) -> str:
        items = [a for a in self.of("laodongcongdoan") if fold_key(a.section) == section]
        main = (
            f'<h1 class="cat-title">{e(items[0].section if items else section)}</h1>\n'
            '<ul class="list-news">\n' + "\n".join(self._ldcd_item(a) for a in items) + "\n</ul>"
        )
        return self._ldcd_page("Tạp chí Lao động và Công đoàn", main)

    def ldcd_article(self, a: Article) -> str:
        same = [o for o in self.of("laodongcongdoan") if o.key != a.key][:6]
        related = "\n".join(self._ldcd_item(o, "div") for o in same)
        meta = f'<meta property="article:published_time" content="{a.published.isoformat()}">'
        main = f"""<div class="article-detail">
<h1 class="article-detail-title">{e(a.title)}</h1>
<div class="article-detail-info"><span class="cat">{e(a.section)}</span> - <span class="format_time">{a.published:%d/%m/%Y %H:%M}</span> <span class="author">{e(a.author)}</span></div>
<div class="article-detail-desc">{e(a.lead)}</div>
<div class="__MASTERCMS_CONTENT">{_figures(a, _LDCD_FIGURE)}</div>
<div class="box-related">
<div class="rel"><a href="/laodongcongdoan/nhung-sang-kien-tu-tinh-yeu-lao-dong-66001.html">Những sáng kiến từ tình yêu lao động</a> Dù không phải là những người làm công tác nghiên cứu khoa học, cũng không phải những người được đào tạo về kỹ thuật; họ ...</div>
<div class="rel"><a href="/laodongcongdoan/mot-so-van-de-kien-nghi-thu-tuong-chinh-phu-65890.html">Một số vấn đề kiến nghị Thủ tướng Chính phủ</a> Sau đại dịch Covid-19, đời sống công nhân lao động gặp rất nhiều khó khăn, vướng mắc cần được Nhà nước, Công đoàn nhìn nhận ...</div>
</div>
<div class="tin-cung-chuyen-muc"><div class="block-head">Tin cùng chuyên mục</div>
{related}
</div>
</div>"""
        return self._ldcd_page(a.title, main, meta)

    def ldcd_atom(self) -> str:
        articles = self.of("laodongcongdoan")
        updated = articles[0].published.isoformat() if articles else "2022-01-01T00:00:00+07:00"
        entries = []
        for a in articles:
            url = self.origin + a.path
            content = f"<p><strong>{e(a.lead)}</strong></p>" + _figures(a, _LDCD_FIGURE)
            entries.append(
                f"<entry><title>{e(a.title)}</title>"
                f'<link rel="alternate" type="text/html" href="{url}"/>'
                f"<id>tag:laodongcongdoan.vn,{a.published:%Y}:{a.id}</id>"
                f"<published>{a.published.isoformat()}</published>"
                f"<updated>{a.published.isoformat()}</updated>"
                f"<author><name>{e(a.author)}</name></author>"
                f'<category term="{e(a.section)}"/>'
                f"<summary>{e(a.lead)}</summary>"
                f'<content type="html">{e(content)}</content></entry>'
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">'
            "<title>Tạp chí Lao động và Công đoàn</title>"
            f"<id>{self.origin}/laodongcongdoan/</id>"
            f'<link rel="self" href="{self.origin}/laodongcongdoan/atom.xml"/>'
            f'<link rel="alternate" href="{self.origin}/laodongcongdoan/"/>'
            f"<updated>{updated}</updated>\n" + "\n".join(entries) + "\n</feed>\n"
        )


# --- HTTP ----------------------------------------------------------------------

_OLDEST = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str
    last_modified: datetime = _OLDEST


class SampleSite:
    """The three sample sites on one local HTTP server (a daemon thread)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._held = [a for a in sorted(load_articles(), key=lambda a: a.published) if a.held_back]
        self._shown = {a.key for a in load_articles() if not a.held_back}
        self.requests: list[tuple[str, str, int]] = []

    # lifecycle

    def start(self) -> SampleSite:
        site = self

        class Handler(_Handler):
            sample = site

        self._server = ThreadingHTTPServer(self._address, Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SampleSite:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sample site is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    # news appearing

    @property
    def held_back(self) -> int:
        with self._lock:
            return len(self._held)

    def publish_next(self) -> str | None:
        """Reveal the oldest held-back article on listings and feeds; its URL, or None."""
        with self._lock:
            if not self._held:
                return None
            article = self._held.pop(0)
            self._shown.add(article.key)
        return self.url(article.path)

    def visible(self) -> list[Article]:
        """Published articles, newest first."""
        with self._lock:
            return [a for a in load_articles() if a.key in self._shown]

    # routing

    def respond(self, path: str, origin: str) -> _Response:
        """The response for a GET of ``path`` (with query)."""
        parts = urlsplit(path)
        route = parts.path.rstrip("/") or "/"
        query = parse_qs(parts.query)
        render = _Renderer(self.visible(), origin)
        site = route.split("/")[1] if route != "/" else ""
        stamps = [a.published for a in render.visible if a.site == site]
        modified = max(stamps) if stamps else _OLDEST

        def page(text: str, encoding: str = "utf-8", ctype: str = "text/html; charset=utf-8"):
            body = encode_cp1258(text) if encoding == "windows-1258" else text.encode(encoding)
            return _Response(200, body, ctype, modified)

        if re.search(r"\.(jpe?g|png|gif)$", route):
            return _Response(200, _PIXEL, "image/gif")
        if route == "/":
            return page(_index(render.visible))
        if route in ("/congdoannghean", "/congdoannghean/tin-tuc", "/congdoannghean/thong-bao"):
            try:
                number = max(1, int(query.get("page", ["1"])[0]))
            except ValueError:
                number = 1
            kind = "notice" if route.endswith("thong-bao") else "news"
            return page(render.cdna_listing(kind, number))
        if route == "/baonghean/lao-dong":
            return page(render.bna_listing())
        if route == "/baonghean/rss/lao-dong.rss":
            return page(render.bna_rss(), ctype="application/rss+xml; charset=utf-8")
        if route == "/laodongcongdoan/atom.xml":
            return page(render.ldcd_atom(), ctype="application/atom+xml; charset=utf-8")
        if route == "/laodong/rss/cong-doan.rss":
            token = hashlib.sha1(b"laodong").hexdigest()
            challenge = _template("laodong/challenge.html").substitute(token=token)
            return _Response(200, challenge.encode(), "text/html; charset=utf-8")
        if route.startswith("/laodongcongdoan/") and route.count("/") == 2:
            section = route.rsplit("/", 1)[1].replace("-", " ")
            if any(fold_key(a.section) == section for a in render.of("laodongcongdoan")):
                return page(render.ldcd_listing(section))
        for article in render.visible:
            if article.path == route:
                if article.site == "congdoannghean":
                    # Legacy pages declare their charset only in <meta>.
                    ctype = (
                        "text/html" if article.encoding != "utf-8" else "text/html; charset=utf-8"
                    )
                    return page(render.cdna_article(article), article.encoding, ctype)
                if article.site == "baonghean":
                    return page(render.bna_article(article))
                return page(render.ldcd_article(article))
        return _Response(
            404, "<h1>404 - Không tìm thấy trang</h1>".encode(), "text/html; charset=utf-8"
        )


def _index(visible: list[Article]) -> str:
    links = [
        ("/congdoannghean/tin-tuc", "Công đoàn Nghệ An - Tin tức (không có RSS)"),
        ("/congdoannghean/thong-bao", "Công đoàn Nghệ An - Thông báo"),
        ("/baonghean/lao-dong", "Báo Nghệ An - Lao động"),
        ("/baonghean/rss/lao-dong.rss", "Báo Nghệ An - RSS Lao động"),
        ("/laodongcongdoan/atom.xml", "Tạp chí Lao động và Công đoàn - Atom"),
        ("/laodong/rss/cong-doan.rss", "Báo Lao Động - RSS (bị chặn bằng JS cookie)"),
    ]
    items = "".join(f'<li><a href="{href}">{e(text)}</a></li>' for href, text in links)
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Trang mẫu</title>'
        f"</head><body><h1>Các trang mẫu ({len(visible)} bài)</h1><ul>{items}</ul></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    sample: SampleSite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        host, port = self.server.server_address[:2]
        origin = f"http://{self.headers.get('Host') or f'{host}:{port}'}"
        res = self.sample.respond(self.path, origin)
        etag = '"' + hashlib.sha1(res.body).hexdigest()[:20] + '"'
        modified = res.last_modified.replace(microsecond=0)
        status = (
            304 if res.status == 200 and _not_modified(self.headers, etag, modified) else res.status
        )
        self.sample.requests.append((self.command, self.path, status))
        self.send_response(status)
        if res.status == 200:
            self.send_header("ETag", etag)
            self.send_header(
                "Last-Modified", format_datetime(modified.astimezone(UTC), usegmt=True)
            )
            self.send_header("Cache-Control", "max-age=0")
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", res.content_type)
        self.send_header("Content-Length", str(len(res.body)))
        self.end_headers()
        if not head:
            self.wfile.write(res.body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log lives in SampleSite.requests


def _not_modified(headers: object, etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    inm = headers.get("If-None-Match")  # type: ignore[attr-defined]
    if inm:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")  # type: ignore[attr-defined]
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified <= since
    return False


# --- configuration -------------------------------------------------------------


def sources_toml(base_url: str) -> str:
    """``[[sources]]`` entries for the sample sites, as bot_config.toml text."""
    base = base_url.rstrip("/")
    return f'''# Sample union sites served by feeds.sample_site (offline demo and tests).

[[sources]]
id = "congdoannghean-tin-tuc"
name = "Công đoàn Nghệ An – Tin tức"
url = "{base}/congdoannghean/tin-tuc"
kind = "html"
province = "Nghệ An"
poll_interval = 900

[sources.listing]
item = "div.list-news div.news-item"
link = "a.title"
date = "span.time"

[sources.article]
content = "div.article-content"
drop = ["td.image-name", "div.article-tags"]
date = "div.article-time"

[[sources]]
id = "congdoannghean-thong-bao"
name = "Công đoàn Nghệ An – Thông báo"
url = "{base}/congdoannghean/thong-bao"
kind = "html"
province = "Nghệ An"
poll_interval = 900

[sources.listing]
item = "div.list-news div.news-item"
link = "a.title"
date = "span.time"

[sources.article]
content = "div.article-content"
drop = ["td.image-name", "div.article-tags"]
date = "div.article-time"

[[sources]]
id = "baonghean-lao-dong"
name = "Báo Nghệ An – Lao động"
url = "{base}/baonghean/rss/lao-dong.rss"
kind = "rss"
province = "Nghệ An"
poll_interval = 900

[sources.article]
content = "div.detail__content, div.detail-content"
drop = ["figure figcaption"]

[[sources]]
id = "laodongcongdoan"
name = "Tạp chí Lao động và Công đoàn"
url = "{base}/laodongcongdoan/atom.xml"
kind = "rss"
poll_interval = 1800

[sources.article]
content = "div.__MASTERCMS_CONTENT"
drop = ["div.box-related", "div.tin-cung-chuyen-muc"]
date = "span.format_time"
'''
