"""The pipeline as plain functions: items in, warehouse rows out. Prefect only decorates them.

An *item* is one snapshot of one document (a corpus file, an ingested file or a fetched body).
``derive_batch`` turns items into ``VersionRecord``s (parse, segment, detect, embed, match);
``store_batch`` writes them in one short transaction and recomputes the changes of the
documents touched. Bad input becomes a recorded failure naming the source; it never stops the
batch.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from labwatch.extractors.records import ExtractedDocument, HtmlRules
from labwatch.flows import models
from labwatch.flows.change_detection import recompute_changes
from labwatch.flows.succession import documents_to_compare, propose_successions
from labwatch.warehouse import store
from labwatch.warehouse.carry import carry_decisions
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.decisions import labelled_decisions
from labwatch.warehouse.inputs import known_inputs
from labwatch.warehouse.queries import has_version_with_text


@dataclass
class Item:
    """One snapshot to derive: bytes (or the file holding them) plus where they came from.

    Corpus items keep only their path until derived, so a large corpus is never held in memory.
    """

    lab: str
    document_id: str
    data: bytes | None
    source: str  # a path or URL, used in every message about this item
    published: date | None = None
    title: str | None = None
    url: str | None = None
    lab_name: str | None = None
    kind: str = "auto"
    content_type: str | None = None
    input_path: str | None = None  # corpus file, recorded so a re-run can skip it unopened
    mtime_ns: int | None = None
    size: int = 0

    _sha256: str | None = None

    blob: Path | None = None  # a stored snapshot holding the bytes
    rules: HtmlRules | None = None  # the registry source's CSS selectors (HTML main content)

    def __post_init__(self) -> None:
        if self.data is not None:
            self.size = len(self.data)

    def load(self) -> bytes:
        if self.data is not None:
            return self.data
        return Path(self.blob or self.input_path).read_bytes()

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.load()).hexdigest()
        return self._sha256


@dataclass(frozen=True)
class Failure:
    stage: str
    source: str
    reason: str
    lab: str | None = None
    document_id: str | None = None
    severity: str = "error"  # "warning": the source was read (or left out on purpose) but needs an eye


@dataclass
class BatchResult:
    """A derived batch: each item that was read with its version record (in input order), the
    failures of the others, and the vectors the model computed for it (stored with it)."""

    derived: list[tuple[Item, store.VersionRecord]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    embeddings: tuple = ((), None)
    encoded: int = 0  # texts run through the model (passages and context parts)
    cached: int = 0  # texts whose vectors were already stored

    @property
    def records(self) -> list[store.VersionRecord]:
        return [rec for _, rec in self.derived]


@dataclass(frozen=True)
class StoredBatch:
    """What storing one batch did: versions that are new, unchanged (the same text seen again,
    or a version without text beside one with text) and re-derived in place; and how many of
    its items failed or carry a warning."""

    new: int = 0
    unchanged: int = 0
    rederived: int = 0
    failed: int = 0
    warnings: int = 0


def learned_examples(wh: Warehouse, model: str):
    """Reviewer decisions as labelled examples for the matcher (confirmed +, rejected -)."""
    from labwatch.extractors.matching.matcher import LabeledExample

    if not wh.exists:
        return []
    # a Deriver may be made mid-run (a Prefect task) while the run's writer thread holds a
    # connection: DuckDB refuses a read-only one beside it, so take turns like every run read
    with db_lock(wh), wh.read() as con:
        rows = labelled_decisions(con, model)
    import numpy as np

    return [
        LabeledExample(
            text=t,
            criterion_id=c,
            label=bool(lbl),
            vector=None if v is None else np.asarray(v, dtype=np.float32),
            group=lab or "",
        )
        for t, c, lbl, v, lab in rows
    ]


class Deriver:
    """Holds the loaded models for one process; derives batches of items."""

    def __init__(
        self,
        wh: Warehouse | None,
        model: str = models.DEFAULT_MODEL,
        rubric_name: str = models.DEFAULT_RUBRIC,
        learn: bool = True,
        isolate: bool | None = None,
    ):
        from labwatch.extractors.matching.matcher import Matcher
        from labwatch.flows.isolation import ParserPool

        if isolate is None:
            # a daemonic process (a Dask worker) may not start children: parse in-process there
            import multiprocessing

            isolate = (
                os.environ.get("LABWATCH_PARSE_ISOLATION", "1") != "0" and not multiprocessing.current_process().daemon
            )
        # untrusted bytes are parsed in a limited worker process (time and memory bounded)
        self.parser = ParserPool() if isolate else None
        if self.parser is not None:
            self.parser.warm()  # overlaps the worker's start with loading the models below
        self.wh = wh
        self._ahead: dict[tuple, object] = {}  # batch key -> Future of its text stage
        self._ahead_pool = None
        self._loading = None  # Future of the model's load in the background (``start``)
        self.versions = models.versions(model, rubric_name)
        self.rubric = models.rubric(rubric_name)
        loader = None
        if wh is not None:

            def loader(model_id, hashes, _wh=wh):
                if not _wh.exists:  # a Deriver started before its run created the file
                    return {}
                with db_lock(_wh), _wh.read() as con:
                    return store.load_embeddings(con, model_id, hashes)

        self.embedder = models.CachedEmbedder(models.embedder(model), loader)
        self.matcher = Matcher(self.rubric, self.embedder)
        if learn and wh is not None:
            examples = learned_examples(wh, self.embedder.model_id)
            if examples:
                self.matcher.learn(examples)

    def close(self) -> None:
        """Stop the parser worker (models stay cached for the process)."""
        if self._ahead_pool is not None:
            self._ahead_pool.shutdown(wait=True, cancel_futures=True)
            self._ahead_pool = None
        self._ahead.clear()
        if self.parser is not None:
            self.parser.close()

    @staticmethod
    def _context_parts(passages) -> list[list[str]]:
        """The context of each passage: innermost heading, list lead-in, previous sentence."""
        return [[t for t in ((p.section[-1] if p.section else None), p.lead_in, p.context) if t] for p in passages]

    @staticmethod
    def _context_vectors(parts: list[list[str]], table: dict, shape: tuple):
        """Each passage's context as the normalised mean of its parts' vectors (None: no context)."""
        import numpy as np

        if not table:
            return None
        out = np.zeros(shape, dtype=np.float32)
        for i, ps in enumerate(parts):
            if ps:
                v = np.mean([table[t] for t in ps], axis=0)
                out[i] = v / (np.linalg.norm(v) or 1.0)
        return out

    def warm(self) -> None:
        """Load the embedding model and the rubric's reference vectors (seconds, once)."""
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.result()  # loaded by ``start`` in the background; re-raises its error
        else:
            self.embedder.inner.encode(["labwatch"])  # the model itself (reference vectors may be shipped)
        self.matcher.warm()

    def start(self) -> None:
        """Load the embedding model in a background thread (the parser worker is already
        starting), so that a caller's own start-up (the warehouse's migrations, the run's
        record) overlaps both; ``warm`` waits for it. Reads nothing from the warehouse."""
        if self._loading is not None:
            return
        from concurrent.futures import Future

        done: Future = Future()

        def load() -> None:
            try:
                self.embedder.inner.encode(["labwatch"])
                done.set_result(None)
            except BaseException as exc:  # noqa: BLE001 - handed to ``warm``, which raises it
                done.set_exception(exc)

        self._loading = done
        threading.Thread(target=load, name="labwatch-model-load", daemon=True).start()

    def extract(self, items: Sequence[Item]) -> Extracted:
        """The text stage of a batch: parse, passages, commitment features; failures recorded.

        With isolation it runs in the parser worker (another process, so another core), which
        lets ``derive_many`` prepare one batch while the model encodes the previous one.
        """
        out = Extracted()
        for it in items:
            try:
                extracted = self._extract_one(it)
            except Exception as exc:  # ParseError names the source; anything else is a bug
                from labwatch.extractors.exceptions import ParseError

                reason = (
                    str(exc)
                    if isinstance(exc, ParseError)
                    else f"{it.source}: unexpected extraction error: {type(exc).__name__}: {exc}"
                )
                out.failures.append(Failure("parse", it.source, reason, it.lab, it.document_id))
                continue
            out.failures += [
                Failure("parse", it.source, w, it.lab, it.document_id, "warning") for w in extracted.warnings
            ]
            out.add(it, extracted)
        return out

    def _extract_one(self, it: Item):
        if self.parser is not None:
            return self.parser.extract(it.load(), source=it.source, kind=it.kind, rules=it.rules)
        from labwatch.extractors.statements.extraction import extract_document
        from labwatch.flows.isolation import text_limits

        return extract_document(it.load(), source=it.source, kind=it.kind, rules=it.rules, **text_limits())

    def extract_ahead(self, items: Sequence[Item]) -> None:
        """Start the text stage of ``items`` in the background; ``derive_batch`` of the same
        items picks the result up. Lets the worker prepare the next batch while this process
        embeds the current one (or loads the model)."""
        from concurrent.futures import ThreadPoolExecutor

        key = _batch_key(items)
        if key in self._ahead:
            return
        if self._ahead_pool is None:
            self._ahead_pool = ThreadPoolExecutor(1, thread_name_prefix="labwatch-extract")
        self._ahead[key] = self._ahead_pool.submit(self.extract, items)

    def _extracted(self, items: Sequence[Item]) -> Extracted:
        ahead = self._ahead.pop(_batch_key(items), None)
        return ahead.result() if ahead is not None else self.extract(items)

    def derive_batch(self, items: Sequence[Item]) -> BatchResult:
        """Parse, segment, detect, embed and match one batch."""
        return self.finish(self._extracted(items))

    def derive_many(self, groups: Sequence[Sequence[Item]]):
        """Derive batches in order, extracting batch i+1 (in the worker) while batch i is
        embedded and matched here; the model loads while the first batch is extracted.

        Batch i+1's stored vectors are read before batch i is handed on, so that the caller
        can store batch i (``store_batch``, another thread) while batch i+1 encodes; the
        vectors batch i computed stay in memory for batch i+1 until they are stored."""
        if groups:
            self.extract_ahead(groups[0])
            self.warm()
        ready = None
        for i, group in enumerate(groups):
            if i + 1 < len(groups):
                self.extract_ahead(groups[i + 1])
            result = self.finish(ready if ready is not None else self._extracted(group))
            ready = None
            if i + 1 < len(groups):
                ready = self._extracted(groups[i + 1])
                self.prefetch(ready)
            yield result

    def prefetch(self, ex: Extracted) -> None:
        """Read the stored vectors of a batch's passages and context parts (once)."""
        if ex.prefetched:
            return
        flat = [p for ps in ex.passages for p in ps]
        self.embedder.prefetch([p.text for p in flat] + [t for ps in self._context_parts(flat) for t in ps])
        ex.prefetched = True

    def finish(self, ex: Extracted) -> BatchResult:
        """Embed and match an extracted batch; build its version records."""
        out = BatchResult(failures=list(ex.failures))
        if not ex.entries:
            return out
        flat = [p for ps in ex.passages for p in ps]
        feats = [f for fs in ex.features for f in fs]
        texts = [p.text for p in flat]
        # context parts repeat (a previous sentence is itself a passage; headings recur in every
        # batch): one model call over the passages and the parts not among them, both looked up
        # in the stored vectors first, so no text is encoded twice
        parts = self._context_parts(flat)
        extra = sorted({t for ps in parts for t in ps} - set(texts))
        self.prefetch(ex)
        misses, hits = self.embedder.misses, self.embedder.hits
        encoded = self.embedder.encode(texts + extra)
        vectors = encoded[: len(texts)]
        table = {**dict(zip(texts, vectors)), **dict(zip(extra, encoded[len(texts) :]))}
        context = self._context_vectors(parts, table if any(parts) else {}, vectors.shape)
        suggestions = self.matcher.match(flat, feats, vectors, context_vectors=context) if flat else []
        out.encoded = self.embedder.misses - misses  # texts run through the model (passages + context)
        out.cached = self.embedder.hits - hits  # texts whose vectors came from the cache
        out.embeddings = self.embedder.take_fresh()
        v = self.versions
        i = 0
        for it, extracted in ex.entries:
            doc, ps, fs = extracted.parsed, extracted.passages, extracted.features
            n = len(ps)
            record = store.VersionRecord(
                lab=it.lab,
                document_id=it.document_id,
                snapshot_sha=it.sha256,
                text=doc.text,
                format=doc.format,
                parser=doc.parser,
                extractor_version=signature_with(v.signature, it.rules),
                passages=ps,
                features=fs,
                suggestions=suggestions[i : i + n],
                title=it.title or doc.title,
                source=it.source,
                source_url=it.url,
                published=it.published,
                n_pages=doc.n_pages,
                size=it.size,
                content_type=it.content_type or doc.format,
                model=self.embedder.model_id,
                rubric=v.rubric,
                rubric_version=v.rubric_version,
                matcher_version=v.matcher,
                lab_name=it.lab_name,
            )
            out.derived.append((it, record))
            i += n
        return out


def signature_with(signature: str, rules: HtmlRules | None) -> str:
    """The pipeline's signature, plus the source's rules when it has any: a version derived under
    other rules is re-derived (in place: an extraction upgrade, never a new version)."""
    return f"{signature}+{rules.signature}" if rules else signature


def _batch_key(items: Sequence[Item]) -> tuple:
    return tuple((it.source, it.sha256) for it in items)


@dataclass
class Extracted:
    """A batch after the text stage: each item that parsed with its ``ExtractedDocument``, and
    the failures of the others."""

    entries: list[tuple[Item, ExtractedDocument]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    prefetched: bool = False  # its stored vectors have been read (Deriver.prefetch)

    def add(self, item: Item, extracted: ExtractedDocument) -> None:
        self.entries.append((item, extracted))

    @property
    def passages(self) -> list[list]:
        return [ex.passages for _, ex in self.entries]

    @property
    def features(self) -> list[list]:
        return [ex.features for _, ex in self.entries]


def store_batch(wh: Warehouse, run_id: str, result: BatchResult) -> StoredBatch:
    """Write one derived batch in a single short transaction; returns what it stored."""
    counts = {
        "new": 0,
        "unchanged": 0,
        "rederived": 0,
        "failed": sum(f.severity == "error" for f in result.failures),
        "warnings": sum(f.severity == "warning" for f in result.failures),
    }
    touched: set[tuple[str, str]] = set()
    with db_lock(wh), wh.write() as con:
        keys, vecs = result.embeddings
        if len(keys):
            store.store_embeddings(con, result.records[0].model if result.records else "", keys, vecs)
        buffer = store.RowBuffer.for_batch(con, result.records)  # one lookup query for the batch
        with_text: set[tuple[str, str]] = set()
        for it, rec in result.derived:
            key = (rec.lab, rec.document_id)
            if rec.passages:
                with_text.add(key)
            elif key in with_text or has_version_with_text(con, rec.lab, rec.document_id):
                # named as a warning by the text stage; the version with text stays current
                counts["unchanged"] += 1
                continue
            outcome = store.store_version(con, rec, buffer)
            counts[outcome.status] += 1
            if outcome.status in ("new", "rederived"):
                touched.add(key)
            if it.input_path:
                store.record_input(
                    con,
                    it.input_path,
                    it.size,
                    it.mtime_ns or 0,
                    it.sha256,
                    it.lab,
                    it.document_id,
                    rec.extractor_version,
                    buffer,
                )
        buffer.flush(con)
        for f in result.failures:
            store.record_failure(con, run_id, f.stage, f.source, f.reason, f.lab, f.document_id, f.severity)
        if touched:
            # changes exist only between versions (of one document, or of a predecessor and its
            # successor: flows/succession.py); a lab's new document may be proposed as a successor
            for lab, doc in documents_to_compare(con, touched):
                recompute_changes(con, lab, doc)
                carry_decisions(con, wh.journal_dir, lab, doc)  # a rewording keeps its decisions
            propose_successions(con, touched)
    return StoredBatch(**counts)


_DB_LOCKS: dict[str, threading.Lock] = {}
_DB_LOCKS_GUARD = threading.Lock()


def db_lock(wh: Warehouse) -> threading.Lock:
    """One lock per warehouse file in this process: DuckDB refuses a read-only connection
    beside an open writing one, and a run stores one batch while it reads the next's vectors."""
    key = str(Path(wh.path).resolve())
    with _DB_LOCKS_GUARD:
        return _DB_LOCKS.setdefault(key, threading.Lock())


def pending_corpus_items(wh: Warehouse, docs, signature: str) -> tuple[list[Item], int]:
    """Items whose bytes or pipeline changed since they were last ingested; and how many were skipped.

    Decided from size, mtime and content hashes before anything heavy starts.
    """
    known: dict[str, tuple] = {}
    if wh.exists:
        with wh.read() as con:
            known = known_inputs(con)
    items, skipped = [], 0
    for d in docs:
        path = str(Path(d.path).resolve())
        st = Path(d.path).stat()
        k = known.get(path)
        if k and k[0] == st.st_size and k[1] == st.st_mtime_ns and k[3] == signature:
            skipped += 1
            continue
        sha = _file_sha256(Path(d.path))
        if k and k[2] == sha and k[3] == signature:
            skipped += 1
            continue
        items.append(
            Item(
                lab=d.lab,
                document_id=d.document_id,
                data=None,
                source=str(d.path),
                published=d.published,
                title=d.title,
                url=d.url,
                lab_name=d.lab_name,
                input_path=path,
                mtime_ns=st.st_mtime_ns,
                size=st.st_size,
                _sha256=sha,
            )
        )
    return items, skipped


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def batches(
    items: Sequence[Item], size: int, max_bytes: int = 2_000_000, *, first: int | None = None
) -> list[list[Item]]:
    """Consecutive batches of at most ``size`` items and about ``max_bytes`` of input each.

    Order is kept (successive versions of a document stay in order). Batches bound memory and
    the length of each write transaction; many small documents share one transaction, since
    each commit and close of the DuckDB file costs tens of milliseconds. With ``first``, batches
    grow from that many items (doubling up to ``size``): the model starts on the first
    document while the parser worker extracts the next ones, instead of waiting for them all.
    """
    out: list[list[Item]] = []
    current: list[Item] = []
    weight = 0
    limit = min(size, first) if first else size
    for it in items:
        if current and (len(current) >= limit or weight + it.size > max_bytes):
            limit = min(size, limit * 2)
            out.append(current)
            current, weight = [], 0
        current.append(it)
        weight += it.size
    if current:
        out.append(current)
    return out


ProgressFn = Callable[[int, int], None]
