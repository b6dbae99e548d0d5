"""The address guard: schemes, private addresses, every DNS answer, every redirect hop."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from labwatch.corpus.exceptions import BlockedAddress, BlockedScheme, HostLookupError
from labwatch.corpus.fetcher import fetch_source, make_client
from labwatch.corpus.netguard import blocked_reason, check_url
from labwatch.corpus.records import Source

PUBLIC_V4 = "93.184.215.14"


@pytest.mark.parametrize(
    "address,reason",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),  # reserved range; Python also files it under private
        ("100.64.0.1", "not globally routable"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_blocked(address, reason):
    assert blocked_reason(address).startswith(reason)


@pytest.mark.parametrize("address", [PUBLIC_V4, "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_pass(address):
    assert blocked_reason(address) is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x.pdf", "gopher://x/", "//no-scheme"])
def test_only_http_and_https(url):
    with pytest.raises(BlockedScheme):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/x",
        "http://2130706433/",
        "http://localhost/",
    ],
)
def test_loopback_refused_without_allow_private(url):
    with pytest.raises(BlockedAddress, match="refused"):
        check_url(url)


def test_every_dns_answer_is_checked():
    def resolver(host, port):
        return [PUBLIC_V4, "10.0.0.7"]

    with pytest.raises(BlockedAddress, match="10.0.0.7"):
        check_url("https://mixed.example/", resolve=resolver)
    check_url("https://public.example/", resolve=lambda h, p: [PUBLIC_V4])


def test_unresolvable_host_is_a_named_error():
    def resolver(host, port):
        raise socket.gaierror(-2, "Name or service not known")

    with pytest.raises(HostLookupError, match="nowhere.example"):
        check_url("https://nowhere.example/", resolve=resolver)


def test_fetch_of_loopback_refused_without_allow_private(server, client, policy, store):
    server.static("/doc", b"secret")
    strict = dataclasses.replace(policy, allow_private=False)
    result = fetch_source(client, Source("lab", server.url("/doc"), "doc"), store=store, policy=strict)
    assert result.outcome == "failed" and "loopback" in result.error
    assert server.log == []  # refused before any request, robots.txt included


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:{port}/secret", "http://[::ffff:127.0.0.1]:{port}/secret", "file:///etc/passwd"]
)
def test_redirect_from_allowed_host_to_private_address_is_refused(server, client, policy, store, target):
    # "localhost" plays a public host: the guard's resolver says it is public, the socket
    # still reaches the loopback server, which redirects to a private address.
    server.static("/go", b"", status=302, headers={"Location": target.format(port=server.port)})
    server.static("/secret", b"internal data")
    public_dns = dataclasses.replace(
        policy,
        allow_private=False,
        check_peer=False,
        resolve=lambda h, p: [PUBLIC_V4] if h == "localhost" else [a[4][0] for a in socket.getaddrinfo(h, p)],
    )
    result = fetch_source(
        client, Source("lab", server.url("/go", host="localhost"), "doc"), store=store, policy=public_dns
    )
    assert server.requests_to("/go"), "the first hop was allowed"
    assert result.outcome == "failed" and ("refused" in result.error or "not allowed" in result.error)
    assert server.requests_to("/secret") == []


@pytest.mark.parametrize("url", ["ftp://example.org/policy.pdf", "file:///etc/passwd", "not a url"])
def test_fetch_of_unsupported_scheme_fails_cleanly(client, policy, store, url):
    result = fetch_source(client, Source("lab", url, "doc"), store=store, policy=policy)
    assert result.outcome == "failed" and "not allowed" in result.error


def test_dns_rebinding_is_caught_at_the_connection(server, client, policy, store):
    # The guard's lookup says public, the socket lands on loopback: the peer check refuses
    # the response before its body is read or stored.
    server.static("/doc", b"internal data")
    rebinding = dataclasses.replace(policy, allow_private=False, respect_robots=False, resolve=lambda h, p: [PUBLIC_V4])
    result = fetch_source(
        client, Source("lab", server.url("/doc", host="localhost"), "doc"), store=store, policy=rebinding
    )
    assert result.outcome == "failed" and "connection reached 127.0.0.1" in result.error
    assert not [p for p in store.root.rglob("*") if p.is_file()]


def test_make_client_does_not_follow_redirects_itself(server, policy, store):
    server.static("/from", b"", status=302, headers={"Location": "/to"})
    server.static("/to", b"arrived")
    with make_client(policy) as own:
        assert own.get(server.url("/from")).status_code == 302
        result = fetch_source(own, Source("lab", server.url("/from"), "doc"), store=store, policy=policy)
    assert result.final_url == server.url("/to") and store.get(result.sha256) == b"arrived"
