"""History backfill from the Internet Archive: earlier captures of a source as dated versions.

The CDX index lists captures (timestamp, original URL, content digest); each capture's raw
bytes come from its ``id_`` URL, which the archive serves unmodified. Captures already in
``seen`` (by timestamp or digest) are skipped, so an interrupted backfill resumes where it
stopped. Requests go through the same guards and per-host delay as a crawl.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import httpx

from labwatch.corpus.exceptions import BackfillError, FetchError
from labwatch.corpus.fetcher import CrawlContext, failed_result, request, sniff_content_type
from labwatch.corpus.records import FetchPolicy, FetchResult, Source
from labwatch.corpus.snapshots import SnapshotStore

WAYBACK = "https://web.archive.org"
CDX_FIELDS = "timestamp,original,digest,statuscode,mimetype"
_ID_URL = re.compile(r"^/web/(\d{8,14})(?:[a-z]{2}_)?/(.+)$")


@dataclass(frozen=True, slots=True)
class Capture:
    """One archived capture of a URL."""

    timestamp: str  # YYYYMMDDhhmmss
    original: str
    url: str  # the id_ URL that returns the archived bytes unchanged
    digest: str | None = None
    mimetype: str | None = None

    @property
    def date(self) -> dt.date:
        """The capture's date (UTC)."""
        return dt.date(int(self.timestamp[:4]), int(self.timestamp[4:6]), int(self.timestamp[6:8]))


def capture_url(cdx_base: str, timestamp: str, original: str) -> str:
    """The ``id_`` URL of a capture: the archived bytes without the archive's banner."""
    return f"{cdx_base.rstrip('/')}/web/{timestamp}id_/{original}"


def list_captures(
    client: httpx.Client, url: str, *, cdx_base: str = WAYBACK, policy: FetchPolicy, context: CrawlContext | None = None
) -> list[Capture]:
    """Distinct 200 captures of ``url`` in the CDX index, oldest first. Raises BackfillError."""
    query = httpx.URL(
        f"{cdx_base.rstrip('/')}/cdx/search/cdx",
        params={"url": url, "output": "json", "fl": CDX_FIELDS, "filter": "statuscode:200", "collapse": "digest"},
    )
    try:
        got = request(client, str(query), policy=policy, context=context)
    except FetchError as err:
        raise BackfillError(f"{url}: capture index unavailable: {err}") from None
    if got.status != 200:
        raise BackfillError(f"{url}: capture index answered HTTP {got.status}")
    if not got.body.strip():
        return []
    try:
        rows = json.loads(got.body)
        if rows == []:
            return []
        header, body = rows[0], rows[1:]
        col = {name: header.index(name) for name in ("timestamp", "original")}
        opt = {name: header.index(name) for name in ("digest", "mimetype") if name in header}
        captures = [
            Capture(
                row[col["timestamp"]],
                row[col["original"]],
                capture_url(cdx_base, row[col["timestamp"]], row[col["original"]]),
                *(row[opt[n]] if n in opt else None for n in ("digest", "mimetype")),
            )
            for row in body
        ]
    except (ValueError, TypeError, IndexError, AttributeError) as err:
        raise BackfillError(f"{url}: capture index is not CDX JSON ({type(err).__name__}: {err})") from None
    bad = [c.timestamp for c in captures if not re.fullmatch(r"\d{8,14}", c.timestamp)]
    if bad:
        raise BackfillError(f"{url}: capture index has malformed timestamps {bad[:3]}")
    return sorted(captures, key=lambda c: c.timestamp)


def registry_captures(source: Source) -> list[Capture]:
    """Captures named in the registry's ``archived:`` list of ``id_`` URLs."""
    captures = []
    for url in source.archived:
        match = _ID_URL.match(urlsplit(url).path)
        if match:
            captures.append(Capture(match.group(1), match.group(2), url))
    return captures


def _fetch_capture(client, source, capture, *, policy, store, context) -> FetchResult:
    fetched_at = dt.datetime.now(dt.UTC)
    try:
        got = request(client, capture.url, policy=policy, context=context)
    except FetchError as err:
        result = failed_result(source, fetched_at, str(err), final_url=capture.url)
    else:
        if got.status == 200:
            result = _stored_result(source, got, store, fetched_at)
        else:
            result = failed_result(source, fetched_at, f"{capture.url}: HTTP {got.status}", got.status, got.url)
    return replace(result, published=capture.date, archive_timestamp=capture.timestamp, archive_digest=capture.digest)


def _stored_result(source: Source, got, store: SnapshotStore, fetched_at: dt.datetime) -> FetchResult:
    sha = hashlib.sha256(got.body).hexdigest()
    outcome = "unchanged" if store.has(sha) else "new"
    store.put(got.body)
    return FetchResult(
        lab=source.lab,
        document=source.document,
        url=source.url,
        final_url=got.url,
        outcome=outcome,
        status=got.status,
        content_type=sniff_content_type(got.body),
        declared_type=got.headers.get("content-type"),
        sha256=sha,
        size=len(got.body),
        last_modified=got.headers.get("x-archive-orig-last-modified"),
        fetched_at=fetched_at,
        title=source.title,
    )


def backfill_source(
    client: httpx.Client,
    source: Source,
    *,
    cdx_base: str = WAYBACK,
    policy: FetchPolicy,
    store: SnapshotStore,
    seen: set[str],
    context: CrawlContext | None = None,
    limit: int | None = None,
) -> list[FetchResult]:
    """Fetch the archived captures of ``source`` not yet in ``seen``, oldest first, each as a
    FetchResult dated (``published``) by its capture and stored in ``store``.

    Captures come from the CDX index and the registry's ``archived`` list. ``seen`` holds
    capture timestamps and digests already ingested; it is updated in place with those fetched
    successfully, so persisting it makes the backfill resumable. ``outcome`` is ``new`` when
    the bytes were not yet in the store, else ``unchanged``. At most ``limit`` captures are
    fetched. Raises BackfillError when the capture index cannot be read.
    """
    context = context or CrawlContext(policy)
    captures = {c.timestamp: c for c in registry_captures(source)}
    captures.update(
        {c.timestamp: c for c in list_captures(client, source.url, cdx_base=cdx_base, policy=policy, context=context)}
    )
    results = []
    for capture in sorted(captures.values(), key=lambda c: c.timestamp):
        if capture.timestamp in seen or (capture.digest and capture.digest in seen):
            continue
        if limit is not None and len(results) >= limit:
            break
        result = _fetch_capture(client, source, capture, policy=policy, store=store, context=context)
        if result.ok:
            seen.add(capture.timestamp)
            if capture.digest:
                seen.add(capture.digest)
        results.append(result)
    return results
