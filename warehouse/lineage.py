"""The order of a document's versions: one definition, for SQL and for Python.

Versions are ordered by their effective date (``published``, else the day first seen), then by
the time the warehouse first stored them (so a re-upload carrying the same date comes after the
upload it replaced), then by content (the text hash) and the version id, so that the order is
total. SQL calls the ``version_order`` macro (migration 0009) through ``version_order()``;
Python sorts with ``version_sort_key``; tests/warehouse/test_lineage.py checks they agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from labwatch.warehouse.rows import replace_row

_last_stamp: list[datetime] = [datetime.min]


def version_order(alias: str = "") -> str:
    """The SQL expression that orders versions (``alias``: the versions table's alias)."""
    p = f"{alias}." if alias else ""
    return f"version_order({p}published, {p}seen_at, {p}text_hash, {p}version_id)"


def version_sort_key(published: date | None, seen_at: datetime, text_hash: str, version_id: str) -> tuple:
    """The same order as ``version_order`` in SQL, for versions held in memory."""
    return (published or seen_at.date(), seen_at, text_hash, version_id)


def first_seen_stamp() -> datetime:
    """Now (UTC, naive, as the warehouse stores it), strictly later than any stamp this process
    gave before: versions stored one after the other are first seen in that order even when the
    clock does not move between them."""
    stamp = datetime.now(UTC).replace(tzinfo=None)
    if stamp <= _last_stamp[0]:
        stamp = _last_stamp[0] + timedelta(microseconds=1)
    _last_stamp[0] = stamp
    return stamp


# -- succession of documents (tables of migration 0010; flows/succession.py decides) -----------


def successions_of_labs(con, labs: list[str]) -> list[tuple[str, str, str, str, str | None]]:
    """(lab, document_id, supersedes, origin, declared_in) of every declared link of ``labs``."""
    return con.execute(
        "SELECT lab, document_id, supersedes, origin, declared_in FROM successions WHERE lab IN (SELECT unnest(?))",
        [sorted(labs)],
    ).fetchall()


def store_succession(
    con, lab: str, document_id: str, supersedes: str, origin: str, declared_in: str, at: datetime
) -> None:
    """Declare (or re-declare) the one predecessor of a document; drops a proposal for it."""
    row = {
        "lab": lab,
        "document_id": document_id,
        "supersedes": supersedes,
        "origin": origin,
        "declared_in": declared_in,
        "recorded_at": at,
    }
    replace_row(con, "successions", row, ["lab", "document_id"])
    con.execute("DELETE FROM succession_proposals WHERE lab = ? AND document_id = ?", [lab, document_id])


def drop_succession(con, lab: str, document_id: str) -> None:
    con.execute("DELETE FROM successions WHERE lab = ? AND document_id = ?", [lab, document_id])


def successors_to_compare(con, touched: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of ``touched`` and the successors of touched documents: those with two versions or more,
    or with a predecessor that has a version (their changes may have moved)."""
    rows = con.execute(
        "WITH t AS (SELECT unnest(?) AS lab, unnest(?) AS document_id), "
        "cand AS (SELECT lab, document_id FROM t UNION "
        "  SELECT s.lab, s.document_id FROM successions s JOIN t ON t.lab = s.lab AND t.document_id = s.supersedes) "
        "SELECT c.lab, c.document_id FROM cand c "
        "WHERE (SELECT count(*) FROM versions v WHERE v.lab = c.lab AND v.document_id = c.document_id) > 1 "
        "OR EXISTS (SELECT 1 FROM successions s JOIN versions pv ON pv.lab = s.lab AND pv.document_id = s.supersedes "
        "  WHERE s.lab = c.lab AND s.document_id = c.document_id) ORDER BY 1, 2",
        [[k[0] for k in touched], [k[1] for k in touched]],
    ).fetchall()
    return [tuple(r) for r in rows]


def new_documents_with_elders(con, touched: list[tuple[str, str]]) -> list[tuple[str, str, str, date, str]]:
    """(lab, document_id, version_id, effective date, text) of the documents that have one
    version, no declared predecessor, and a sibling in their lab dated earlier: touched ones,
    and the lab's later-dated ones when a touched document is dated before them (an elder
    stored after its look-alike successor, as a corpus listed in name order may be)."""
    return con.execute(
        "WITH t0 AS (SELECT unnest(?) AS lab, unnest(?) AS document_id), "
        "t AS (SELECT lab, document_id FROM t0 UNION "
        "  SELECT v.lab, v.document_id FROM versions v JOIN versions tv ON tv.lab = v.lab "
        "  JOIN t0 ON t0.lab = tv.lab AND t0.document_id = tv.document_id "
        "  WHERE coalesce(v.published, CAST(v.seen_at AS DATE)) > coalesce(tv.published, CAST(tv.seen_at AS DATE))), "
        "one AS (SELECT v.lab, v.document_id, any_value(v.version_id) AS version_id, "
        "  min(coalesce(v.published, CAST(v.seen_at AS DATE))) AS day FROM versions v "
        "  JOIN t ON t.lab = v.lab AND t.document_id = v.document_id GROUP BY ALL HAVING count(*) = 1) "
        "SELECT one.lab, one.document_id, one.version_id, one.day, v.text FROM one "
        "JOIN versions v ON v.version_id = one.version_id WHERE NOT EXISTS ("
        "  SELECT 1 FROM successions s WHERE s.lab = one.lab AND s.document_id = one.document_id) "
        "AND EXISTS (SELECT 1 FROM versions o WHERE o.lab = one.lab AND o.document_id <> one.document_id "
        "  AND coalesce(o.published, CAST(o.seen_at AS DATE)) < one.day) ORDER BY 1, 2",
        [[k[0] for k in touched], [k[1] for k in touched]],
    ).fetchall()


def latest_versions_before(con, lab: str, document_id: str, day: date, limit: int) -> list[tuple[str, str, str]]:
    """(document_id, version_id, text) of the latest version dated before ``day`` of each other
    document of the lab, the most recent ``limit`` documents first."""
    return con.execute(
        "SELECT document_id, version_id, text FROM (SELECT v.*, row_number() OVER ("
        f"  PARTITION BY v.document_id ORDER BY {version_order('v')} DESC) AS rn FROM versions v "
        "  WHERE v.lab = ? AND v.document_id <> ? AND coalesce(v.published, CAST(v.seen_at AS DATE)) < ?) "
        f"WHERE rn = 1 ORDER BY {version_order()} DESC LIMIT ?",
        [lab, document_id, day, limit],
    ).fetchall()


def store_proposal(con, lab: str, document_id: str, best: tuple | None, new_version_id: str, at: datetime) -> None:
    """Replace the proposal for a document: ``best`` is (similarity, predecessor, its version) or None."""
    con.execute("DELETE FROM succession_proposals WHERE lab = ? AND document_id = ?", [lab, document_id])
    if best is not None:
        con.execute(
            "INSERT INTO succession_proposals VALUES (?, ?, ?, ?, ?, ?, ?)",
            [lab, document_id, best[1], round(best[0], 3), best[2], new_version_id, at],
        )


def open_proposals(con, lab: str | None = None) -> list[dict]:
    """Proposed links not declared since, by lab and document."""
    cur = con.execute(
        "SELECT p.lab, p.document_id, p.supersedes, p.similarity, p.old_version_id, p.new_version_id, p.proposed_at "
        "FROM succession_proposals p WHERE (?::VARCHAR IS NULL OR p.lab = ?) AND NOT EXISTS ("
        "  SELECT 1 FROM successions s WHERE s.lab = p.lab AND s.document_id = p.document_id) "
        "ORDER BY p.lab, p.document_id",
        [lab, lab],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
