"""`labwatch run` and `labwatch ingest`: corpus files -> warehouse, as a Prefect flow.

The flow is thin: ``run_corpus`` is plain Python that takes a ``derive`` callable; the Prefect
flow passes a task-backed one (per batch, never per sentence), the library path a plain one.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from labwatch.corpus.local import scan_corpus
from labwatch.flows import models
from labwatch.flows.pipeline import (
    BatchResult,
    Deriver,
    Failure,
    Item,
    StoredBatch,
    batches,
    db_lock,
    pending_corpus_items,
    store_batch,
)
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse

BATCH_SIZE = 64  # documents per batch at most (LABWATCH_BATCH_SIZE); also ~2 MB of input at most


@dataclass
class RunSummary:
    run_id: str
    documents: int = 0
    skipped: int = 0
    new_versions: int = 0
    unchanged: int = 0
    rederived: int = 0
    failed: int = 0
    warnings: int = 0  # named in ``failures`` with severity "warning"; they do not fail the run
    passages: int = 0
    encoded: int = 0
    cached: int = 0
    seconds: float = 0.0
    failures: list[dict] = field(default_factory=list)
    notifications: dict = field(default_factory=dict)  # feeds written, webhook posts (flows/feeds.py)

    def as_dict(self) -> dict:
        """The summary as `--format json` prints it and the run record stores it (field order)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def __getitem__(self, key: str):
        """Read access by the keys of ``as_dict`` (``summary["new_versions"]``), for code written
        against the summary as a dict; an unknown key is a KeyError, as in the dict."""
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        return self[key] if key in self.__dataclass_fields__ else default


_derivers: dict[tuple, Deriver] = {}


def deriver_for(wh: Warehouse, model: str, rubric_name: str) -> Deriver:
    """One Deriver (loaded models) per process and warehouse."""
    key = (str(wh.path), model, rubric_name)
    if key not in _derivers:
        # models are cached process-wide (resources); only the parser worker is per Deriver,
        # so drop the others' idle workers rather than keep one per warehouse ever used
        for old in _derivers.values():
            old.close()
        _derivers.clear()
        _derivers[key] = Deriver(wh, model=model, rubric_name=rubric_name)
    return _derivers[key]


DeriveFn = Callable[[list[Item]], BatchResult]
# Derives many batches, yielding results in input order (lets a task runner work ahead).
DeriveManyFn = Callable[[list[list[Item]]], "Iterator[BatchResult]"]


def sequential(derive: DeriveFn) -> DeriveManyFn:
    return lambda groups: (derive(b) for b in groups)


def run_items(
    wh: Warehouse,
    items: list[Item],
    *,
    kind: str,
    args: dict,
    derive: DeriveFn | None = None,
    skipped: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
    rubric_rows: list[dict] | None = None,
    derive_many: DeriveManyFn | None = None,
    publish: bool = True,
    notes: list[Failure] = (),
) -> RunSummary:
    """Derive and store items batch by batch; each batch is one short write transaction.

    Batches are stored in input order, so successive versions of a document keep their order
    even when a task runner derives several batches at once. When the run added versions and
    ``publish`` is true, the feeds are rewritten and new changes posted to the webhook
    (``flows/feeds.py``; never fatal).
    """
    derive_many = derive_many or sequential(derive)
    t0 = time.perf_counter()
    started = store.now()
    with wh.write() as con:
        run_id = store.start_run(con, kind, args)
        if rubric_rows:
            store.store_rubric(con, rubric_rows)
        for f in notes:  # found before any document was read (corpus entries refused)
            store.record_failure(con, run_id, f.stage, f.source, f.reason, f.lab, f.document_id, f.severity)
    summary = RunSummary(run_id=run_id, documents=len(items) + skipped, skipped=skipped)
    summary.warnings = sum(f.severity == "warning" for f in notes)
    summary.failures += [_failure_dict(f) for f in notes]
    status = "failed"
    try:
        done = 0
        groups = plan_batches(items)

        def account(batch: list[Item], result: BatchResult, stored: Future) -> None:
            nonlocal done
            counts: StoredBatch = stored.result()  # re-raises what went wrong in the writer
            summary.new_versions += counts.new
            summary.unchanged += counts.unchanged
            summary.rederived += counts.rederived
            summary.failed += counts.failed
            summary.warnings += counts.warnings
            summary.passages += sum(len(r.passages) for r in result.records)
            summary.encoded += result.encoded
            summary.cached += result.cached
            summary.failures += [_failure_dict(f) for f in result.failures]
            done += len(batch)
            if progress:
                progress(done, len(items), batch[-1].source)

        # one writer thread, batches in order: batch i is stored while batch i+1 encodes
        with ThreadPoolExecutor(1, thread_name_prefix="labwatch-store") as writer:
            # changes an older labwatch stored are recomputed first, while the first batch is
            # extracted and encoded, rather than after the last batch is stored
            refreshed = writer.submit(_refresh_stale_changes, wh)
            pending = None
            for batch, result in zip(groups, derive_many(groups)):
                if pending is not None:
                    account(*pending)
                pending = (batch, result, writer.submit(store_batch, wh, run_id, result))
                if len(groups) > 1 and batch is groups[0]:
                    _prepare_change_detection(wh, items)
            if pending is not None:
                account(*pending)
            refreshed.result()  # re-raises what went wrong there
        if len(groups) > 1 and summary.new_versions:
            _propose_across_batches(wh, groups)
        # --- feeds and alerts (flows/feeds.py): only when this run created versions ---
        if publish and summary.new_versions:
            summary.notifications = notify_changes(wh, run_id, since=started)
        # --- end feeds and alerts ---
        status = "ok" if not summary.failed else "partial"
    finally:
        summary.seconds = round(time.perf_counter() - t0, 2)
        with wh.write() as con:
            store.finish_run(con, run_id, status, summary.as_dict(), summary.failed)
    return summary


def _propose_across_batches(wh: Warehouse, groups: list[list[Item]]) -> None:
    """Proposals of successors once every batch is stored: a lab's new document and the older
    document it resembles may have been stored in different batches (each batch proposes only
    among what is stored by then). Replacing a proposal is idempotent."""
    from labwatch.flows.succession import propose_successions

    touched = {(it.lab, it.document_id) for batch in groups for it in batch}
    with db_lock(wh), wh.write() as con:
        propose_successions(con, touched)


def _refresh_stale_changes(wh: Warehouse) -> int:
    """Recompute the changes that an older change detection (``CHANGES_VERSION``) stored, so an
    upgrade of labwatch shows its better changes (and their dimensions) without waiting for a
    new version of each document. Returns how many documents were recomputed."""
    from labwatch.extractors.changes.classification import CHANGES_VERSION
    from labwatch.flows.change_detection import recompute_changes
    from labwatch.warehouse import change_log

    with db_lock(wh), wh.read() as con:
        stale = change_log.stale_change_documents(con, CHANGES_VERSION)
    if stale:
        with db_lock(wh), wh.write() as con:
            for lab, doc in stale:
                recompute_changes(con, lab, doc)
    return len(stale)


def _failure_dict(f: Failure) -> dict:
    return {"source": f.source, "stage": f.stage, "reason": f.reason, "severity": f.severity}


def _prepare_change_detection(wh: Warehouse, items: list[Item]) -> None:
    """Import the change aligner's TF-IDF (about a second of CPU) in the background while the
    model encodes, when this run will compare versions; storing that batch would wait for it."""
    keys = [(it.lab, it.document_id) for it in items]
    if len(set(keys)) == len(keys):
        from labwatch.warehouse.queries import versioned_documents

        with db_lock(wh), wh.read() as con:
            known = versioned_documents(con)
        if not known.intersection(keys):
            return

    def load() -> None:
        import sklearn.feature_extraction.text  # noqa: F401

        import labwatch.extractors.changes.classification  # noqa: F401

    threading.Thread(target=load, name="labwatch-import", daemon=True).start()


def plan_batches(items: list[Item]) -> list[list[Item]]:
    """How a run groups its items (LABWATCH_BATCH_SIZE documents, LABWATCH_BATCH_BYTES input),
    the first batches small so that encoding starts with the first document extracted."""
    return batches(
        items,
        int(os.environ.get("LABWATCH_BATCH_SIZE", BATCH_SIZE)),
        int(os.environ.get("LABWATCH_BATCH_BYTES", 2_000_000)),
        first=1,
    )


def notify_changes(wh: Warehouse, run_id: str, *, since) -> dict:
    """Feeds and webhook after a run that added versions; a bug here is recorded, never raised."""
    from labwatch.flows.notify import publish

    try:
        return publish(wh, run_id, since=since)
    except Exception as exc:  # delivery must never cost the run its results
        reason = f"notify: unexpected error: {type(exc).__name__}: {exc}"
        with wh.write() as con:
            store.record_failure(con, run_id, "notify", str(wh.path), reason)
        return {"feeds": [], "posted": 0, "failures": [{"source": str(wh.path), "stage": "notify", "reason": reason}]}


def rubric_rows(rubric_name: str) -> list[dict]:
    return models.rubric(rubric_name).to_rows()


def _lab_folder(corpus: Path, path: Path) -> str | None:
    """The lab folder ``path`` is in under ``corpus`` (None when it is not under a lab folder)."""
    try:
        parts = Path(path).relative_to(corpus).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 else None


def run_corpus(
    corpus: Path,
    wh: Warehouse,
    *,
    model: str = models.DEFAULT_MODEL,
    rubric_name: str = models.DEFAULT_RUBRIC,
    derive: DeriveFn | None = None,
    progress=None,
    derive_many: DeriveManyFn | None = None,
    labs: Sequence[str] | None = None,
) -> RunSummary:
    """The main job: every document under ``corpus`` into the warehouse (only those of ``labs``
    when given: a corpus split by lab over workers). Idempotent."""
    scan = scan_corpus(corpus)
    docs = scan.documents if labs is None else [d for d in scan.documents if d.lab in set(labs)]
    refused = [
        Failure("corpus", str(r.path), r.reason, severity="warning")
        for r in scan.refused
        if labs is None or _lab_folder(corpus, r.path) in set(labs)  # each worker names its own labs'
    ]
    signature = models.versions(model, rubric_name).signature
    items, skipped = pending_corpus_items(wh, docs, signature)
    if derive is None and derive_many is None:
        if items:
            # the parser worker and the model start now, while the warehouse is created,
            # migrated and the run recorded (below, and in run_items): a second or so of start-up
            deriver_for(wh, model, rubric_name).start()
        # extraction of the next batch (in the parser worker) overlaps embedding of this one
        # nothing to derive (an unchanged corpus): no Deriver, so no model and no parser worker
        derive_many = lambda groups: deriver_for(wh, model, rubric_name).derive_many(groups) if groups else iter(())  # noqa: E731
    # --- succession (flows/succession.py): the corpus' supersedes declarations, before any version ---
    from labwatch.flows.succession import corpus_links, record_links

    record_links(wh, corpus_links(docs), origin="corpus", scope={(d.lab, d.document_id) for d in docs})
    # --- end succession ---
    return run_items(
        wh,
        items,
        kind="run",
        args={"corpus": str(corpus), **({"labs": sorted(labs)} if labs is not None else {})},
        derive=derive,
        derive_many=derive_many,
        skipped=skipped,
        progress=progress,
        rubric_rows=rubric_rows(rubric_name),
        notes=refused,
    )


def ingest_bytes(
    wh: Warehouse,
    data: bytes,
    *,
    lab: str,
    document_id: str,
    source: str,
    title: str | None = None,
    published: date | None = None,
    url: str | None = None,
    model: str = models.DEFAULT_MODEL,
    rubric_name: str = models.DEFAULT_RUBRIC,
    kind: str = "ingest",
    supersedes: str | None = None,
) -> RunSummary:
    """Add a version of (lab, document) only if its text changed; ``supersedes`` declares the
    lab's document it succeeds (``ingest --supersedes``)."""
    if supersedes:
        from labwatch.flows.succession import Link, record_links

        link = Link(lab, document_id, supersedes, f"labwatch ingest {source}")
        record_links(wh, [link], origin="ingest", scope=[(lab, document_id)])
    item = Item(lab=lab, document_id=document_id, data=data, source=source, published=published, title=title, url=url)
    derive = lambda batch: deriver_for(wh, model, rubric_name).derive_batch(batch)  # noqa: E731
    return run_items(
        wh,
        [item],
        kind=kind,
        args={"source": source, "lab": lab, "document": document_id},
        derive=derive,
        rubric_rows=rubric_rows(rubric_name),
    )
