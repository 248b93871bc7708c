"""A programmable local web server for offline tests (stdlib only).

Usage::

    with LocalServer() as server:
        server.route("/feed.rss", xml_bytes, content_type="application/rss+xml", etag='"v1"')
        url = server.url("/feed.rss")
        ...
        server.update("/feed.rss", body=new_xml, etag='"v2"')  # publish a new item
        assert [r.status for r in server.requests] ...

Or take the ``local_server`` pytest fixture (import it in a conftest).
Binds to a loopback address only (127.0.0.1 by default; other 127.x.y.z
addresses work on Linux and let a test simulate several hosts).
"""

from __future__ import annotations

import gzip as gzip_module
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class Route:
    """What the server answers on one path."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds to wait before answering (timeouts, concurrency)
    gzip: bool = False
    chunked: bool = False  # stream without Content-Length (Transfer-Encoding: chunked)
    drip: float = 0.0  # seconds between two body bytes (a server that drips its answer)


class LoggedRequest(NamedTuple):
    method: str
    path: str  # path with query string, as sent
    headers: Message  # case-insensitive .get()
    at: float = 0.0  # time.monotonic() when the request line was read


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def _not_modified(route: Route, headers: Message) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        if route.etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or route.etag.removeprefix("W/") in tags
    ims = headers.get("If-Modified-Since")
    if ims and route.last_modified:
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr noise
        pass

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        owner = self.server.owner
        owner._log(LoggedRequest(self.command, self.path, self.headers, time.monotonic()))
        route = owner._lookup(self.path)
        try:
            if route is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"}, send_body)
                return
            if route.delay:
                time.sleep(route.delay)
            validators = {}
            if route.etag:
                validators["ETag"] = route.etag
            if route.last_modified:
                validators["Last-Modified"] = route.last_modified
            if route.status == 200 and _not_modified(route, self.headers):
                self._send(304, b"", {**validators, **route.headers}, send_body)
                return
            headers = {**validators, **route.headers}
            if route.content_type:
                headers.setdefault("Content-Type", route.content_type)
            body = route.body
            if route.gzip:
                body = gzip_module.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._send(
                route.status, body, headers, send_body, chunked=route.chunked, drip=route.drip
            )
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up early (body cap, timeout): expected in tests

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        send_body: bool,
        *,
        chunked: bool = False,
        drip: float = 0.0,
    ) -> None:
        self.server.owner._log_status(self.path, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status == 304:
            self.end_headers()
            return
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not send_body:
            return
        if drip:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(drip)
            return
        if not chunked:
            self.wfile.write(body)
            return
        for start in range(0, len(body), 16384):
            piece = body[start : start + 16384]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for slow handlers at shutdown
    owner: LocalServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer is normal in these tests


class LocalServer:
    """Threaded HTTP server on a loopback address and an ephemeral port."""

    def __init__(self, host: str = "127.0.0.1", *, tls: tuple[str, str] | None = None) -> None:
        """``tls``: (certfile, keyfile) to serve HTTPS instead of HTTP."""
        self.host = host
        self.tls = tls
        self.requests: list[LoggedRequest] = []
        self.responses: list[tuple[str, int]] = []  # (path, status) in answer order
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> LocalServer:
        self._httpd = _Server((self.host, 0), _Handler)
        self._httpd.owner = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    # -- programming -------------------------------------------------------
    def route(self, path: str, body: bytes | str = b"", **options: Any) -> None:
        """Serve ``body`` on ``path``; options are the fields of :class:`Route`."""
        with self._lock:
            self._routes[path] = Route(body=_as_bytes(body), **options)

    def update(self, path: str, **changes: Any) -> None:
        """Change an existing route, e.g. ``update(path, body=new, etag='"v2"')``."""
        if "body" in changes:
            changes["body"] = _as_bytes(changes["body"])
        with self._lock:
            self._routes[path] = replace(self._routes[path], **changes)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path or an absolute URL)."""
        self.route(path, b"", status=status, headers={"Location": to}, content_type=None)

    def statuses(self, path: str | None = None) -> list[int]:
        """Statuses answered so far, optionally only for ``path``."""
        with self._lock:
            return [s for p, s in self.responses if path is None or p == path]

    def _lookup(self, raw_path: str) -> Route | None:
        with self._lock:
            return self._routes.get(raw_path) or self._routes.get(urlsplit(raw_path).path)

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _log_status(self, path: str, status: int) -> None:
        with self._lock:
            self.responses.append((path, status))


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A started :class:`LocalServer` on 127.0.0.1, stopped after the test."""
    with LocalServer() as server:
        yield server
