"""Typed records of the crawl stage: what the registry declares and what a fetch returned.

registry -> LabSources(Source..., DiscoverEntry...)
fetch    -> FetchResult (bytes go to the SnapshotStore, keyed by ``sha256``)
next run <- FetchState (validators of the previous fetch, for conditional requests)

Plain frozen dataclasses: hashable, picklable, cheap to store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

SOURCE_KINDS = ("auto", "pdf", "html")
DISCOVER_KINDS = ("auto", "html", "sitemap", "feed")
OUTCOMES = ("new", "unchanged", "not_modified", "failed")

DEFAULT_USER_AGENT = "labwatch/0.1 (+https://github.com/labwatch; policy tracker)"


@dataclass(frozen=True, slots=True)
class Source:
    """One URL of one lab's document. ``document`` is the identity shared by its versions/formats.

    ``archived`` lists web-archive ``id_`` capture URLs known for this source (used by backfill);
    ``changelog`` is an optional URL of the lab's own account of revisions; ``supersedes`` names
    the lab's document this one succeeds (its first version is compared with that one's last).
    Per-source rules:
    ``check_every`` (a crawl skips the source until that long after its last fetch) and CSS
    selectors for an HTML page's main content, ``select`` (keep only these) and ``remove``.
    """

    lab: str
    url: str
    document: str
    title: str | None = None
    kind: str = "auto"  # auto | pdf | html
    published: dt.date | None = None
    archived: tuple[str, ...] = ()
    changelog: str | None = None
    supersedes: str | None = None
    check_every: dt.timedelta | None = None
    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscoverEntry:
    """A listing page, sitemap or feed whose links (path matching ``follow``) are new sources.

    Links are kept only on the entry's own host, or on the hosts listed in ``hosts``.
    """

    lab: str
    url: str
    follow: str  # regex, searched in the linked URL's path
    kind: str = "auto"  # auto | html | sitemap | feed
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabSources:
    """Everything one registry file declares about one lab."""

    lab: str
    name: str
    sources: tuple[Source, ...]
    discover: tuple[DiscoverEntry, ...] = ()
    path: str | None = None  # the YAML file it was read from


@dataclass(frozen=True, slots=True)
class FetchState:
    """What the previous successful fetch of ``url`` returned: enough for a conditional request."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of fetching one source.

    outcome: ``new`` (bytes differ from the previous state, or first fetch), ``unchanged`` (200
    with the same bytes), ``not_modified`` (304; ``sha256`` is the previous state's) or
    ``failed`` (``error`` says why; ``status`` is the last HTTP status if any).
    ``content_type`` is sniffed from the bytes (``pdf`` | ``html`` | ``text`` | ``binary``, the
    same names as ``ParsedDocument.format``); ``declared_type`` is the Content-Type header.
    ``published`` is the registry's date, else the Last-Modified date (for backfill: the
    capture date). ``archive_*`` are set on web-archive captures only.
    """

    lab: str
    document: str
    url: str
    final_url: str | None
    outcome: str
    status: int | None = None
    content_type: str | None = None
    declared_type: str | None = None
    sha256: str | None = None
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime | None = None
    error: str | None = None
    title: str | None = None
    published: dt.date | None = None
    archive_timestamp: str | None = None
    archive_digest: str | None = None

    @property
    def ok(self) -> bool:
        """True unless the fetch failed."""
        return self.outcome != "failed"

    def to_state(self) -> FetchState | None:
        """The FetchState to pass to the next fetch of this URL (None for a failed fetch)."""
        if not self.ok:
            return None
        return FetchState(self.url, self.etag, self.last_modified, self.sha256)


Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How politely and how defensively to fetch.

    Times are seconds. ``host_delay`` is the minimum gap between two requests to one host;
    ``max_concurrency`` bounds parallel fetches overall. Retries (timeouts, connection errors,
    429 and 5xx) back off exponentially from ``backoff`` up to ``max_backoff``; a Retry-After
    header is honoured up to ``max_retry_after``. ``resolve`` replaces DNS resolution in the
    address guard (host, port -> IP strings); None means socket.getaddrinfo. ``check_peer``
    also checks the address the connection actually reached (closes the DNS-rebinding gap
    between the guard's lookup and the client's; turn off behind a proxy on a private address).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 300.0
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_retry_after: float = 60.0
    host_delay: float = 1.0
    max_concurrency: int = 4
    max_redirects: int = 5
    max_bytes: int = 50 * 1024 * 1024
    allow_private: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    respect_robots: bool = True
    check_peer: bool = True
    resolve: Resolver | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether one registry URL answers: for ``labwatch sources check``."""

    lab: str
    document: str
    url: str
    ok: bool
    status: int | None
    final_url: str | None
    method: str | None  # "HEAD" or "GET" (the one that gave the answer)
    error: str | None = None
