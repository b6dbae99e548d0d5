"""Scores read from the warehouse: per lab and criterion as of a date, which confirmed credit
counts and why not, and why a score moved between two dates, as a line a person can read."""

from __future__ import annotations

from datetime import date

import duckdb

from labwatch.warehouse.lineage import version_order


def scores(
    con: duckdb.DuckDBPyConnection, *, as_of: date | None = None, lab: str | None = None, with_evidence: bool = True
) -> dict:
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
            "SELECT lab, criterion_id, document_id, version_id, text, credit, match_id, page, section, reviewer, "
            "origin FROM evidence_as_of(?) WHERE (?::VARCHAR IS NULL OR lab = ?) ORDER BY lab, criterion_id, credit DESC",
            [as_of, lab, lab],
        ).fetchall():
            evidence.setdefault((row[0], row[1]), []).append(
                {
                    "document_id": row[2],
                    "version_id": row[3],
                    "text": row[4],
                    "credit": row[5],
                    "match_id": row[6],
                    "page": row[7],
                    "section": row[8],
                    "reviewer": row[9],
                    "origin": row[10],  # bulk: confirmed by `review confirm --above`, not one by one
                }
            )
    out_labs = []
    for lab_id, score in labs:
        cats: dict[str, float] = {}
        criteria = []
        for l2, cid, cat, cw, w, parent, scored, raw, credit in crit:
            if l2 != lab_id:
                continue
            if scored:
                cats[cat] = cats.get(cat, 0.0) + w * credit
            points = round(100 * cw * w * credit, 2) if scored else 0.0
            not_counted = uncounted_reason(scored=scored, weight=w * cw, parent=parent, credit=credit, raw=raw)
            criteria.append(
                {
                    "criterion_id": cid,
                    "category": cat,
                    "weight": w,
                    "parent": parent,
                    "scored": scored,
                    "credit": credit,
                    "raw_credit": raw,
                    "points": points,
                    "counts": raw > 0 and not_counted is None,
                    "not_counted": not_counted,
                    "evidence": evidence.get((lab_id, cid), []),
                }
            )
            criteria[-1]["why_not_counted"] = explain_uncounted(criteria[-1]) or None
            criteria[-1]["from_bulk"] = credited_by_bulk(raw, criteria[-1]["evidence"])
        out_labs.append(
            {
                "lab": lab_id,
                "score": score,
                "categories": {k: round(v, 4) for k, v in cats.items()},
                "criteria": criteria,
                "bulk_points": round(float(sum(c["points"] for c in criteria if c["from_bulk"])), 2),
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "rubric": rubric[0] if rubric else None,
        "rubric_version": rubric[1] if rubric else None,
        "labs": out_labs,
    }


def credited_by_bulk(raw: float, evidence: list[dict]) -> bool:
    """True when a criterion's credit stands on bulk decisions only: no evidence confirmed
    one by one reaches its credit."""
    top = [e for e in evidence if e["credit"] >= raw]
    return raw > 0 and bool(top) and all(e.get("origin") == "bulk" for e in top)


NOT_COUNTED = {
    "unscored": "an unscored criterion (context for reviewers, not part of the score)",
    "zero weight": "its weight in the rubric is 0",
    "parent without credit": "it counts only once its parent {parent} has confirmed credit",
}


def uncounted_reason(*, scored: bool, weight: float, parent: str | None, credit: float, raw: float) -> str | None:
    """Why confirmed credit (``raw`` > 0) adds nothing to the score: 'unscored', 'zero weight' or
    'parent without credit'; None when it counts or nothing was confirmed."""
    if raw <= 0:
        return None
    if not scored:
        return "unscored"
    if weight <= 0:
        return "zero weight"
    if parent and credit <= 0:
        return "parent without credit"
    return None


def explain_uncounted(criterion: dict) -> str:
    """The sentence for a criterion's ``not_counted`` key ('' when its credit counts)."""
    key = criterion.get("not_counted")
    return NOT_COUNTED[key].format(parent=criterion.get("parent")) if key else ""


def score_changes(
    con: duckdb.DuckDBPyConnection, *, since: date, as_of: date | None = None, lab: str | None = None
) -> list[dict]:
    """Why each lab's score moved between two dates: the criteria whose credit changed, with the
    evidence that appeared or disappeared and the document versions published in between."""
    as_of = as_of or date.today()
    before = {l["lab"]: l for l in scores(con, as_of=since, lab=lab)["labs"]}
    after = {l["lab"]: l for l in scores(con, as_of=as_of, lab=lab)["labs"]}
    cat_w = dict(con.execute("SELECT DISTINCT category, category_weight FROM rubric_criteria").fetchall())
    out = []
    for lab_id, now_ in after.items():
        then = before.get(lab_id)
        if then is None:
            continue
        old_c = {c["criterion_id"]: c for c in then["criteria"]}
        moves = []
        for c in now_["criteria"]:
            o = old_c.get(c["criterion_id"])
            if o is None or abs(o["credit"] - c["credit"]) < 1e-9:
                continue
            points = (
                100 * cat_w.get(c["category"], 0) * c["weight"] * (c["credit"] - o["credit"]) if c["scored"] else 0.0
            )
            gone = {e["text"] for e in o["evidence"]} - {e["text"] for e in c["evidence"]}
            came = {e["text"] for e in c["evidence"]} - {e["text"] for e in o["evidence"]}
            docs = sorted({e["document_id"] for e in o["evidence"] + c["evidence"]})
            moves.append(
                {
                    "criterion_id": c["criterion_id"],
                    "old_credit": o["credit"],
                    "new_credit": c["credit"],
                    "points": round(points, 2),
                    "evidence_removed": sorted(gone),
                    "evidence_added": sorted(came),
                    "documents": docs,
                }
            )
        published = con.execute(
            "SELECT document_id, version_id, coalesce(published, CAST(seen_at AS DATE)) AS d FROM versions "
            "WHERE lab = ? AND coalesce(published, CAST(seen_at AS DATE)) > ? "
            f"AND coalesce(published, CAST(seen_at AS DATE)) <= ? ORDER BY {version_order()}",
            [lab_id, since, as_of],
        ).fetchall()
        out.append(
            {
                "lab": lab_id,
                "since": since.isoformat(),
                "as_of": as_of.isoformat(),
                "old_score": then["score"],
                "new_score": now_["score"],
                "delta": round(now_["score"] - then["score"], 2),
                "criteria": moves,
                "versions": [{"document_id": d, "version_id": v, "published": p.isoformat()} for d, v, p in published],
            }
        )
    return out


def clip_words(text: str, limit: int = 90) -> str:
    """``text`` on one line, cut at the last whole word within ``limit`` characters (then "…")."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] if " " in flat[: limit - 1] else flat[: limit - 1]
    return cut.rstrip(",;:") + "…"


def explain_score_change(move: dict) -> str:
    """One line a person can read: 'score for X fell 6.2 points since D because …'."""
    verb = "rose" if move["delta"] > 0 else "fell" if move["delta"] < 0 else "did not change"
    line = f"score for {move['lab']} {verb} {abs(move['delta']):.1f} points between {move['since']} and {move['as_of']}"
    reasons = []
    for c in move["criteria"]:
        part = f"{c['criterion_id']} credit {c['old_credit']:g} -> {c['new_credit']:g} ({c['points']:+.1f})"
        if c["evidence_removed"] and not c["evidence_added"]:
            part += f': "{clip_words(c["evidence_removed"][0])}" is no longer in the current version'
        elif c["evidence_added"]:
            part += f': new evidence "{clip_words(c["evidence_added"][0])}"'
        reasons.append(part)
    if move["versions"]:
        reasons.append("new versions: " + ", ".join(f"{v['document_id']} ({v['published']})" for v in move["versions"]))
    return line + (" because " + "; ".join(reasons) if reasons else "")
