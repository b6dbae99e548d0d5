"""Fetching against a real loopback server with real faults."""

from __future__ import annotations

import dataclasses
import hashlib
import time

import httpx
import pytest

from labwatch.corpus.fetcher import crawl, fetch_source, sniff_content_type
from labwatch.corpus.records import DEFAULT_USER_AGENT, Source

from .conftest import make_pdf, respond


def src(server, path: str, **kw) -> Source:
    return Source(lab="example-lab", url=server.url(path), document=kw.pop("document", "doc"), **kw)


def test_new_pdf_is_stored_with_metadata(server, client, policy, store, policy_pdf):
    server.static("/fw.pdf", policy_pdf, "application/pdf", headers={"ETag": '"v1"'})
    result = fetch_source(client, src(server, "/fw.pdf", title="Framework"), store=store, policy=policy)
    assert result.outcome == "new" and result.status == 200
    assert result.content_type == "pdf" and result.declared_type == "application/pdf"
    assert result.sha256 == hashlib.sha256(policy_pdf).hexdigest()
    assert store.get(result.sha256) == policy_pdf
    assert result.size == len(policy_pdf) and result.etag == '"v1"' and result.title == "Framework"
    assert server.requests_to("/fw.pdf")[0].headers["user-agent"] == DEFAULT_USER_AGENT


def test_404_is_a_failure_with_status(server, client, policy, store):
    result = fetch_source(client, src(server, "/missing.pdf"), store=store, policy=policy)
    assert result.outcome == "failed" and result.status == 404 and "404" in result.error
    assert not result.ok and result.to_state() is None


def test_500_then_200_is_retried(server, client, policy, store):
    calls = []

    def flaky(h):
        calls.append(1)
        if len(calls) == 1:
            respond(h, 500, b"oops")
        else:
            respond(h, 200, b"<html><body>Policy</body></html>", "text/html")

    server.route("/flaky", flaky)
    result = fetch_source(client, src(server, "/flaky"), store=store, policy=policy)
    assert result.outcome == "new" and result.content_type == "html"
    assert len(server.requests_to("/flaky")) == 2


def test_persistent_500_fails_after_all_retries(server, client, policy, store):
    server.static("/down", b"down", status=503)
    result = fetch_source(client, src(server, "/down"), store=store, policy=policy)
    assert result.outcome == "failed" and result.status == 503
    assert len(server.requests_to("/down")) == policy.retries + 1


def test_429_honours_retry_after(server, client, policy, store):
    def limited(h):
        if len(server.requests_to("/limited")) == 1:
            respond(h, 429, b"slow down", headers={"Retry-After": "1"})
        else:
            respond(h, 200, b"plain text policy")

    server.route("/limited", limited)
    result = fetch_source(client, src(server, "/limited"), store=store, policy=policy)
    first, second = server.requests_to("/limited")
    assert result.outcome == "new" and result.content_type == "text"
    assert second.at - first.at >= 0.95  # waited as asked, not the 0.01 s backoff


def test_429_with_retry_after_beyond_cap_gives_up_at_once(server, client, policy, store):
    server.static("/busy", b"", status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = fetch_source(client, src(server, "/busy"), store=store, policy=policy)
    assert result.outcome == "failed" and result.status == 429
    assert len(server.requests_to("/busy")) == 1 and time.monotonic() - started < 1.5


def test_slow_response_times_out_and_is_retried(server, client, policy, store):
    def slow(h):
        time.sleep(0.6)
        respond(h, 200, b"too late")

    server.route("/slow", slow)
    fast = dataclasses.replace(policy, read_timeout=0.2, retries=1)
    result = fetch_source(client, src(server, "/slow"), store=store, policy=fast)
    assert result.outcome == "failed" and "timed out" in result.error
    assert len(server.requests_to("/slow")) == 2


def test_redirect_is_followed_and_final_url_recorded(server, client, policy, store):
    server.static("/old", b"", status=301, headers={"Location": "/new"})
    server.static("/new", b"<!doctype html><title>x</title>", "text/html")
    result = fetch_source(client, src(server, "/old"), store=store, policy=policy)
    assert result.outcome == "new" and result.final_url == server.url("/new")
    assert result.url == server.url("/old")


def test_redirect_loop_is_detected(server, client, policy, store):
    server.static("/a", b"", status=302, headers={"Location": "/b"})
    server.static("/b", b"", status=302, headers={"Location": "/a"})
    result = fetch_source(client, src(server, "/a"), store=store, policy=policy)
    assert result.outcome == "failed" and "redirect loop" in result.error
    assert len(server.requests_to("/a")) == 1


def test_too_many_redirects(server, client, policy, store):
    for i in range(10):
        server.static(f"/r{i}", b"", status=307, headers={"Location": f"/r{i + 1}"})
    result = fetch_source(client, src(server, "/r0"), store=store, policy=policy)
    assert result.outcome == "failed" and f"more than {policy.max_redirects} redirects" in result.error
    assert (
        len([s for s in server.log if s.path.startswith("/r") and s.path != "/robots.txt"]) == policy.max_redirects + 1
    )


def test_pdf_served_as_html_is_sniffed_as_pdf(server, client, policy, store, policy_pdf):
    server.static("/disguised", policy_pdf, "text/html; charset=utf-8")
    result = fetch_source(client, src(server, "/disguised"), store=store, policy=policy)
    assert result.content_type == "pdf" and result.declared_type.startswith("text/html")


def test_sniffing_ignores_headers():
    assert sniff_content_type(make_pdf("x")) == "pdf"
    assert sniff_content_type(b"\xef\xbb\xbf  <!DOCTYPE html><html></html>") == "html"
    assert sniff_content_type(b"<?xml version='1.0'?>\n<html xmlns='x'></html>") == "html"
    assert sniff_content_type(b"We will evaluate models.") == "text"
    assert sniff_content_type(b"\x89PNG\r\n\x1a\n\x00\x00") == "binary"


@pytest.mark.parametrize("declare_length", [True, False])
def test_body_over_size_cap_is_aborted(server, client, policy, store, declare_length):
    server.route("/big", lambda h: respond(h, 200, b"x" * 200_000, length=declare_length))
    small = dataclasses.replace(policy, max_bytes=50_000)
    result = fetch_source(client, src(server, "/big"), store=store, policy=small)
    assert result.outcome == "failed" and "size cap" in result.error
    assert not [p for p in store.root.rglob("*") if p.is_file()]  # nothing partial stored


def _validator_route(server, path, body, validator_header, value):
    request_header = {"ETag": "if-none-match", "Last-Modified": "if-modified-since"}[validator_header]

    def handler(h):
        if h.headers.get(request_header) == value:
            respond(h, 304, b"", None, headers={validator_header: value}, length=False)
        else:
            respond(h, 200, body, "application/pdf", headers={validator_header: value})

    server.route(path, handler)


@pytest.mark.parametrize(
    "validator,value",
    [
        ("ETag", '"abc123"'),
        ("Last-Modified", "Tue, 15 Oct 2024 08:00:00 GMT"),
    ],
)
def test_unchanged_document_costs_a_304(server, client, policy, store, policy_pdf, validator, value):
    _validator_route(server, "/cond.pdf", policy_pdf, validator, value)
    source = src(server, "/cond.pdf")
    first = fetch_source(client, source, store=store, policy=policy)
    assert first.outcome == "new"
    second = fetch_source(client, source, store=store, policy=policy, state=first.to_state())
    assert second.outcome == "not_modified" and second.status == 304
    assert second.sha256 == first.sha256 and second.size is None
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    if validator == "Last-Modified":
        assert first.published.isoformat() == "2024-10-15"  # no registry date: Last-Modified


def test_same_bytes_without_validators_is_unchanged_and_new_bytes_are_new(server, client, policy, store):
    server.static("/page", b"<html>version one</html>")
    source = src(server, "/page")
    first = fetch_source(client, source, store=store, policy=policy)
    again = fetch_source(client, source, store=store, policy=policy, state=first.to_state())
    assert again.outcome == "unchanged" and again.sha256 == first.sha256
    assert "if-none-match" not in server.requests_to("/page")[1].headers
    server.static("/page", b"<html>version two</html>")
    changed = fetch_source(client, source, store=store, policy=policy, state=again.to_state())
    assert changed.outcome == "new" and changed.sha256 != first.sha256


def test_registry_date_wins_over_last_modified(server, client, policy, store):
    import datetime as dt

    server.static("/dated", b"text", headers={"Last-Modified": "Tue, 15 Oct 2024 08:00:00 GMT"})
    result = fetch_source(client, src(server, "/dated", published=dt.date(2024, 10, 1)), store=store, policy=policy)
    assert result.published == dt.date(2024, 10, 1)


def test_robots_disallow_is_recorded_and_respected(server, client, policy, store):
    server.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.static("/private/x.pdf", b"%PDF-1.4 secret")
    server.static("/public.pdf", b"%PDF-1.4 public")
    blocked = fetch_source(client, src(server, "/private/x.pdf"), store=store, policy=policy)
    assert blocked.outcome == "failed" and "disallowed by robots.txt" in blocked.error
    assert server.requests_to("/private/x.pdf") == []
    assert fetch_source(client, src(server, "/public.pdf"), store=store, policy=policy).outcome == "new"


def test_robots_rules_for_our_agent_apply(server, client, policy, store):
    server.static("/robots.txt", b"User-agent: labwatch\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "text/plain")
    server.static("/doc", b"text")
    result = fetch_source(client, src(server, "/doc"), store=store, policy=policy)
    assert "disallowed by robots.txt" in result.error


def test_robots_server_error_means_disallow(server, client, policy, store):
    server.static("/robots.txt", b"", status=500)
    server.static("/doc", b"text")
    result = fetch_source(client, src(server, "/doc"), store=store, policy=policy)
    assert result.outcome == "failed" and "robots.txt" in result.error


def test_crawl_keeps_order_reads_robots_once_and_survives_failures(server, client, policy, store):
    server.static("/robots.txt", b"User-agent: *\nDisallow: /no/\n", "text/plain")
    for i in range(4):
        server.static(f"/d{i}", f"document {i}".encode())
    sources = [src(server, f"/d{i}", document=f"d{i}") for i in range(4)]
    sources.insert(2, src(server, "/gone", document="gone"))
    seen = []
    results = crawl(sources, client, {}, policy, store, on_result=seen.append)
    assert [r.document for r in results] == ["d0", "d1", "gone", "d2", "d3"]
    assert [r.outcome for r in results] == ["new", "new", "failed", "new", "new"]
    assert sorted(r.document for r in seen) == sorted(r.document for r in results)
    assert len(server.requests_to("/robots.txt")) == 1


def test_crawl_uses_states_for_conditional_requests(server, client, policy, store, policy_pdf):
    _validator_route(server, "/c.pdf", policy_pdf, "ETag", '"e1"')
    source = src(server, "/c.pdf")
    first = crawl([source], client, {}, policy, store)[0]
    second = crawl([source], client, {source.url: first.to_state()}, policy, store)[0]
    assert second.outcome == "not_modified"
    assert server.requests_to("/c.pdf")[-1].headers["if-none-match"] == '"e1"'


def test_per_host_delay_spaces_requests(server, client, policy, store):
    for i in range(3):
        server.static(f"/p{i}", b"x")
    polite = dataclasses.replace(policy, host_delay=0.25, max_concurrency=3)
    crawl([src(server, f"/p{i}", document=f"p{i}") for i in range(3)], client, {}, polite, store)
    times = sorted(s.at for s in server.log)  # robots.txt + 3 documents, same host
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 4 and min(gaps) >= 0.2


def test_global_concurrency_is_bounded(server, client, policy, store):
    def slowish(h):
        time.sleep(0.15)
        respond(h, 200, b"x")

    for i in range(6):
        server.route(f"/s{i}", slowish)
    crawl(
        [src(server, f"/s{i}", document=f"s{i}") for i in range(6)],
        client,
        {},
        dataclasses.replace(policy, max_concurrency=2),
        store,
    )
    assert server.max_in_flight == 2
    server.reset()
    for i in range(6):
        server.route(f"/s{i}", slowish)
    crawl(
        [src(server, f"/s{i}", document=f"s{i}") for i in range(6)],
        client,
        {},
        dataclasses.replace(policy, max_concurrency=4),
        store,
    )
    assert server.max_in_flight > 2


def test_injected_transport_faults_are_retried_then_reported(policy, store):
    attempts = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as mocked:
        result = fetch_source(
            mocked,
            Source("lab", "https://policies.example/fw.pdf", "fw"),
            store=store,
            policy=dataclasses.replace(policy, respect_robots=False),
        )
    assert result.outcome == "failed" and "connection failed" in result.error
    assert attempts == ["/fw.pdf"] * (policy.retries + 1)
