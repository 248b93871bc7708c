"""Canonical URLs and the identity keys of an item.

Real sites give one article many URLs: ``http``/``https``, ``www.``/``m.``/``amp.``
hosts, tracking parameters (``utm_*``, ``fbclid``...), fragments, trailing
slashes.  :func:`canonical_url` folds them into one, so the same article is
the same key whatever link led to it (miniflux's urlcleaner does the same).
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from feeds.vntext import fold_key

# Query parameters that identify a visit, not a page.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "matomo_", "mtm_")
_TRACKING = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "zarsrc",
    "zalo_source", "ref", "ref_src", "source", "share", "from", "cmpid", "_ga", "_gl", "vnn_source",
    "sfnsn", "mibextid", "si", "spm", "rss", "feed",
}  # fmt: skip
# Host prefixes that serve the same article (mobile, AMP, www).
_HOST_ALIASES = ("www.", "m.", "amp.", "mobile.")


def canonical_url(url: str) -> str:
    """One spelling per article: https, bare host, no tracking, no fragment."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_ALIASES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host = host[len(prefix) :]
                changed = True
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~") or "/"
    if path.startswith("/amp/"):  # /amp/<path> variants of CMS pages
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    query.sort()
    return urlunsplit(("https", host, path, urlencode(query), ""))


def digest(text: str) -> str:
    """A short stable hash used as a database key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_keys(source_id: str, url: str | None, guid: str | None, title: str | None) -> list[str]:
    """Every identity of one item, strongest first.

    * the canonical URL, global: another site listing the same URL is the same article;
    * the GUID, scoped to the source (GUIDs are only unique within a feed);
    * the folded title, scoped to the source, for titles of six words or more, so a
      re-slugged URL with the same headline is not news again (short titles such as
      "Thông báo" repeat legitimately).
    """
    keys: list[str] = []
    if url:
        keys.append(digest("url:" + canonical_url(url)))
    if guid and guid.strip():
        keys.append(digest(f"guid:{source_id}:{guid.strip()}"))
    folded = fold_key(title or "")
    if len(folded.split()) >= 6:
        keys.append(digest(f"title:{source_id}:{folded}"))
    return keys
