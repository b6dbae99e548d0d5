"""A real HTTP server on 127.0.0.1 for the crawl tests, with scriptable routes and faults.

Each test registers the routes it needs (``server.route(path, handler)``); the table and the
request log are reset between tests. Handlers get the request handler object and may answer
however they like (wrong headers, slow bodies, no Content-Length...).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fpdf import FPDF

from labwatch.corpus.records import FetchPolicy
from labwatch.corpus.snapshots import SnapshotStore


@dataclass
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


Handler = Callable[[BaseHTTPRequestHandler], None]


class LoopbackServer:
    """Threaded HTTP/1.0 server whose routes are set per test."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.log: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            def _dispatch(self) -> None:
                parts = urlsplit(self.path)
                with owner._lock:
                    owner.log.append(
                        Seen(
                            self.command,
                            parts.path,
                            parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()},
                        )
                    )
                    owner.in_flight += 1
                    owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
                try:
                    handler = owner.routes.get(parts.path)
                    if handler is None:
                        respond(self, 404, b"not here", "text/plain")
                    else:
                        handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts, size caps): expected in these tests
                finally:
                    with owner._lock:
                        owner.in_flight -= 1

            do_GET = do_HEAD = _dispatch

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def static(
        self, path: str, body: bytes, ctype: str = "text/html", status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        self.routes[path] = lambda h: respond(h, status, body, ctype, headers)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.log if s.path == path]

    def reset(self) -> None:
        self.routes.clear()
        self.log.clear()
        self.max_in_flight = 0


def respond(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    ctype: str | None = "text/plain",
    headers: dict[str, str] | None = None,
    length: bool = True,
) -> None:
    """Write a complete response; ``length=False`` omits Content-Length (body ends at close)."""
    h.send_response(status)
    if ctype:
        h.send_header("Content-Type", ctype)
    if length:
        h.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    if h.command != "HEAD" and body:
        h.wfile.write(body)


def make_pdf(text: str) -> bytes:
    """A one-page PDF containing ``text``."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture(scope="session")
def _server():
    srv = LoopbackServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def server(_server: LoopbackServer) -> LoopbackServer:
    _server.reset()
    yield _server
    _server.reset()


@pytest.fixture(scope="session")
def client():
    with httpx.Client() as c:
        yield c


@pytest.fixture
def policy() -> FetchPolicy:
    """Fast, loopback-allowed policy for tests."""
    return FetchPolicy(
        allow_private=True,
        host_delay=0.0,
        retries=2,
        backoff=0.01,
        max_backoff=0.05,
        connect_timeout=2.0,
        read_timeout=2.0,
        max_retry_after=2.0,
    )


@pytest.fixture
def store(tmp_path) -> SnapshotStore:
    return SnapshotStore(tmp_path / "snapshots")


@pytest.fixture(scope="session")
def policy_pdf() -> bytes:
    return make_pdf("Example Lab Safety Framework. We will evaluate each model before release.")
