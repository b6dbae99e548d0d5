"""Fetching sources over HTTP, politely and defensively.

The caller owns the ``httpx.Client`` (tests inject transports or point it at a loopback
server); it must not follow redirects itself: ``request`` follows them hop by hop so that the
address guard and robots.txt apply to every hop. Everything a remote server can get wrong
(status, timeouts, size, robots, redirects, unsafe addresses) ends as a ``failed`` FetchResult
with a reason, never as an exception out of ``fetch_source`` or ``crawl``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx

from labwatch.corpus.exceptions import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HostLookupError,
    RedirectError,
    RobotsDisallowed,
    SizeLimitExceeded,
)
from labwatch.corpus.netguard import PinnedBackend, blocked_reason, check_url
from labwatch.corpus.politeness import HostThrottle, RobotsCache
from labwatch.corpus.proxies import PROXIED, ProxyRouting, environment_proxies
from labwatch.corpus.records import FetchPolicy, FetchResult, FetchState, Source
from labwatch.corpus.snapshots import SnapshotStore

log = logging.getLogger(__name__)

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to parse at least 500 KiB


@dataclass(frozen=True, slots=True)
class Exchange:
    """The last response of a request after redirects: final URL, status, headers, body."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes


class CrawlContext:
    """What the threads of one crawl share: the robots.txt cache and the per-host throttle."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy
        self.robots = RobotsCache(policy.user_agent)
        self.throttle = HostThrottle(policy.host_delay)


def make_client(policy: FetchPolicy | None = None) -> httpx.Client:
    """An httpx.Client suited to ``request``: no automatic redirects, our User-Agent, the
    policy's timeouts, and connections pinned to checked addresses (``PinnedBackend`` with the
    policy's ``allow_private`` and ``resolve``). Callers own it (use it as a context manager).

    Proxies from the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``)
    are used through ``proxies.ProxyRouting``: every hop's host is still checked by ``request``
    before anything is sent, and hosts ``NO_PROXY`` names go through the pinned connection."""
    policy = policy or FetchPolicy()
    transport = httpx.HTTPTransport()
    # httpx takes no network backend of its own; its pool does (httpcore's public parameter)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=PinnedBackend(allow_private=policy.allow_private, resolve=policy.resolve),
    )
    proxies = environment_proxies()
    return httpx.Client(
        follow_redirects=False,
        headers={"User-Agent": policy.user_agent},
        timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
        transport=ProxyRouting(transport, proxies) if proxies else transport,
        trust_env=False,  # the environment's proxies are ours to route (above), not httpx's
    )


def sniff_content_type(data: bytes) -> str:
    """``pdf``, ``html``, ``text`` or ``binary``, from the bytes alone (headers lie)."""
    head = data[:1024]
    if b"%PDF-" in head:  # the PDF header may follow a little junk
        return "pdf"
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lead.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in lead:
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


def request(
    client: httpx.Client,
    url: str,
    *,
    policy: FetchPolicy,
    context: CrawlContext | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    read_body: bool = True,
    check_robots: bool = True,
    max_bytes: int | None = None,
) -> Exchange:
    """Request ``url``, following up to ``policy.max_redirects`` redirects with every hop
    checked by the address guard and robots.txt. Returns the final response (any status,
    after retries); raises a FetchError subclass when no usable response was obtained."""
    context = context or CrawlContext(policy)
    current, seen = url, {urldefrag(url)[0]}
    for _ in range(policy.max_redirects + 1):
        check_url(current, allow_private=policy.allow_private, resolve=policy.resolve)
        if check_robots and policy.respect_robots and not _robots_allow(client, current, context):
            raise RobotsDisallowed(current, f"disallowed by robots.txt: {current}")
        exchange = _send(client, method, current, headers, context, read_body, max_bytes)
        if exchange.status not in REDIRECT_CODES:
            return exchange
        location = exchange.headers.get("location", "").strip()
        if not location:
            raise RedirectError(url, f"{current}: HTTP {exchange.status} redirect without Location")
        current = urldefrag(urljoin(current, location))[0]
        if current in seen:
            raise RedirectError(url, f"{url}: redirect loop (back to {current})")
        seen.add(current)
        if exchange.status == 303 and method != "HEAD":
            method = "GET"
    raise RedirectError(url, f"{url}: more than {policy.max_redirects} redirects")


def _robots_allow(client: httpx.Client, url: str, context: CrawlContext) -> bool:
    def load(robots_url: str) -> tuple[int | None, bytes]:
        try:
            got = request(
                client,
                robots_url,
                policy=context.policy,
                context=context,
                check_robots=False,
                max_bytes=ROBOTS_MAX_BYTES,
            )
        except FetchError as err:
            log.info("robots.txt unavailable, treating host as disallowed: %s", err)
            return None, b""
        return got.status, got.body

    return context.robots.allows(url, load)


def _send(client, method, url, headers, context, read_body, max_bytes) -> Exchange:
    """One hop, with retries on timeouts, connection errors, 429 and 5xx."""
    policy = context.policy
    host = urlsplit(url).netloc.lower()
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    sent = {"User-Agent": policy.user_agent, **(headers or {})}
    attempts = max(1, policy.retries + 1)
    problem = "no attempt made"
    for attempt in range(attempts):
        context.throttle.wait(host)
        last = attempt == attempts - 1
        try:
            with client.stream(method, url, headers=sent, timeout=timeout, follow_redirects=False) as resp:
                _check_peer(resp, url, policy)
                status = resp.status_code
                retryable = status == 429 or status >= 500
                pause = _retry_delay(resp.headers, attempt, policy) if retryable and not last else None
                if pause is None:
                    wants_body = read_body and method != "HEAD" and status not in REDIRECT_CODES
                    body = _read_capped(resp, url, policy, max_bytes) if wants_body else b""
                    return Exchange(url, status, resp.headers, body)
                problem = f"HTTP {status}"
        except httpx.TimeoutException as err:
            problem, pause = f"timed out ({type(err).__name__})", _backoff(attempt, policy)
        except httpx.TransportError as err:
            problem, pause = f"connection failed ({type(err).__name__}: {err})", _backoff(attempt, policy)
        except httpx.InvalidURL as err:
            raise FetchError(url, f"{url}: invalid URL ({err})") from None
        except (BlockedAddress, HostLookupError) as err:  # refused inside the connection (PinnedBackend)
            raise type(err)(url, f"{url}: {err.reason.split(': ', 1)[-1]} (at connection; nothing sent)") from None
        if not last:
            log.info("retrying %s in %.1fs after %s", url, pause, problem)
            time.sleep(pause)
    raise FetchTimeout(url, f"{url}: {problem} on all {attempts} attempts")


def _check_peer(resp: httpx.Response, url: str, policy: FetchPolicy) -> None:
    """Refuse a response from a non-public peer even if DNS said otherwise a moment earlier."""
    if policy.allow_private or not policy.check_peer or PROXIED in resp.extensions:
        return  # through a proxy the peer is the proxy, which the operator chose
    stream = resp.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer:
        reason = blocked_reason(str(peer[0]))
        if reason:
            raise BlockedAddress(url, f"{url}: connection reached {peer[0]} ({reason}); refused")


def _backoff(attempt: int, policy: FetchPolicy) -> float:
    return min(policy.backoff * (2**attempt), policy.max_backoff)


def _retry_delay(headers: httpx.Headers, attempt: int, policy: FetchPolicy) -> float | None:
    """Seconds to wait before the next attempt; None when Retry-After asks for longer than
    ``max_retry_after`` (retrying early would be rude, so the attempt is the final answer)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return _backoff(attempt, policy)
    if value.isdigit():
        seconds = float(value)
    else:
        when = _parse_http_date(value)
        if when is None:
            return _backoff(attempt, policy)
        seconds = max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    return seconds if seconds <= policy.max_retry_after else None


def _read_capped(resp: httpx.Response, url: str, policy: FetchPolicy, max_bytes: int | None) -> bytes:
    cap = max_bytes if max_bytes is not None else policy.max_bytes
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise SizeLimitExceeded(url, f"{url}: body of {declared} bytes exceeds the {cap}-byte size cap")
    deadline = time.monotonic() + policy.total_timeout
    chunks, total = [], 0
    for chunk in resp.iter_bytes():  # decoded bytes: a compressed bomb is capped too
        total += len(chunk)
        if total > cap:
            raise SizeLimitExceeded(url, f"{url}: body exceeds the {cap}-byte size cap (aborted)")
        if time.monotonic() > deadline:
            raise FetchTimeout(url, f"{url}: download took longer than {policy.total_timeout}s")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def conditional_headers(state: FetchState | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the previous fetch, so unchanged costs a 304."""
    headers: dict[str, str] = {}
    if state is not None and state.sha256:
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
    return headers


def failed_result(
    source: Source, fetched_at: dt.datetime, error: str, status: int | None = None, final_url: str | None = None
) -> FetchResult:
    """A ``failed`` FetchResult for ``source`` with the reason."""
    return FetchResult(
        lab=source.lab,
        document=source.document,
        url=source.url,
        final_url=final_url,
        outcome="failed",
        status=status,
        fetched_at=fetched_at,
        error=error,
        title=source.title,
        published=source.published,
    )


def result_from_exchange(
    source: Source, exchange: Exchange, *, state: FetchState | None, store: SnapshotStore, fetched_at: dt.datetime
) -> FetchResult:
    """Turn a final response into a FetchResult, storing a 200 body as a snapshot."""
    status, hdrs = exchange.status, exchange.headers
    if status == 304 and state is not None and state.sha256:
        etag, modified = hdrs.get("etag") or state.etag, hdrs.get("last-modified") or state.last_modified
        outcome, sha, size, sniffed = "not_modified", state.sha256, None, None
    elif status == 200:
        sha = store.put(exchange.body)
        etag, modified, size = hdrs.get("etag"), hdrs.get("last-modified"), len(exchange.body)
        outcome = "unchanged" if state is not None and state.sha256 == sha else "new"
        sniffed = sniff_content_type(exchange.body)
    else:
        return failed_result(source, fetched_at, f"{exchange.url}: HTTP {status}", status, exchange.url)
    modified_at = _parse_http_date(modified)
    return FetchResult(
        lab=source.lab,
        document=source.document,
        url=source.url,
        final_url=exchange.url,
        outcome=outcome,
        status=status,
        content_type=sniffed,
        declared_type=hdrs.get("content-type"),
        sha256=sha,
        size=size,
        etag=etag,
        last_modified=modified,
        fetched_at=fetched_at,
        title=source.title,
        published=source.published or (modified_at.date() if modified_at else None),
    )


def fetch_source(
    client: httpx.Client,
    source: Source,
    *,
    store: SnapshotStore,
    state: FetchState | None = None,
    policy: FetchPolicy = FetchPolicy(),
    context: CrawlContext | None = None,
) -> FetchResult:
    """Fetch one source (conditionally when ``state`` has validators) and store its bytes.

    Never raises for anything the network or the server does: the result's ``outcome`` is
    ``new``, ``unchanged``, ``not_modified`` or ``failed`` with ``error`` set.
    """
    fetched_at = dt.datetime.now(dt.UTC)
    try:
        exchange = request(client, source.url, policy=policy, context=context, headers=conditional_headers(state))
    except FetchError as err:
        return failed_result(source, fetched_at, str(err))
    return result_from_exchange(source, exchange, state=state, store=store, fetched_at=fetched_at)


def crawl(
    sources: Sequence[Source],
    client: httpx.Client,
    states: Mapping[str, FetchState],
    policy: FetchPolicy,
    store: SnapshotStore,
    on_result: Callable[[FetchResult], None] | None = None,
    context: CrawlContext | None = None,
) -> list[FetchResult]:
    """Fetch every source with at most ``policy.max_concurrency`` threads; results come back
    in the order of ``sources``. ``states`` maps a URL to its previous FetchState.
    ``on_result`` is called in the calling thread as each fetch finishes (for progress)."""
    context = context or CrawlContext(policy)
    results: list[FetchResult | None] = [None] * len(sources)
    with ThreadPoolExecutor(max_workers=max(1, policy.max_concurrency)) as pool:
        futures = {
            pool.submit(
                fetch_source, client, source, store=store, state=states.get(source.url), policy=policy, context=context
            ): i
            for i, source in enumerate(sources)
        }
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except Exception as err:  # a bug or a disk error on one source must not stop the crawl
                log.exception("fetching %s failed unexpectedly", sources[i].url)
                result = failed_result(
                    sources[i], dt.datetime.now(dt.UTC), f"{sources[i].url}: unexpected {type(err).__name__}: {err}"
                )
            results[i] = result
            if on_result is not None:
                on_result(result)
    return [r for r in results if r is not None]
