"""Writing pipeline results: documents, versions, statements, matches, embeddings, runs.

The pipeline hands over one ``VersionRecord`` per processed file or fetch; ``store_version``
decides whether it is a new version (normalised text changed), the same version seen again
(another snapshot with the same text) or a re-derivation of a known snapshot after an extractor
upgrade (derived rows replaced in place, so an upgrade is never reported as a policy change).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pyarrow as pa

from labwatch.extractors.records import Features, Passage, Suggestion, make_match_id, text_hash
from labwatch.warehouse.change_log import ChangeRow
from labwatch.warehouse.lakeurl import redact
from labwatch.warehouse.lineage import first_seen_stamp, version_order, version_sort_key
from labwatch.warehouse.rows import insert_missing, insert_row_missing, replace_row, replace_rows


def _h(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:n]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class VersionRecord:
    """Everything derived from one snapshot of one document."""

    lab: str
    document_id: str
    snapshot_sha: str
    text: str
    format: str
    parser: str
    extractor_version: str
    passages: Sequence[Passage]
    features: Sequence[Features]
    suggestions: Sequence[Sequence[Suggestion]]
    title: str | None = None
    source: str | None = None
    source_url: str | None = None
    published: date | None = None
    n_pages: int | None = None
    size: int | None = None
    content_type: str | None = None
    model: str | None = None
    rubric: str | None = None
    rubric_version: str | None = None
    matcher_version: str | None = None
    lab_name: str | None = None
    # when the warehouse first stored it: stamped by store_version when None, so versions are
    # first seen in the order they are stored, whichever worker derived them
    seen_at: datetime | None = None

    @property
    def text_hash(self) -> str:
        """The hash of the normalised text, computed once per text: storing a version reads it
        half a dozen times, and a whole document's text takes milliseconds to normalise."""
        known = self.__dict__.get("_text_hash")
        if known is None or known[0] is not self.text:  # a text replaced later is hashed anew
            known = self.__dict__["_text_hash"] = (self.text, text_hash(self.text))
        return known[1]


@dataclass(frozen=True)
class StoreOutcome:
    version_id: str
    status: str  # "new" | "unchanged" | "rederived"


def ensure_lab(con: duckdb.DuckDBPyConnection, lab: str, name: str | None = None) -> None:
    insert_row_missing(con, "labs", {"lab": lab, "name": name or lab}, ["lab"])
    if name:
        con.execute("UPDATE labs SET name = ? WHERE lab = ? AND name = lab", [name, lab])


class VersionIndex:
    """The versions (and their snapshots) of a batch's documents, read in one query and kept
    current while the batch is stored: answers the lookups ``_store_version`` makes for each
    document (which version holds this snapshot, the latest version, one with the same text,
    the next ordinal) without a query each. Same answers as the SQL it replaces
    (tests/warehouse/test_store_batch.py)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, keys: set[tuple[str, str]]) -> None:
        self.versions: dict[tuple[str, str], list[tuple]] = {k: [] for k in keys}
        self.snapshots: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.labs: set[str] = set()
        if not keys:
            return
        tbl = pa.table({"lab": pa.array([k[0] for k in keys]), "document_id": pa.array([k[1] for k in keys])})
        con.register("_keys", tbl)
        try:
            rows = con.execute(
                "SELECT v.lab, v.document_id, v.version_id, v.text_hash, v.published, v.seen_at, v.ordinal "
                "FROM versions v JOIN _keys k USING (lab, document_id)"
            ).fetchall()
            snaps = con.execute(
                "SELECT vs.sha256, v.lab, v.document_id, v.version_id, v.text_hash FROM version_snapshots vs "
                "JOIN versions v USING (version_id) JOIN _keys k ON k.lab = v.lab AND k.document_id = v.document_id"
            ).fetchall()
        finally:
            con.unregister("_keys")
        for lab, doc, vid, th, published, seen_at, ordinal in rows:
            self.versions[(lab, doc)].append((vid, th, published, seen_at, ordinal))
        for sha, lab, doc, vid, th in snaps:
            self.snapshots[(sha, lab, doc)] = (vid, th)

    def known(self, sha: str, lab: str, doc: str) -> tuple[str, str] | None:
        return self.snapshots.get((sha, lab, doc))

    def latest(self, lab: str, doc: str) -> tuple[str, str] | None:
        rows = self.versions[(lab, doc)]
        if not rows:
            return None
        best = max(rows, key=_order_key)
        return best[0], best[1]

    def same_text(self, lab: str, doc: str, text_hash_: str, published) -> tuple[str] | None:
        rows = [r for r in self.versions[(lab, doc)] if r[1] == text_hash_ and (published is None or r[2] == published)]
        return (max(rows, key=_order_key)[0],) if rows else None

    def next_ordinal(self, lab: str, doc: str) -> int:
        return max((r[4] for r in self.versions[(lab, doc)]), default=0) + 1

    def add_version(self, vid: str, rec: VersionRecord, ordinal: int) -> None:
        self.versions[(rec.lab, rec.document_id)].append((vid, rec.text_hash, rec.published, rec.seen_at, ordinal))

    def retext(self, vid: str, rec: VersionRecord) -> None:
        """A re-derived version's text changed: later lookups in the batch see the new hash."""
        key = (rec.lab, rec.document_id)
        self.versions[key] = [(v, rec.text_hash if v == vid else th, *rest) for v, th, *rest in self.versions[key]]
        for snap, (v, _) in list(self.snapshots.items()):
            if v == vid:
                self.snapshots[snap] = (vid, rec.text_hash)

    def add_snapshot(self, vid: str, rec: VersionRecord, text_hash_: str) -> None:
        self.snapshots[(rec.snapshot_sha, rec.lab, rec.document_id)] = (vid, text_hash_)


def _order_key(row: tuple) -> tuple:
    vid, th, published, seen_at, _ordinal = row
    return version_sort_key(published, seen_at, th, vid)


class RowBuffer:
    """Statement and match rows gathered over a batch and inserted in one go (through Arrow).

    With an ``index`` (``RowBuffer.for_batch``), version lookups are answered from memory.
    """

    def __init__(self, index: VersionIndex | None = None) -> None:
        self.statements: list[dict] = []
        self.matches: list[dict] = []
        self.index = index
        # batch mode only: the rows of a batch's documents, snapshots, versions and inputs,
        # keyed so that a repeat keeps the first (inserted when missing) or last (inputs: replaced)
        self.documents: dict[tuple, dict] = {}
        self.snapshots: dict[str, dict] = {}
        self.versions: dict[str, dict] = {}
        self.version_snapshots: dict[tuple, dict] = {}
        self.inputs: dict[str, dict] = {}

    @classmethod
    def for_batch(cls, con: duckdb.DuckDBPyConnection, records: Sequence[VersionRecord]) -> RowBuffer:
        return cls(VersionIndex(con, {(r.lab, r.document_id) for r in records}))

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        _bulk_insert(con, "documents", list(self.documents.values()), missing=("lab", "document_id"))
        _bulk_insert(con, "snapshots", list(self.snapshots.values()), missing=("sha256",))
        _bulk_insert(con, "versions", list(self.versions.values()))
        _bulk_insert(con, "version_snapshots", list(self.version_snapshots.values()), missing=("version_id", "sha256"))
        _bulk_insert(con, "statements", self.statements, list_columns=("conditions", "numbers"))
        _bulk_insert(con, "matches", self.matches)
        _bulk_insert(con, "inputs", list(self.inputs.values()), replace=("path",))
        self.statements, self.matches = [], []
        self.documents, self.snapshots, self.versions, self.version_snapshots, self.inputs = {}, {}, {}, {}, {}

    def drop_version(self, vid: str) -> None:
        """Forget the queued rows of one version (it is being derived again in the same batch)."""
        if any(r["version_id"] == vid for r in self.statements):
            self.statements = [r for r in self.statements if r["version_id"] != vid]
            self.matches = [r for r in self.matches if r["version_id"] != vid]


def store_version(con: duckdb.DuckDBPyConnection, rec: VersionRecord, buffer: RowBuffer | None = None) -> StoreOutcome:
    """Store one snapshot's derivation; idempotent (the same input twice changes nothing).

    With a ``buffer``, statement and match rows are queued there; the caller flushes it before
    reading them back (and before the transaction commits).
    """
    own = buffer is None
    buffer = buffer or RowBuffer()
    if rec.seen_at is None:
        rec.seen_at = first_seen_stamp()
    outcome = _store_version(con, rec, buffer)
    if own:
        buffer.flush(con)
    return outcome


def _store_version(con: duckdb.DuckDBPyConnection, rec: VersionRecord, buffer: RowBuffer) -> StoreOutcome:
    idx = buffer.index
    if idx is None or rec.lab not in idx.labs:
        ensure_lab(con, rec.lab, rec.lab_name)
        if idx is not None:
            idx.labs.add(rec.lab)
    if idx is not None:  # batch mode: rows go out with the batch's bulk inserts
        buffer.documents.setdefault(
            (rec.lab, rec.document_id),
            {"lab": rec.lab, "document_id": rec.document_id, "title": rec.title, "source_url": rec.source_url},
        )
        buffer.snapshots.setdefault(
            rec.snapshot_sha,
            {"sha256": rec.snapshot_sha, "size": rec.size, "content_type": rec.content_type, "first_seen": rec.seen_at},
        )
    else:
        insert_row_missing(
            con,
            "documents",
            {"lab": rec.lab, "document_id": rec.document_id, "title": rec.title, "source_url": rec.source_url},
            ["lab", "document_id"],
        )
        insert_row_missing(
            con,
            "snapshots",
            {"sha256": rec.snapshot_sha, "size": rec.size, "content_type": rec.content_type, "first_seen": rec.seen_at},
            ["sha256"],
        )
    known = (
        idx.known(rec.snapshot_sha, rec.lab, rec.document_id)
        if idx
        else con.execute(
            "SELECT v.version_id, v.text_hash FROM version_snapshots vs JOIN versions v USING (version_id) "
            "WHERE vs.sha256 = ? AND v.lab = ? AND v.document_id = ?",
            [rec.snapshot_sha, rec.lab, rec.document_id],
        ).fetchone()
    )
    if known is not None:
        _rederive(con, known[0], rec, buffer)
        return StoreOutcome(known[0], "rederived")
    latest = (
        idx.latest(rec.lab, rec.document_id)
        if idx
        else con.execute(
            f"SELECT version_id, text_hash FROM versions WHERE lab = ? AND document_id = ? "
            f"ORDER BY {version_order()} DESC LIMIT 1",
            [rec.lab, rec.document_id],
        ).fetchone()
    )
    same_text = (
        idx.same_text(rec.lab, rec.document_id, rec.text_hash, rec.published)
        if idx
        else con.execute(
            f"SELECT version_id FROM versions WHERE lab = ? AND document_id = ? AND text_hash = ? "
            f"AND (published IS NOT DISTINCT FROM ? OR ? IS NULL) ORDER BY {version_order()} DESC LIMIT 1",
            [rec.lab, rec.document_id, rec.text_hash, rec.published, rec.published],
        ).fetchone()
    )
    if (latest and latest[1] == rec.text_hash) or same_text:
        vid = latest[0] if latest and latest[1] == rec.text_hash else same_text[0]
        _version_snapshot(con, buffer, vid, rec)
        if idx:
            idx.add_snapshot(vid, rec, rec.text_hash)  # either way that version has this text
        return StoreOutcome(vid, "unchanged")
    ordinal = (
        idx.next_ordinal(rec.lab, rec.document_id)
        if idx
        else con.execute(
            "SELECT coalesce(max(ordinal), 0) + 1 FROM versions WHERE lab = ? AND document_id = ?",
            [rec.lab, rec.document_id],
        ).fetchone()[0]
    )
    vid = "v_" + _h(rec.lab, rec.document_id, rec.text_hash, rec.snapshot_sha)
    row = [
        vid,
        rec.lab,
        rec.document_id,
        ordinal,
        rec.text_hash,
        rec.snapshot_sha,
        rec.source,
        rec.format,
        rec.title,
        rec.published,
        rec.seen_at,
        rec.n_pages,
        len(rec.passages),
        rec.parser,
        rec.extractor_version,
        rec.text,
        rec.source_url,
    ]
    if idx is not None:
        buffer.versions[vid] = dict(zip(VERSION_COLUMNS, row))
    else:
        marks = ", ".join("?" * len(VERSION_COLUMNS))
        con.execute(f"INSERT INTO versions ({', '.join(VERSION_COLUMNS)}) VALUES ({marks})", row)
    _version_snapshot(con, buffer, vid, rec)
    if idx:
        idx.add_version(vid, rec, ordinal)
        idx.add_snapshot(vid, rec, rec.text_hash)
    _derived_rows(vid, rec, buffer)
    return StoreOutcome(vid, "new")


VERSION_COLUMNS = (
    "version_id",
    "lab",
    "document_id",
    "ordinal",
    "text_hash",
    "snapshot_sha",
    "source",
    "format",
    "title",
    "published",
    "seen_at",
    "n_pages",
    "n_passages",
    "parser",
    "extractor_version",
    "text",
    "url",
)


def _version_snapshot(con: duckdb.DuckDBPyConnection, buffer: RowBuffer, vid: str, rec: VersionRecord) -> None:
    if buffer.index is not None:
        buffer.version_snapshots.setdefault(
            (vid, rec.snapshot_sha), {"version_id": vid, "sha256": rec.snapshot_sha, "seen_at": rec.seen_at}
        )
    else:
        row = {"version_id": vid, "sha256": rec.snapshot_sha, "seen_at": rec.seen_at}
        insert_row_missing(con, "version_snapshots", row, ["version_id", "sha256"])


def _rederive(con: duckdb.DuckDBPyConnection, vid: str, rec: VersionRecord, buffer: RowBuffer) -> None:
    """Replace a version's derived rows (after an extractor, model or rubric upgrade)."""
    buffer.drop_version(vid)  # the same snapshot twice in one batch: its rows may still be queued
    if buffer.index is not None:
        buffer.index.retext(vid, rec)
    queued = buffer.versions.get(vid)
    if queued is not None:  # created earlier in this batch, not written yet
        queued.update(
            text=rec.text,
            text_hash=rec.text_hash,
            parser=rec.parser,
            extractor_version=rec.extractor_version,
            n_passages=len(rec.passages),
            n_pages=rec.n_pages,
            title=rec.title or queued["title"],
            published=rec.published or queued["published"],
        )
        _derived_rows(vid, rec, buffer)
        return
    con.execute("DELETE FROM matches WHERE version_id = ?", [vid])
    con.execute("DELETE FROM statements WHERE version_id = ?", [vid])
    # the text too: a later snapshot is compared with this version's text as derived now (after a
    # change of a source's selectors, a page edited outside them must still match it)
    con.execute(
        "UPDATE versions SET text = ?, text_hash = ?, parser = ?, extractor_version = ?, n_passages = ?, "
        "n_pages = ?, title = coalesce(?, title), published = coalesce(?, published) WHERE version_id = ?",
        [
            rec.text,
            rec.text_hash,
            rec.parser,
            rec.extractor_version,
            len(rec.passages),
            rec.n_pages,
            rec.title,
            rec.published,
            vid,
        ],
    )
    _derived_rows(vid, rec, buffer)


def _derived_rows(vid: str, rec: VersionRecord, buffer: RowBuffer) -> None:
    srows, mrows = buffer.statements, buffer.matches
    for p, f, sugg in zip(rec.passages, rec.features, rec.suggestions, strict=True):
        sid = "s_" + _h(vid, str(p.seq))
        srows.append(
            {
                "statement_id": sid,
                "version_id": vid,
                "lab": rec.lab,
                "document_id": rec.document_id,
                "seq": p.seq,
                "kind": p.kind,
                "page": p.page,
                "section": " > ".join(p.section) or None,
                "char_start": p.start,
                "char_end": p.end,
                "text": p.text,
                "norm_hash": text_hash(p.text),
                "lead_in": p.lead_in,
                "context": p.context,
                "is_commitment": f.is_commitment,
                "strength": f.strength,
                "category": f.category,
                "negated": f.negated,
                "modality": f.modality,
                "conditions": list(f.conditions),
                "numbers": list(f.numbers),
                "why": f.why,
                "extractor_version": rec.extractor_version,
            }
        )
        for s in sugg:
            mrows.append(
                {
                    "match_id": make_match_id(rec.lab, rec.document_id, p.text, s.criterion_id),
                    "statement_id": sid,
                    "lab": rec.lab,
                    "document_id": rec.document_id,
                    "version_id": vid,
                    "criterion_id": s.criterion_id,
                    "score": float(s.score),
                    "rank": s.rank,
                    "suggested": bool(s.suggested),
                    "why": s.why,
                    "probability": None if s.probability is None else float(s.probability),
                    "model": rec.model,
                    "rubric": rec.rubric,
                    "rubric_version": rec.rubric_version,
                    "matcher_version": rec.matcher_version,
                }
            )


def _bulk_insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], list_columns=(), missing=(), replace=()
) -> None:
    """Insert through Arrow (row-by-row inserts cost ~22 ms a row in DuckDB): all rows, only
    those whose ``missing`` key is absent, or replacing the rows of the same ``replace`` key."""
    if not rows:
        return
    cols = list(rows[0])
    arrays = {}
    for c in cols:
        values = [r[c] for r in rows]
        arrays[c] = pa.array(values, type=pa.list_(pa.string())) if c in list_columns else pa.array(values)
    tbl = pa.table(arrays)
    con.register("_bulk", tbl)
    try:
        if missing:
            insert_missing(con, table, cols, "_bulk", missing)
        elif replace:
            replace_rows(con, table, cols, "_bulk", replace)
        else:
            con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _bulk")
    finally:
        con.unregister("_bulk")


def store_embeddings(con: duckdb.DuckDBPyConnection, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
    """Cache vectors by (model, text hash); existing ones are kept."""
    if len(hashes) == 0:
        return
    vec = pa.array(list(np.asarray(vectors, dtype=np.float32)), type=pa.list_(pa.float32()))
    tbl = pa.table({"model": pa.array([model] * len(hashes)), "text_hash": pa.array(list(hashes)), "vector": vec})
    con.register("_emb", tbl)
    try:
        insert_missing(con, "embeddings", ["model", "text_hash", "vector"], "_emb", ["model", "text_hash"])
    finally:
        con.unregister("_emb")


def load_embeddings(con: duckdb.DuckDBPyConnection, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """Cached vectors for the given text hashes."""
    if not hashes:
        return {}
    tbl = con.execute(
        "SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN (SELECT unnest(?))",
        [model, list(set(hashes))],
    ).arrow()
    if hasattr(tbl, "read_all"):
        tbl = tbl.read_all()
    keys = tbl.column("text_hash").to_pylist()
    vectors = tbl.column("vector").to_pylist()
    return {k: np.asarray(v, dtype=np.float32) for k, v in zip(keys, vectors)}


def start_run(con: duckdb.DuckDBPyConnection, kind: str, args: dict) -> str:
    """Record a run as running; runs of this host whose process is gone become 'interrupted'."""
    import os
    import socket

    import psutil

    host = socket.gethostname()
    for run_id, raw in con.execute("SELECT run_id, args FROM runs WHERE status = 'running'").fetchall():
        try:
            meta = json.loads(raw or "{}")
        except ValueError:
            continue
        if meta.get("_host") == host and not psutil.pid_exists(int(meta.get("_pid", -1))):
            con.execute("UPDATE runs SET status = 'interrupted' WHERE run_id = ?", [run_id])
    run_id = "r_" + uuid.uuid4().hex[:16]
    con.execute(
        "INSERT INTO runs (run_id, kind, started_at, status, args) VALUES (?, ?, ?, 'running', ?)",
        # redacted: the runs table is read by anyone who can read the warehouse
        [run_id, kind, now(), redact(json.dumps({**args, "_host": host, "_pid": os.getpid()}, default=str))],
    )
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, summary: dict, n_failures: int) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ?, n_failures = ? WHERE run_id = ?",
        [now(), status, json.dumps(summary, default=str), n_failures, run_id],
    )


def record_failure(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stage: str,
    source: str,
    reason: str,
    lab: str | None = None,
    document_id: str | None = None,
    severity: str = "error",
) -> None:
    con.execute(
        "INSERT INTO failures (run_id, failed_at, stage, lab, document_id, source, reason, severity) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, now(), stage, lab, document_id, source, reason, severity],
    )


def store_rubric(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Replace one rubric's criteria (weights are data; scores follow them)."""
    if not rows:
        return
    con.execute("DELETE FROM rubric_criteria WHERE rubric = ?", [rows[0]["rubric"]])
    _bulk_insert(con, "rubric_criteria", rows)


def record_input(
    con: duckdb.DuckDBPyConnection,
    path: str,
    size: int,
    mtime_ns: int,
    sha: str,
    lab: str,
    document_id: str,
    pipeline: str,
    buffer: RowBuffer | None = None,
) -> None:
    """Remember a corpus file by size, mtime and hash (a re-run skips it unopened)."""
    row = {
        "path": path,
        "size": size,
        "mtime_ns": mtime_ns,
        "sha256": sha,
        "lab": lab,
        "document_id": document_id,
        "pipeline": pipeline,
        "seen_at": now(),
    }
    if buffer is not None and buffer.index is not None:
        buffer.inputs[path] = row  # written with the batch's other rows
        return
    replace_row(con, "inputs", row, ["path"])


def replace_changes(
    con: duckdb.DuckDBPyConnection, lab: str, document_id: str, rows: Sequence[ChangeRow | dict]
) -> None:
    """Replace the commitment changes of one document (recomputed across all its versions).
    A row is a ``ChangeRow``, or a dict of some of the table's columns (the others stay NULL)."""
    con.execute("DELETE FROM changes WHERE lab = ? AND document_id = ?", [lab, document_id])
    rows = [r.to_dict() if isinstance(r, ChangeRow) else r for r in rows]
    _bulk_insert(con, "changes", rows, list_columns=("criteria",))
