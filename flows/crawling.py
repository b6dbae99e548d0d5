"""`labwatch crawl`, `sources check` and `ingest URL`: the crawl library wired to the warehouse.

Fetching is `labwatch.corpus`; this module only loads previous fetch states from the warehouse,
records every fetch, and sends bytes that no version was derived from yet through the same
derive-and-store path as `labwatch run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from labwatch.corpus.backfill import WAYBACK, backfill_source
from labwatch.corpus.discovery import discover
from labwatch.corpus.exceptions import CorpusError, FetchError
from labwatch.corpus.fetcher import CrawlContext, crawl, fetch_source, make_client
from labwatch.corpus.records import FetchPolicy, FetchResult, FetchState, Source
from labwatch.corpus.registry import DEFAULT_SOURCES_DIR, check_registry_online, load_registry
from labwatch.corpus.snapshots import SnapshotStore
from labwatch.extractors.records import HtmlRules
from labwatch.flows import models
from labwatch.flows.pipeline import Item, signature_with
from labwatch.flows.run import RunSummary, deriver_for, notify_changes, rubric_rows, run_items
from labwatch.warehouse import crawl_log, store
from labwatch.warehouse.db import Warehouse


@dataclass
class CrawlSummary(RunSummary):
    """What a crawl did: the run's summary (``RunSummary``, fetch failures included in
    ``failures`` and ``failed``) and what was fetched. ``as_dict`` gives the keys of `labwatch
    crawl --format json` and of the run record, in that order."""

    sources: int = 0  # fetched (or asked) this time; those not due are counted in not_due
    fetched: int = 0  # new bodies
    unchanged_fetches: int = 0  # same bytes, or 304 Not Modified
    archived_captures: int = 0  # earlier captures from the web archive (--backfill)
    fetch_failures: int = 0
    not_due: int = 0  # skipped: their check_every has not passed since the last fetch
    status: str = "ok"  # crawl_status: ok, partial or failed


def previous_states(wh: Warehouse) -> tuple[dict[str, FetchState], set[str]]:
    """Latest successful fetch state per URL, and the archive captures already fetched."""
    if not wh.exists:
        return {}, set()
    with wh.read() as con:
        return crawl_log.latest_fetch_states(con), crawl_log.archived_captures(con)


def derived_snapshots(wh: Warehouse) -> set[tuple[str, str]]:
    """(snapshot hash, signature) of every stored version: a snapshot counts as derived when its
    version's signature is the one its source's rules and the current pipeline give."""
    if not wh.exists:
        return set()
    with wh.read() as con:
        return crawl_log.derived_snapshots(con)


def record_fetches(wh: Warehouse, run_id: str, results: list[FetchResult], *, allow_private: bool = False) -> None:
    """Record every fetch of the run, and each failed one as a failure of the run."""
    if not results:
        return
    with wh.write() as con:
        crawl_log.record_fetches(con, run_id, results)
        for r in results:
            if not r.ok:
                store.record_failure(con, run_id, "fetch", r.url, fetch_reason(r, allow_private), r.lab, r.document)


def fetch_reason(result: FetchResult, allow_private: bool) -> str:
    """The one line recorded for a failed fetch: the URL once, then why; a refusal of a loopback
    or private address names the option that allows it (a local test site, an intranet mirror)."""
    error = result.error or "failed"
    reason = error if error.startswith(result.url) else f"{result.url}: {error}"
    if not allow_private and error.endswith("; refused"):
        reason += " (pass --allow-private to fetch loopback and private addresses)"
    return reason


def crawl_sources(
    wh: Warehouse,
    *,
    lab: str | None = None,
    sources_dir: Path | None = None,
    policy: FetchPolicy | None = None,
    backfill: bool = False,
    cdx_base: str = WAYBACK,
    derive=None,
    model: str = models.DEFAULT_MODEL,
    progress=None,
    force: bool = False,
) -> CrawlSummary:
    """Fetch the registry (and what its discover entries list), then derive new snapshots.

    Sources with a ``check_every`` fetched less than that long ago are skipped (``not_due``)
    unless ``force``. Stored snapshots of the registry's documents whose versions were derived
    under other rules (or an older pipeline) are re-derived in place (``rederived``).
    """
    policy = policy or FetchPolicy()
    registry = load_registry(sources_dir or DEFAULT_SOURCES_DIR)
    if lab:
        registry = [r for r in registry if r.lab == lab]
        if not registry:
            raise CorpusError(f"no lab {lab!r} in the registry {sources_dir or DEFAULT_SOURCES_DIR}")
    names = {r.lab: r.name for r in registry}
    store_ = SnapshotStore(wh.snapshot_dir)
    states, seen = previous_states(wh)
    problems: list[FetchResult] = []
    with make_client(policy) as client:
        context = CrawlContext(policy)
        sources = [s for r in registry for s in r.sources]
        known = {s.url for s in sources}
        for r in registry:
            for entry in r.discover:
                try:
                    for s in discover(client, entry, policy, context=context):
                        if s.url not in known:
                            known.add(s.url)
                            sources.append(s)
                except FetchError as exc:
                    problems.append(
                        FetchResult(
                            lab=r.lab,
                            document="(discover)",
                            url=entry.url,
                            final_url=None,
                            outcome="failed",
                            error=f"discover: {exc}",
                        )
                    )
        done = [0]

        def on_result(res: FetchResult) -> None:
            done[0] += 1
            if progress:
                progress(done[0], len(sources), res.url)

        every = list(sources)
        sources, waiting = (sources, []) if force else split_due(wh, sources)
        results = crawl(sources, client, states, policy, store_, on_result=on_result, context=context)
        archived: list[FetchResult] = []
        if backfill:
            for i, s in enumerate(sources):
                if progress:
                    progress(i, len(sources), f"backfill {s.url}")
                try:
                    archived += backfill_source(
                        client, s, cdx_base=cdx_base, policy=policy, store=store_, seen=seen, context=context
                    )
                except CorpusError as exc:
                    problems.append(
                        FetchResult(
                            lab=s.lab,
                            document=s.document,
                            url=s.url,
                            final_url=None,
                            outcome="failed",
                            error=f"backfill: {exc}",
                        )
                    )
    all_results = results + archived + problems
    # --- announcements (change_detection): remember which documents name a change-log page ---
    from labwatch.flows.change_detection import record_changelog_links, refresh_linked_changes

    record_changelog_links(wh, sources)
    from labwatch.flows.succession import record_links, registry_links  # supersedes: declared links

    record_links(wh, registry_links(registry), origin="registry", scope={(s.lab, s.document) for s in sources})
    started = store.now()
    # --- end announcements ---
    signature = models.versions(model).signature
    have = derived_snapshots(wh)
    rules = document_rules(every)
    items, queued = [], set()
    for r in sorted(
        (r for r in results + archived if r.ok and r.sha256), key=lambda r: (r.published is None, r.published or 0)
    ):
        key = (r.lab, r.document, r.sha256)
        doc_rules = rules.get((r.lab, r.document))
        if (r.sha256, signature_with(signature, doc_rules)) in have or key in queued or not store_.has(r.sha256):
            continue
        queued.add(key)
        items.append(
            Item(
                lab=r.lab,
                document_id=r.document,
                data=None,
                blob=store_.path(r.sha256),
                size=r.size or 0,
                _sha256=r.sha256,
                source=r.url,
                published=r.published,
                title=r.title,
                url=r.url,
                lab_name=names.get(r.lab),
                content_type=r.content_type,
                rules=doc_rules,
            )
        )
    items += stale_snapshot_items(wh, store_, every, rules, signature, queued, names)
    if derive is None:
        derive = lambda batch: deriver_for(wh, model, models.DEFAULT_RUBRIC).derive_batch(batch)  # noqa: E731
    run = run_items(
        wh,
        items,
        kind="crawl",
        args={"lab": lab, "backfill": backfill},
        derive=derive,
        rubric_rows=rubric_rows(models.DEFAULT_RUBRIC),
        publish=False,
    )
    record_fetches(wh, run.run_id, all_results, allow_private=policy.allow_private)
    # --- announcements, feeds and alerts (change_detection, flows/feeds.py): after new versions only ---
    if run.new_versions:
        refresh_linked_changes(wh, {s.lab for s in sources})  # a new change-log page may announce old changes
        run.notifications = notify_changes(wh, run.run_id, since=started)
    # --- end feeds and alerts ---
    fetch_failures = [
        {"source": r.url, "stage": "fetch", "reason": fetch_reason(r, policy.allow_private)}
        for r in all_results
        if not r.ok
    ]
    fetches = {
        "sources": len(results),
        "fetched": sum(r.outcome == "new" for r in results),
        "unchanged_fetches": sum(r.outcome in ("unchanged", "not_modified") for r in results),
        "archived_captures": len(archived),
        "fetch_failures": len(fetch_failures),
        "not_due": len(waiting),
    }
    failed = run.failed + len(fetch_failures)
    summary = CrawlSummary(
        **{**run.as_dict(), "failures": fetch_failures + run.failures, "failed": failed},
        **fetches,
        status=crawl_status({**fetches, "failed": failed}),
    )
    with wh.write() as con:  # the run record holds the fetch failures too, as `status` shows them
        store.finish_run(con, summary.run_id, summary.status, summary.as_dict(), summary.failed)
    return summary


def crawl_status(summary: Mapping) -> str:
    """'ok' when nothing failed, 'failed' when no source was fetched, else 'partial'."""
    if not summary["failed"]:
        return "ok"
    succeeded = summary["fetched"] + summary["unchanged_fetches"] + summary["archived_captures"]
    return "partial" if succeeded else "failed"


def split_due(wh: Warehouse, sources: list[Source]) -> tuple[list[Source], list[Source]]:
    """Sources to fetch now, and those whose ``check_every`` has not passed since their last fetch."""
    timed = [s for s in sources if s.check_every]
    if not timed or not wh.exists:
        return list(sources), []
    with wh.read() as con:
        last = crawl_log.last_fetched(con)
    now = store.now()
    due, waiting = [], []
    for s in sources:
        seen = last.get(s.url)
        if s.check_every and seen is not None and now - _naive_utc(seen) < s.check_every:
            waiting.append(s)
        else:
            due.append(s)
    return due, waiting


def _naive_utc(stamp):
    from datetime import UTC

    return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp


def document_rules(sources: list[Source]) -> dict[tuple[str, str], HtmlRules]:
    """The HTML rules of each (lab, document) whose registry source has any."""
    out: dict[tuple[str, str], HtmlRules] = {}
    for s in sources:
        if (s.select or s.remove) and (s.lab, s.document) not in out:
            out[(s.lab, s.document)] = HtmlRules(select=s.select, remove=s.remove)
    return out


def stale_snapshot_items(wh, store_, sources, rules, signature, queued, names) -> list[Item]:
    """Items re-deriving the stored snapshots of the registry's documents whose versions carry
    another signature (rules changed, or the pipeline was upgraded): one snapshot per version,
    its latest, so every version is rebuilt in place from bytes already on disk."""
    if not wh.exists:
        return []
    docs = {(s.lab, s.document): s for s in sources}
    with wh.read() as con:
        rows = crawl_log.latest_version_snapshots(con)
    items = []
    for lab, doc, sha, version_signature, published, title, source in rows:
        if (lab, doc) not in docs or (lab, doc, sha) in queued or not store_.has(sha):
            continue
        doc_rules = rules.get((lab, doc))
        if version_signature == signature_with(signature, doc_rules):
            continue
        queued.add((lab, doc, sha))
        s = docs[(lab, doc)]
        items.append(
            Item(
                lab=lab,
                document_id=doc,
                data=None,
                blob=store_.path(sha),
                size=store_.path(sha).stat().st_size,
                _sha256=sha,
                source=source or s.url,
                published=published,
                title=title,
                url=s.url,
                lab_name=names.get(lab),
                rules=doc_rules,
            )
        )
    return items


def check_sources(sources: Path | None, *, online: bool, allow_private: bool = False) -> dict:
    """`labwatch sources check`: the registry's counts (it is valid, or this raises a
    RegistryError naming file and key) and, with ``online``, whether each URL answers
    (``checks``; a refused private address names --allow-private)."""
    registry = load_registry(sources or DEFAULT_SOURCES_DIR)
    n = sum(len(r.sources) for r in registry)
    doc: dict = {"labs": len(registry), "sources": n, "discover": sum(len(r.discover) for r in registry), "valid": True}
    every = [s for r in registry for s in r.sources]
    doc["with_selectors"] = sum(1 for s in every if s.select or s.remove)
    doc["with_interval"] = sum(1 for s in every if s.check_every)
    if online:
        policy = FetchPolicy(allow_private=allow_private, retries=1)
        with make_client(policy) as client:
            checks = check_registry_online([s for r in registry for s in r.sources], client, policy)
        doc["checks"] = [
            {
                "lab": c.lab,
                "document": c.document,
                "url": c.url,
                "ok": c.ok,
                "status": c.status,
                "final_url": c.final_url,
                "error": _refusal_hint(c.error, allow_private),
            }
            for c in checks
        ]
    return doc


def _refusal_hint(error: str | None, allow_private: bool) -> str | None:
    if error and not allow_private and error.endswith("; refused"):
        return error + " (pass --allow-private to check loopback and private addresses)"
    return error


def fetch_one(url: str, *, allow_private: bool = False, db: Path | None = None) -> bytes:
    """Fetch one URL for `labwatch ingest URL` (same guard, limits and sniffing as the crawler);
    a FetchError names the URL and why it failed."""
    import tempfile

    policy = FetchPolicy(allow_private=allow_private, host_delay=0)
    with tempfile.TemporaryDirectory() as tmp, make_client(policy) as client:
        store_ = SnapshotStore(Path(tmp))
        res = fetch_source(client, Source(lab="ingest", url=url, document="ingest"), store=store_, policy=policy)
        if not res.ok:
            raise FetchError(url, fetch_reason(res, allow_private))
        return store_.get(res.sha256)


__all__ = ["crawl_sources", "check_sources", "fetch_one", "replace"]
