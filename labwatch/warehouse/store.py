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
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from labwatch.extractors.records import Features, Passage, Suggestion, make_match_id, text_hash


def _h(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:n]


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
    seen_at: datetime = field(default_factory=now)

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


@dataclass(frozen=True)
class StoreOutcome:
    version_id: str
    status: str  # "new" | "unchanged" | "rederived"


def ensure_lab(con: duckdb.DuckDBPyConnection, lab: str, name: str | None = None) -> None:
    con.execute("INSERT OR IGNORE INTO labs (lab, name) VALUES (?, ?)", [lab, name or lab])
    if name:
        con.execute("UPDATE labs SET name = ? WHERE lab = ? AND name = lab", [name, lab])


class RowBuffer:
    """Statement and match rows gathered over a batch and inserted in one go (through Arrow)."""

    def __init__(self) -> None:
        self.statements: list[dict] = []
        self.matches: list[dict] = []

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        _bulk_insert(con, "statements", self.statements, list_columns=("conditions", "numbers"))
        _bulk_insert(con, "matches", self.matches)
        self.statements, self.matches = [], []


def store_version(con: duckdb.DuckDBPyConnection, rec: VersionRecord, buffer: RowBuffer | None = None) -> StoreOutcome:
    """Store one snapshot's derivation; idempotent (the same input twice changes nothing).

    With a ``buffer``, statement and match rows are queued there; the caller flushes it before
    reading them back (and before the transaction commits).
    """
    own = buffer is None
    buffer = buffer or RowBuffer()
    outcome = _store_version(con, rec, buffer)
    if own:
        buffer.flush(con)
    return outcome


def _store_version(con: duckdb.DuckDBPyConnection, rec: VersionRecord, buffer: RowBuffer) -> StoreOutcome:
    ensure_lab(con, rec.lab, rec.lab_name)
    con.execute(
        "INSERT OR IGNORE INTO documents (lab, document_id, title, source_url) VALUES (?, ?, ?, ?)",
        [rec.lab, rec.document_id, rec.title, rec.source_url],
    )
    con.execute(
        "INSERT OR IGNORE INTO snapshots VALUES (?, ?, ?, ?)",
        [rec.snapshot_sha, rec.size, rec.content_type, rec.seen_at],
    )
    known = con.execute(
        "SELECT v.version_id, v.text_hash FROM version_snapshots vs JOIN versions v USING (version_id) "
        "WHERE vs.sha256 = ? AND v.lab = ? AND v.document_id = ?",
        [rec.snapshot_sha, rec.lab, rec.document_id],
    ).fetchone()
    if known is not None:
        _rederive(con, known[0], rec, buffer)
        return StoreOutcome(known[0], "rederived")
    latest = con.execute(
        "SELECT version_id, text_hash FROM versions WHERE lab = ? AND document_id = ? "
        "ORDER BY coalesce(published, CAST(seen_at AS DATE)) DESC, ordinal DESC LIMIT 1",
        [rec.lab, rec.document_id],
    ).fetchone()
    same_text = con.execute(
        "SELECT version_id FROM versions WHERE lab = ? AND document_id = ? AND text_hash = ? "
        "AND (published IS NOT DISTINCT FROM ? OR ? IS NULL) ORDER BY ordinal DESC LIMIT 1",
        [rec.lab, rec.document_id, rec.text_hash, rec.published, rec.published],
    ).fetchone()
    if (latest and latest[1] == rec.text_hash) or same_text:
        vid = latest[0] if latest and latest[1] == rec.text_hash else same_text[0]
        con.execute("INSERT OR IGNORE INTO version_snapshots VALUES (?, ?, ?)", [vid, rec.snapshot_sha, rec.seen_at])
        return StoreOutcome(vid, "unchanged")
    ordinal = con.execute(
        "SELECT coalesce(max(ordinal), 0) + 1 FROM versions WHERE lab = ? AND document_id = ?",
        [rec.lab, rec.document_id],
    ).fetchone()[0]
    vid = "v_" + _h(rec.lab, rec.document_id, rec.text_hash, rec.snapshot_sha)
    con.execute(
        "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [vid, rec.lab, rec.document_id, ordinal, rec.text_hash, rec.snapshot_sha, rec.source, rec.format,
         rec.title, rec.published, rec.seen_at, rec.n_pages, len(rec.passages), rec.parser,
         rec.extractor_version, rec.text],
    )
    con.execute("INSERT OR IGNORE INTO version_snapshots VALUES (?, ?, ?)", [vid, rec.snapshot_sha, rec.seen_at])
    _derived_rows(vid, rec, buffer)
    return StoreOutcome(vid, "new")


def _rederive(con: duckdb.DuckDBPyConnection, vid: str, rec: VersionRecord, buffer: RowBuffer) -> None:
    """Replace a version's derived rows (after an extractor, model or rubric upgrade)."""
    con.execute("DELETE FROM matches WHERE version_id = ?", [vid])
    con.execute("DELETE FROM statements WHERE version_id = ?", [vid])
    con.execute(
        "UPDATE versions SET parser = ?, extractor_version = ?, n_passages = ?, n_pages = ?, "
        "title = coalesce(?, title), published = coalesce(?, published) WHERE version_id = ?",
        [rec.parser, rec.extractor_version, len(rec.passages), rec.n_pages, rec.title, rec.published, vid],
    )
    _derived_rows(vid, rec, buffer)


def _derived_rows(vid: str, rec: VersionRecord, buffer: RowBuffer) -> None:
    srows, mrows = buffer.statements, buffer.matches
    for p, f, sugg in zip(rec.passages, rec.features, rec.suggestions, strict=True):
        sid = "s_" + _h(vid, str(p.seq))
        srows.append({
            "statement_id": sid, "version_id": vid, "lab": rec.lab, "document_id": rec.document_id,
            "seq": p.seq, "kind": p.kind, "page": p.page, "section": " > ".join(p.section) or None,
            "char_start": p.start, "char_end": p.end, "text": p.text, "norm_hash": text_hash(p.text),
            "lead_in": p.lead_in, "context": p.context, "is_commitment": f.is_commitment,
            "strength": f.strength, "category": f.category, "negated": f.negated,
            "modality": f.modality, "conditions": list(f.conditions), "numbers": list(f.numbers),
            "why": f.why, "extractor_version": rec.extractor_version,
        })
        for s in sugg:
            mrows.append({
                "match_id": make_match_id(rec.lab, rec.document_id, p.text, s.criterion_id),
                "statement_id": sid, "lab": rec.lab, "document_id": rec.document_id, "version_id": vid,
                "criterion_id": s.criterion_id, "score": float(s.score), "rank": s.rank,
                "suggested": bool(s.suggested), "why": s.why, "model": rec.model, "rubric": rec.rubric,
                "rubric_version": rec.rubric_version, "matcher_version": rec.matcher_version,
            })


def _bulk_insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], list_columns=()) -> None:
    """Insert through Arrow (row-by-row inserts cost ~22 ms a row in DuckDB)."""
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
        con.execute("INSERT OR IGNORE INTO embeddings SELECT model, text_hash, vector FROM _emb")
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
        [run_id, kind, now(), json.dumps({**args, "_host": host, "_pid": os.getpid()}, default=str)],
    )
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, summary: dict, n_failures: int) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ?, n_failures = ? WHERE run_id = ?",
        [now(), status, json.dumps(summary, default=str), n_failures, run_id],
    )


def record_failure(con: duckdb.DuckDBPyConnection, run_id: str, stage: str, source: str, reason: str,
                   lab: str | None = None, document_id: str | None = None) -> None:
    con.execute(
        "INSERT INTO failures (run_id, failed_at, stage, lab, document_id, source, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, now(), stage, lab, document_id, source, reason],
    )


def store_rubric(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Replace one rubric's criteria (weights are data; scores follow them)."""
    if not rows:
        return
    con.execute("DELETE FROM rubric_criteria WHERE rubric = ?", [rows[0]["rubric"]])
    _bulk_insert(con, "rubric_criteria", rows)


def record_input(con: duckdb.DuckDBPyConnection, path: str, size: int, mtime_ns: int, sha: str,
                 lab: str, document_id: str, pipeline: str) -> None:
    con.execute(
        "INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [path, size, mtime_ns, sha, lab, document_id, pipeline, now()],
    )


def replace_changes(con: duckdb.DuckDBPyConnection, lab: str, document_id: str, rows: list[dict]) -> None:
    """Replace the commitment changes of one document (recomputed across all its versions)."""
    con.execute("DELETE FROM changes WHERE lab = ? AND document_id = ?", [lab, document_id])
    _bulk_insert(con, "changes", rows, list_columns=("criteria",))
