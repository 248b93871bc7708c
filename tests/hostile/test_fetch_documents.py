"""Issue 18.1 for attached documents: a notice's links may not reach inside.

A public union site's page links "documents" at the cloud metadata address, a
private network and localhost, directly and wrapped in a Google Docs viewer.
Each is refused before any connection, the refusal names the address, the
story keeps its text, and nothing from inside is read.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from feeds.documents.collect import DocumentLimits
from feeds.fetch.fetcher import Fetcher
from feeds.poller import SourceState, poll_source
from feeds.sources import SourceConfig
from tests.support.hostile_site import (
    METADATA_IP,
    SITE_HOST,
    HostileNetwork,
    HostileSite,
    article_html,
    rss,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Thông báo kế hoạch tổ chức Hội thi an toàn vệ sinh lao động"
LINKS = {
    f"http://{METADATA_IP}/latest/meta-data/ke-hoach.pdf": f"refused {METADATA_IP}: a link-local",
    "http://10.0.0.7/files/thong-bao.docx": "refused 10.0.0.7: a private-network address",
    "https://docs.google.com/viewer?url=http%3A%2F%2Flocalhost%2Fbang.xlsx&embedded=true": (
        "refused 127.0.0.1 (for localhost): a loopback address"
    ),
}


@pytest.fixture
def documents_site(public_site: HostileSite) -> HostileSite:
    """The public hostile site with a notice whose documents point inside."""
    anchors = "".join(
        f'<iframe src="{url}"></iframe>' if "viewer" in url else f'<a href="{url}">Văn bản</a>'
        for url in LINKS
    )
    page = article_html(TITLE).replace("</article>", f"{anchors}</article>")
    public_site.route("/tin/hoi-thi.html", page, content_type="text/html; charset=utf-8")
    feed = rss([(TITLE, f"http://{SITE_HOST}/tin/hoi-thi.html")])
    public_site.route("/feed/documents.rss", feed, content_type="application/rss+xml")
    return public_site


async def test_documents_linked_inside_are_refused_and_named(
    documents_site: HostileSite, fetcher: Fetcher, net: HostileNetwork
) -> None:
    source = SourceConfig(id="hostile", name="Trang thử", url=f"http://{SITE_HOST}/feed/documents.rss", kind="rss")  # type: ignore[arg-type]  # fmt: skip
    outcome = await poll_source(
        fetcher, source, SourceState(), tz=VN, is_new=lambda refs: [True] * len(refs),
        documents=DocumentLimits(per_item=5),
    )  # fmt: skip
    assert outcome.error is None
    (item,) = outcome.candidates
    assert "Liên đoàn Lao động tỉnh Nghệ An" in item.text  # the story keeps its own text
    errors = {d.url: d.error for d in item.documents}
    assert len(errors) == len(LINKS)
    for named in LINKS.values():
        assert any(e and e.startswith(named) for e in errors.values()), named
    assert all(d.text == "" and d.size is None for d in item.documents)
    assert net.refused == []  # refused before any connection was attempted
