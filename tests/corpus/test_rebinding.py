"""DNS rebinding: the crawler connects only to an address it checked, before sending a byte.

The tests play DNS with the policy's resolver, against the loopback server: no real network.
"localhost" stands for an attacker's name, since the system resolver really sends it to the
loopback server; the policy's resolver says what the attacker's DNS would say to each lookup.
"""

from __future__ import annotations

import dataclasses

from labwatch.corpus.fetcher import fetch_source, make_client
from labwatch.corpus.records import Source

PUBLIC_V4 = "93.184.215.14"  # never connected to: the checks below stop first, or it is not asked


def _rebinding_resolver():
    """Public for the first lookup (the guard's check), loopback for every later one."""
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return [PUBLIC_V4] if len(calls) == 1 else ["127.0.0.1"]

    return resolve, calls


def test_a_name_that_rebinds_to_loopback_gets_no_request(server, policy, store):
    server.static("/doc", b"internal data")
    resolve, calls = _rebinding_resolver()
    strict = dataclasses.replace(policy, allow_private=False, respect_robots=False, retries=0, resolve=resolve)
    with make_client(strict) as client:
        result = fetch_source(
            client, Source("lab", server.url("/doc", host="localhost"), "doc"), store=store, policy=strict
        )
    assert result.outcome == "failed" and "127.0.0.1" in result.error and "nothing sent" in result.error
    assert server.log == []  # the internal service never saw the request
    assert len(calls) == 2  # the guard's lookup, then the connection's own (checked) lookup
    assert not [p for p in store.root.rglob("*") if p.is_file()]


def test_the_connection_goes_to_the_address_that_was_checked(server, policy, store):
    """A name only the policy's resolver knows is reached at the address it gave: the socket
    does not look the name up a second time elsewhere."""
    server.static("/doc", b"We will publish every evaluation.")
    pinned = dataclasses.replace(policy, respect_robots=False, resolve=lambda h, p: ["127.0.0.1"])
    with make_client(pinned) as client:
        result = fetch_source(
            client, Source("lab", server.url("/doc", host="pinned.invalid"), "doc"), store=store, policy=pinned
        )
    assert result.outcome == "new", result.error
    assert [s.path for s in server.log] == ["/doc"]
    assert server.log[0].headers["host"].startswith("pinned.invalid")  # the name, not the address
