"""The crawler honours HTTP_PROXY / NO_PROXY from the environment, through a real forwarding
proxy on 127.0.0.1 started here, and the address guard still checks every target first."""

from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpcore
import pytest

from labwatch.corpus.fetcher import fetch_source, make_client
from labwatch.corpus.proxies import ProxyConfigError
from labwatch.corpus.records import Source
from labwatch.errors import LabwatchError

PUBLIC_V4 = "93.184.215.14"  # what the guard's resolver says lab.example is; never connected to


class ForwardingProxy:
    """A minimal HTTP forward proxy: takes absolute-URI requests, records (host, path), and
    forwards them to ``upstream`` (the loopback site), whatever host they name."""

    def __init__(self, upstream_port: int):
        self.seen: list[tuple[str, str]] = []
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                owner.seen.append((parts.hostname or "", parts.path))
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
                upstream.request("GET", parts.path or "/", headers=headers)
                answer = upstream.getresponse()
                body = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                upstream.close()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [path for _, path in self.seen]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """A safety net, not part of what is tested: should a request ever go direct to the public
    address the guard's resolver names, it fails here instead of leaving the machine."""
    inner = httpcore.SyncBackend.connect_tcp

    def connect_tcp(self, host, port, *args, **kwargs):
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise httpcore.ConnectError(f"test: {host} is not on this machine; not connecting")
        return inner(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)


@pytest.fixture
def proxy(server, monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    p = ForwardingProxy(server.port)
    monkeypatch.setenv("HTTP_PROXY", p.url)
    yield p
    p.httpd.shutdown()
    p.httpd.server_close()


def _fetch(policy, url, store):
    with make_client(policy) as client:
        return fetch_source(client, Source("lab", url, "doc"), store=store, policy=policy)


def _public_dns(policy, **names):
    """The guard's resolver: ``names`` are what they say, an address is itself, any other name
    is public."""

    def resolve(host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            return [names.get(host, PUBLIC_V4)]

    return dataclasses.replace(policy, allow_private=False, resolve=resolve)


def test_http_proxy_from_the_environment_carries_the_crawl(server, proxy, policy, store):
    server.static("/doc", b"We will evaluate every model before release.")
    result = _fetch(_public_dns(policy), "http://lab.example/doc", store)
    assert result.outcome == "new", result.error
    assert ("lab.example", "/doc") in proxy.seen  # asked the proxy for the target, by name
    assert [s.path for s in server.log if s.path == "/doc"] == ["/doc"]


def test_the_target_is_checked_before_the_proxy_gets_anything(server, proxy, policy, store):
    server.static("/doc", b"internal")
    loopback = _fetch(dataclasses.replace(policy, allow_private=False), server.url("/doc"), store)
    assert loopback.outcome == "failed" and "loopback" in loopback.error
    private = _fetch(_public_dns(policy, **{"intranet.example": "10.1.2.3"}), "http://intranet.example/doc", store)
    assert private.outcome == "failed" and "private" in private.error
    assert proxy.seen == [] and server.log == []


def test_a_redirect_through_the_proxy_to_a_private_address_is_refused(server, proxy, policy, store):
    server.static("/go", b"", status=302, headers={"Location": "http://10.0.0.7/admin"})
    result = _fetch(_public_dns(policy), "http://lab.example/go", store)
    assert result.outcome == "failed" and "10.0.0.7" in result.error
    assert "/admin" not in proxy.paths() and "/go" in proxy.paths()


def test_allow_private_goes_through_the_proxy_and_no_proxy_goes_direct(server, proxy, policy, store, monkeypatch):
    server.static("/doc", b"We will publish our evaluations.")
    assert _fetch(policy, server.url("/doc"), store).outcome == "new"  # policy allows loopback
    assert "/doc" in proxy.paths()
    proxy.seen.clear()
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert _fetch(policy, server.url("/doc"), store).outcome == "new"
    assert proxy.seen == [] and [s.path for s in server.log].count("/doc") == 2


def test_a_proxy_labwatch_cannot_use_is_a_one_line_error(monkeypatch, policy):
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(ProxyConfigError, match=r"HTTPS_PROXY=socks5://127.0.0.1:1080: only http:// and https://"):
        make_client(policy)
    assert issubclass(ProxyConfigError, LabwatchError)
