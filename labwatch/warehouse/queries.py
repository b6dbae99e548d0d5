"""Read queries behind the CLI and the dashboard. Every value is bound as a parameter."""

from __future__ import annotations

from datetime import date

import duckdb

CONTRACT_VIEWS = ("passages", "statements", "candidate_matches", "reviews", "confirmed_evidence",
                  "lab_scores", "commitment_changes")


def view_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in CONTRACT_VIEWS}


def review_queue(con: duckdb.DuckDBPyConnection, *, lab: str | None = None, criterion: str | None = None,
                 document: str | None = None, limit: int | None = 50, order: str = "score") -> list[dict]:
    """Undecided suggestions on current versions, one per match id.

    order="score": best first. order="useful": uncertain and high-weight criteria first.
    """
    order_sql = {
        "score": "score DESC, match_id",
        "useful": "(1 - abs(score - 0.5)) * (0.5 + coalesce(weight, 0) * category_weight) DESC, match_id",
    }[order]
    sql = f"""
        WITH cur AS (SELECT version_id FROM current_versions(current_date)),
        cand AS (
            SELECT m.match_id, m.lab, m.document_id, m.criterion_id, m.score, m.why, m.version_id,
                   s.statement_id, s.text, s.page, s.section, s.is_commitment, s.strength,
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
        SELECT c.* EXCLUDE (rn), r.weight, r.category_weight, r.description
        FROM cand c LEFT JOIN rubric_criteria r ON r.criterion_id = c.criterion_id
        WHERE rn = 1
        ORDER BY {order_sql}
        {"LIMIT ?" if limit else ""}
    """
    params = [lab, lab, criterion, criterion, document, document] + ([limit] if limit else [])
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def scores(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None, lab: str | None = None,
           with_evidence: bool = True) -> dict:
    """Per-lab scores from confirmed evidence current on ``as_of`` (default today)."""
    as_of = as_of or date.today()
    rubric = con.execute("SELECT rubric, rubric_version FROM rubric_criteria LIMIT 1").fetchone()
    labs = con.execute(
        "SELECT lab, score FROM lab_scores_as_of(?) WHERE (?::VARCHAR IS NULL OR lab = ?) ORDER BY score DESC, lab",
        [as_of, lab, lab],
    ).fetchall()
    crit = con.execute(
        "SELECT lab, criterion_id, category, category_weight, weight, parent, scored, raw, credit "
        "FROM criterion_credits_as_of(?) WHERE (?::VARCHAR IS NULL OR lab = ?) ORDER BY lab, criterion_id",
        [as_of, lab, lab],
    ).fetchall()
    evidence: dict[tuple[str, str], list[dict]] = {}
    if with_evidence:
        for row in con.execute(
            "SELECT lab, criterion_id, document_id, version_id, text, credit, match_id, page, section, reviewer "
            "FROM evidence_as_of(?) WHERE (?::VARCHAR IS NULL OR lab = ?) ORDER BY lab, criterion_id, credit DESC",
            [as_of, lab, lab],
        ).fetchall():
            evidence.setdefault((row[0], row[1]), []).append({
                "document_id": row[2], "version_id": row[3], "text": row[4], "credit": row[5],
                "match_id": row[6], "page": row[7], "section": row[8], "reviewer": row[9]})
    out_labs = []
    for lab_id, score in labs:
        cats: dict[str, float] = {}
        criteria = []
        for l2, cid, cat, cw, w, parent, scored, raw, credit in crit:
            if l2 != lab_id:
                continue
            if scored:
                cats[cat] = cats.get(cat, 0.0) + w * credit
            criteria.append({"criterion_id": cid, "category": cat, "weight": w, "parent": parent,
                             "scored": scored, "credit": credit, "raw_credit": raw,
                             "evidence": evidence.get((lab_id, cid), [])})
        out_labs.append({"lab": lab_id, "score": score,
                         "categories": {k: round(v, 4) for k, v in cats.items()}, "criteria": criteria})
    return {"as_of": as_of.isoformat(), "rubric": rubric[0] if rubric else None,
            "rubric_version": rubric[1] if rubric else None, "labs": out_labs}


def changes(con: duckdb.DuckDBPyConnection, *, lab: str | None = None, since: date | None = None) -> list[dict]:
    cur = con.execute(
        "SELECT lab, document_id, kind, reason, old_text AS old, new_text AS new, criteria, old_version_id, "
        "new_version_id, published FROM commitment_changes "
        "WHERE (?::VARCHAR IS NULL OR lab = ?) AND (?::DATE IS NULL OR published >= ?) "
        "ORDER BY published NULLS LAST, lab, document_id, change_id",
        [lab, lab, since, since],
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    for r in rows:
        r["published"] = r["published"].isoformat() if r["published"] else None
        r["criteria"] = list(r["criteria"] or [])
    return rows


def last_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    row = con.execute(
        "SELECT run_id, kind, started_at, finished_at, status, n_failures, summary FROM runs "
        "ORDER BY started_at DESC LIMIT 1").fetchone()
    if row is None:
        return None
    fails = con.execute("SELECT source, reason FROM failures WHERE run_id = ? ORDER BY failed_at", [row[0]]).fetchall()
    return {"run_id": row[0], "kind": row[1], "started_at": str(row[2]), "finished_at": str(row[3]),
            "status": row[4], "n_failures": row[5], "failures": [{"source": s, "reason": r} for s, r in fails]}
