"""Read queries behind the CLI and the dashboard (scores: scoring.py). Every value is bound as a parameter."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import duckdb

from labwatch.warehouse.lineage import version_order

CONTRACT_VIEWS = (
    "passages",
    "statements",
    "candidate_matches",
    "reviews",
    "confirmed_evidence",
    "lab_scores",
    "commitment_changes",
)


def view_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in CONTRACT_VIEWS}


def review_queue(
    con: duckdb.DuckDBPyConnection,
    *,
    lab: str | None = None,
    criterion: str | None = None,
    document: str | None = None,
    limit: int | None = 50,
    order: str = "score",
) -> list[dict]:
    """Undecided suggestions on current versions, one per match id.

    order="score": best first. order="useful": uncertain and high-weight criteria first.
    order="document": as the passages stand in their documents (lab, document, position).
    Each item's ``next_best`` lists the same passage's two best other criteria by the matcher's
    score, best first (``criterion_id``, ``score``): where a reviewer reassigns a wrong suggestion.
    """
    order_sql = {
        "score": "score DESC, match_id",
        "useful": "(1 - abs(score - 0.5)) * (0.5 + coalesce(weight, 0) * category_weight) DESC, match_id",
        "document": "lab, document_id, seq, score DESC, match_id",
    }[order]
    sql = f"""
        WITH cur AS (SELECT version_id FROM current_versions(current_date)),
        cand AS (
            SELECT m.match_id, m.lab, m.document_id, m.criterion_id, m.score, m.probability, m.why, m.version_id,
                   s.statement_id, s.seq, s.text, s.page, s.section, s.is_commitment, s.strength,
                   s.context, s.lead_in, v.source, v.title,
                   row_number() OVER (PARTITION BY m.match_id ORDER BY m.score DESC) AS rn
            FROM matches m
            JOIN statements s USING (statement_id)
            JOIN versions v ON v.version_id = m.version_id
            WHERE m.suggested AND m.version_id IN (SELECT version_id FROM cur)
              AND m.match_id NOT IN (SELECT match_id FROM decisions)
              AND (?::VARCHAR IS NULL OR m.lab = ?)
              AND (?::VARCHAR IS NULL OR m.criterion_id = ?)
              AND (?::VARCHAR IS NULL OR m.document_id = ?)
        )
        SELECT c.* EXCLUDE (rn), r.weight, r.category_weight, r.scored, r.parent, r.description,
               coalesce((
                   SELECT list(struct_pack(criterion_id := o.criterion_id, score := o.score)
                               ORDER BY o.score DESC, o.criterion_id)[1:2]
                   FROM matches o
                   WHERE o.statement_id = c.statement_id AND o.criterion_id <> c.criterion_id
                     AND o.score IS NOT NULL
               ), []) AS next_best
        FROM cand c LEFT JOIN rubric_criteria r ON r.criterion_id = c.criterion_id
        WHERE rn = 1
        ORDER BY {order_sql}
        {"LIMIT ?" if limit else ""}
    """
    params = [lab, lab, criterion, criterion, document, document] + ([limit] if limit else [])
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    items = [dict(zip(cols, row)) for row in cur.fetchall()]
    # a weakened or strengthened counterpart of a decided statement: the old decision and the change
    from labwatch.warehouse.carry import previous_decisions

    before = previous_decisions(con, sorted({i["statement_id"] for i in items}))
    for i in items:
        i["previous"] = before.get((i["statement_id"], i["criterion_id"]))
    return items


def other_criteria(con: duckdb.DuckDBPyConnection, statement_id: str, criterion_id: str) -> list[dict]:
    """The matcher's other candidate criteria for a passage, best first (``criterion_id``,
    ``score``): what a reviewer most likely means when the suggested criterion is wrong."""
    return _rows(
        con.execute(
            "SELECT criterion_id, max(score) AS score FROM matches WHERE statement_id = ? AND criterion_id <> ? "
            "GROUP BY criterion_id ORDER BY score DESC, criterion_id",
            [statement_id, criterion_id],
        )
    )


# What each side of a change carries so a reader can cite it (``changes --format json``, the
# feed, the dashboard): document, version, statement position, snapshot and URL.
PROVENANCE_COLUMNS = (
    "old_document_id",
    "old_published",
    "old_seen_at",
    "old_seq",
    "old_page",
    "old_section",
    "old_snapshot_sha256",
    "old_url",
    "new_seen_at",
    "new_seq",
    "new_page",
    "new_section",
    "new_snapshot_sha256",
    "new_url",
    "old_format",
    "new_format",
)


def page_link(url: str | None, page: int | None, fmt: str | None) -> str | None:
    """An http(s) URL that opens at ``page`` (``#page=N``, for PDFs); None for a local path."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    is_pdf = fmt == "pdf" or parts.path.lower().endswith(".pdf")
    fragment = f"page={int(page)}" if is_pdf and page else parts.fragment
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, fragment))


def add_links(row: dict) -> dict:
    """``old_link``/``new_link``: each side's URL opened at its page (None when not crawled);
    ``dimensions`` read from its stored JSON into a list (empty for rows computed before
    dimensions were stored, or when a stored value is not a list of objects)."""
    for side in ("old", "new"):
        row[f"{side}_link"] = page_link(row.get(f"{side}_url"), row.get(f"{side}_page"), row.get(f"{side}_format"))
    if "dimensions" in row:
        row["dimensions"] = parse_dimensions(row["dimensions"])
    return row


def parse_dimensions(stored: str | None) -> list[dict]:
    """The stored JSON of a change's dimensions as a list of {dimension, direction, reason}."""
    if not stored:
        return []
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [
        {"dimension": str(d.get("dimension")), "direction": d.get("direction"), "reason": str(d.get("reason") or "")}
        for d in value
        if isinstance(d, dict) and d.get("dimension")
    ]


def changes(
    con: duckdb.DuckDBPyConnection, *, lab: str | None = None, since: date | None = None, silent: bool = False
) -> list[dict]:
    """Commitment changes, oldest first (in the order of their new versions, then in reading
    order). ``silent``: only those no change-log entry announces.

    ``announced`` is true/false, or None for changes computed before announcements were
    tracked; ``changelog_entry`` is the entry that mentions the change; ``silent_reupload``
    marks an unannounced change between two versions carrying the same published date. Each
    side is cited by the ``PROVENANCE_COLUMNS`` (dates as ISO strings).
    """
    cur = con.execute(
        "SELECT c.lab, c.document_id, c.kind, c.reason, c.old_text AS old, c.new_text AS new, c.criteria, "
        "c.old_version_id, c.new_version_id, c.published, c.announced, c.changelog_entry, c.change_id, "
        f"c.silent_reupload, c.dimensions, {', '.join('c.' + k for k in PROVENANCE_COLUMNS)} "
        "FROM commitment_changes c LEFT JOIN versions nv ON nv.version_id = c.new_version_id "
        "WHERE (?::VARCHAR IS NULL OR c.lab = ?) AND (?::DATE IS NULL OR c.published >= ?) "
        "AND (NOT ? OR c.announced = false) "
        f"ORDER BY c.published NULLS LAST, {version_order('nv')}, c.lab, c.document_id, "
        "coalesce(c.new_seq, c.old_seq), c.change_id",
        [lab, lab, since, since, silent],
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    for r in rows:
        for k in ("published", "old_published", "old_seen_at", "new_seen_at"):
            r[k] = r[k].isoformat() if r[k] else None
        r["criteria"] = list(r["criteria"] or [])
        add_links(r)
    return rows


def last_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    row = con.execute(
        "SELECT run_id, kind, started_at, finished_at, status, n_failures, summary FROM runs "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    fails = con.execute(
        "SELECT source, reason, severity FROM failures WHERE run_id = ? ORDER BY failed_at", [row[0]]
    ).fetchall()
    return {
        "run_id": row[0],
        "kind": row[1],
        "started_at": str(row[2]),
        "finished_at": str(row[3]),
        "status": row[4],
        "n_failures": row[5],
        "failures": [{"source": s, "reason": r, "severity": v} for s, r, v in fails],
    }


# -- read queries for the review dashboard ----------------------------------------------------


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def rubric_criteria(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every criterion of the stored rubric(s), in id order, with its description and weights."""
    return _rows(
        con.execute(
            "SELECT rubric, criterion_id, category, category_weight, weight, parent, scored, description "
            "FROM rubric_criteria ORDER BY rubric, criterion_id"
        )
    )


def documents(con: duckdb.DuckDBPyConnection, *, lab: str | None = None) -> list[dict]:
    """Labs' documents with their title and source URL."""
    return _rows(
        con.execute(
            "SELECT lab, document_id, title, source_url FROM documents "
            "WHERE (?::VARCHAR IS NULL OR lab = ?) ORDER BY lab, document_id",
            [lab, lab],
        )
    )


def passage_detail(
    con: duckdb.DuckDBPyConnection, statement_id: str, *, before: int = 1, after: int = 2
) -> dict | None:
    """One passage with its provenance (version source, format, document URL) and features, plus
    ``neighbours``: the passages of the same version from seq-before to seq+after, in order."""
    cur = con.execute(
        "SELECT s.statement_id, s.lab, s.document_id, s.version_id, s.seq, s.page, s.section, s.text, "
        "s.lead_in, s.context, s.is_commitment, s.strength, s.modality, s.why AS feature_why, "
        "v.source, v.format, v.published, d.source_url, d.title "
        "FROM statements s JOIN versions v USING (version_id) "
        "LEFT JOIN documents d ON d.lab = s.lab AND d.document_id = s.document_id "
        "WHERE s.statement_id = ?",
        [statement_id],
    )
    found = _rows(cur)
    if not found:
        return None
    row = found[0]
    row["neighbours"] = _rows(
        con.execute(
            "SELECT statement_id, seq, text, page, statement_id = ? AS is_self FROM statements "
            "WHERE version_id = ? AND seq BETWEEN ? AND ? ORDER BY seq",
            [statement_id, row["version_id"], row["seq"] - before, row["seq"] + after],
        )
    )
    return row


def search_passages(
    con: duckdb.DuckDBPyConnection,
    text: str,
    *,
    lab: str | None = None,
    document: str | None = None,
    current_only: bool = True,
    limit: int = 50,
) -> list[dict]:
    """Passages whose text contains ``text`` (case-insensitive, taken literally, no wildcards)."""
    return _rows(
        con.execute(
            "SELECT s.statement_id, s.lab, s.document_id, s.version_id, s.seq, s.page, s.section, s.text "
            "FROM statements s WHERE strpos(lower(s.text), lower(?)) > 0 "
            "AND (?::VARCHAR IS NULL OR s.lab = ?) AND (?::VARCHAR IS NULL OR s.document_id = ?) "
            "AND (NOT ? OR s.version_id IN (SELECT version_id FROM current_versions(current_date))) "
            "ORDER BY s.lab, s.document_id, s.seq LIMIT ?",
            [text, lab, lab, document, document, current_only, limit],
        )
    )


def review_history(
    con: duckdb.DuckDBPyConnection, *, lab: str | None = None, reviewer: str | None = None, limit: int = 500
) -> list[dict]:
    """Review events, newest first, each with the event it replaced on the same match
    (``prev_decision``, ``prev_reviewer``, ``prev_credit``, ``prev_at``; null for a first event)."""
    return _rows(
        con.execute(
            "SELECT * FROM (SELECT review_id, match_id, created_at, reviewer, decision, credit, note, lab, "
            "document_id, criterion_id, text, origin, "
            "lag(decision) OVER w AS prev_decision, lag(reviewer) OVER w AS prev_reviewer, "
            "lag(credit) OVER w AS prev_credit, lag(created_at) OVER w AS prev_at FROM reviews "
            "WINDOW w AS (PARTITION BY match_id ORDER BY created_at, review_id)) "
            "WHERE (?::VARCHAR IS NULL OR lab = ?) AND (?::VARCHAR IS NULL OR reviewer = ?) "
            "ORDER BY created_at DESC, review_id LIMIT ?",
            [lab, lab, reviewer, reviewer, limit],
        )
    )


def disagreements(con: duckdb.DuckDBPyConnection, *, lab: str | None = None) -> list[dict]:
    """Standing decisions where reviewers' latest stances differ, with every reviewer's stance."""
    return _rows(
        con.execute(
            "SELECT d.match_id, d.lab, d.document_id, d.criterion_id, d.text, d.decision, d.credit, "
            "d.reviewer, d.decided_at, d.n_events, "
            "(SELECT string_agg(r.reviewer || ': ' || r.decision, '; ' ORDER BY r.created_at) "
            " FROM reviews r WHERE r.match_id = d.match_id) AS stances "
            "FROM decisions d WHERE d.disagreement AND (?::VARCHAR IS NULL OR d.lab = ?) "
            "ORDER BY d.decided_at DESC",
            [lab, lab],
        )
    )


def evidence(con: duckdb.DuckDBPyConnection, lab: str, criterion_id: str, *, as_of: date | None = None) -> list[dict]:
    """Confirmed quotes behind one lab x criterion cell on ``as_of`` (default today)."""
    return _rows(
        con.execute(
            "SELECT document_id, version_id, page, section, text, credit, reviewer, decided_at, match_id, origin "
            "FROM evidence_as_of(?) WHERE lab = ? AND criterion_id = ? ORDER BY credit DESC, document_id",
            [as_of or date.today(), lab, criterion_id],
        )
    )


def recent_runs(con: duckdb.DuckDBPyConnection, *, limit: int = 20) -> list[dict]:
    """The latest runs, newest first, with their failure counts as recorded."""
    return _rows(
        con.execute(
            "SELECT r.run_id, r.kind, r.status, r.started_at, r.finished_at, r.args, r.summary, "
            "coalesce(r.n_failures, (SELECT count(*) FROM failures f WHERE f.run_id = r.run_id)) AS n_failures "
            "FROM runs r ORDER BY r.started_at DESC LIMIT ?",
            [limit],
        )
    )


def run_failures(con: duckdb.DuckDBPyConnection, *, run_id: str | None = None, limit: int = 200) -> list[dict]:
    """Failures of one run (or of all runs), newest first."""
    return _rows(
        con.execute(
            "SELECT run_id, failed_at, stage, severity, lab, document_id, source, reason FROM failures "
            "WHERE (?::VARCHAR IS NULL OR run_id = ?) ORDER BY failed_at DESC LIMIT ?",
            [run_id, run_id, limit],
        )
    )


def lab_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every lab id in the warehouse, sorted."""
    return [r[0] for r in con.execute("SELECT lab FROM labs ORDER BY lab").fetchall()]


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The number of the newest migration applied."""
    return con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]


def statement_texts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every distinct statement text, sorted: what the benchmark's encode-only processes encode
    (the least any run must encode; versions repeat most of their passages)."""
    return [r[0] for r in con.execute("SELECT DISTINCT text FROM statements ORDER BY text").fetchall()]


def best_match_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The highest-scored suggestion's id (the benchmark confirms it to time `review confirm`)."""
    row = con.execute("SELECT match_id FROM candidate_matches ORDER BY score DESC, match_id LIMIT 1").fetchone()
    return row[0] if row else None


def versioned_documents(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(lab, document_id) of every document with at least one stored version."""
    return set(con.execute("SELECT DISTINCT lab, document_id FROM versions").fetchall())


def pdf_pages(con: duckdb.DuckDBPyConnection) -> int:
    """Pages of all stored PDF versions."""
    return int(con.execute("SELECT coalesce(sum(n_pages), 0) FROM versions WHERE format = 'pdf'").fetchone()[0])


def has_version_with_text(con: duckdb.DuckDBPyConnection, lab: str, document_id: str) -> bool:
    """Whether a stored version of the document has passages (a version without any must not
    replace it)."""
    return (
        con.execute(
            "SELECT 1 FROM versions WHERE lab = ? AND document_id = ? AND n_passages > 0 LIMIT 1", [lab, document_id]
        ).fetchone()
        is not None
    )
