"""What is published about changes: the change rows that feeds, the webhook and alerts carry,
and the record of every alert delivery attempt (``notification_attempts``, migration 0008).

Delivery itself (Atom files, HTTP, Apprise) is ``flows/feeds.py`` and ``flows/notify.py``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb

from labwatch.warehouse.queries import PROVENANCE_COLUMNS, add_links
from labwatch.warehouse.rows import insert_row_missing


def change_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    lab: str | None = None,
    detected_since: datetime | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Changes newest first (by detection, then publication), with the keys of `labwatch
    changes --format json` plus ``change_id``, ``detected_at`` and the document's URL/title."""
    # (the webhook posts these rows as they are: provenance included)
    cur = con.execute(
        "SELECT c.change_id, c.lab, c.document_id, c.kind, c.reason, c.old_text AS old, c.new_text AS new, "
        "c.criteria, c.old_version_id, c.new_version_id, c.published, c.announced, c.changelog_entry, "
        "coalesce(c.detected_at, nv.seen_at) AS detected_at, d.source_url, d.title, c.silent_reupload, c.dimensions, "
        f"{', '.join('c.' + k for k in PROVENANCE_COLUMNS)} "
        "FROM commitment_changes c LEFT JOIN versions nv ON nv.version_id = c.new_version_id "
        "LEFT JOIN documents d ON d.lab = c.lab AND d.document_id = c.document_id "
        "WHERE (?::VARCHAR IS NULL OR c.lab = ?) AND (?::TIMESTAMP IS NULL OR c.detected_at >= ?) "
        "ORDER BY detected_at DESC NULLS LAST, c.published DESC NULLS LAST, c.change_id "
        + ("LIMIT ?" if limit else ""),
        [lab, lab, detected_since, detected_since] + ([limit] if limit else []),
    )
    cols = [d[0] for d in cur.description]
    rows = [add_links(dict(zip(cols, r))) for r in cur.fetchall()]
    for r in rows:
        r["criteria"] = list(r["criteria"] or [])
    return rows


def record_attempts(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str | None,
    target: str,
    scope: str,
    attempts: list[dict],
    change_ids: list[str],
    n_changes: int,
    is_test: bool,
) -> None:
    """One ``notification_attempts`` row per attempt (dicts with ``attempt``, ``ok``, ``error``,
    ``attempted_at``) of one delivery to ``target`` (already redacted: never a token). Ids are
    stable, so recording the same attempt twice keeps one row."""
    for a in attempts:
        key = f"{run_id}|{target}|{scope}|{a['attempt']}|{a['attempted_at'].isoformat()}"
        row = {
            "attempt_id": "n_" + hashlib.sha256(key.encode()).hexdigest()[:16],
            "run_id": run_id,
            "target": target,
            "scope": scope,
            "attempt": a["attempt"],
            "ok": a["ok"],
            "error": a["error"],
            "n_changes": n_changes,
            "change_ids": change_ids,
            "is_test": is_test,
            "attempted_at": a["attempted_at"],
        }
        insert_row_missing(con, "notification_attempts", row, ["attempt_id"])
