"""The crawler's memory: every fetch recorded (``fetches``), and what the crawler reads back
before fetching again (conditional-request states, archive captures already taken, when each
URL was last fetched, which snapshots a version was derived from)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import duckdb

from labwatch.corpus.records import FetchResult, FetchState
from labwatch.warehouse.rows import insert_rows_missing

FETCH_COLUMNS = (
    "fetch_id",
    "run_id",
    "lab",
    "document_id",
    "url",
    "final_url",
    "outcome",
    "status",
    "sha256",
    "etag",
    "last_modified",
    "content_type",
    "error",
    "fetched_at",
    "archive_timestamp",
    "archive_digest",
    "declared_type",
)


def latest_fetch_states(con: duckdb.DuckDBPyConnection) -> dict[str, FetchState]:
    """URL -> the state of its latest successful live fetch (ETag, Last-Modified, body hash)."""
    rows = con.execute(
        "SELECT url, etag, last_modified, sha256 FROM ("
        " SELECT *, row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) AS rn FROM fetches"
        " WHERE outcome <> 'failed' AND archive_timestamp IS NULL) WHERE rn = 1"
    ).fetchall()
    return {u: FetchState(u, e, lm, sha) for u, e, lm, sha in rows}


def archived_captures(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The web-archive capture timestamps already fetched (a backfill never fetches one twice)."""
    return {
        r[0]
        for r in con.execute("SELECT archive_timestamp FROM fetches WHERE archive_timestamp IS NOT NULL").fetchall()
    }


def last_fetched(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """URL -> when it was last fetched live (archive captures left out)."""
    return dict(
        con.execute("SELECT url, max(fetched_at) FROM fetches WHERE archive_timestamp IS NULL GROUP BY url").fetchall()
    )


def record_fetches(con: duckdb.DuckDBPyConnection, run_id: str, results: list[FetchResult]) -> None:
    """One ``fetches`` row per result of ``run_id``; its id is stable, so recording a result
    twice keeps one row."""
    rows = []
    for r in results:
        key = f"{run_id}|{r.url}|{r.archive_timestamp or ''}|{r.fetched_at}"
        rows.append(
            (
                "f_" + hashlib.sha256(key.encode()).hexdigest()[:16],
                run_id,
                r.lab,
                r.document,
                r.url,
                r.final_url,
                r.outcome,
                r.status,
                r.sha256,
                r.etag,
                r.last_modified,
                r.content_type,
                r.error,
                r.fetched_at,
                r.archive_timestamp,
                r.archive_digest,
                r.declared_type,
            )
        )
    if not rows:
        return
    insert_rows_missing(con, "fetches", [dict(zip(FETCH_COLUMNS, r)) for r in rows], ["fetch_id"])


def derived_snapshots(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(snapshot sha256, signature of the version derived from it) of every stored version."""
    return {
        (r[0], r[1])
        for r in con.execute(
            "SELECT vs.sha256, v.extractor_version FROM version_snapshots vs JOIN versions v USING (version_id)"
        ).fetchall()
    }


def latest_version_snapshots(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, str, str, date | None, str | None, str | None]]:
    """(lab, document_id, sha256, signature, published, title, source) of each version with the
    snapshot it was last seen in, by lab and document."""
    return con.execute(
        "SELECT lab, document_id, sha256, extractor_version, published, title, source FROM ("
        " SELECT v.lab, v.document_id, vs.sha256, v.extractor_version, v.published, v.title, v.source,"
        " row_number() OVER (PARTITION BY v.version_id ORDER BY vs.seen_at DESC) AS rn"
        " FROM versions v JOIN version_snapshots vs USING (version_id)) WHERE rn = 1 ORDER BY lab, document_id"
    ).fetchall()
