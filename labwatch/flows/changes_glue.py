"""Between the warehouse and the pure diff: load statements of consecutive versions, diff them."""

from __future__ import annotations

import hashlib

from labwatch.extractors.records import Features, Passage, Statement


def _statements(con, version_id: str) -> list[Statement]:
    rows = con.execute(
        "SELECT s.statement_id, s.seq, s.text, s.kind, s.page, s.section, s.is_commitment, s.strength, "
        "s.category, s.negated, s.conditions, s.numbers, s.modality, s.why, s.lead_in, "
        "list(m.criterion_id ORDER BY m.rank) FILTER (WHERE m.suggested) AS criteria "
        "FROM statements s LEFT JOIN matches m USING (statement_id) "
        "WHERE s.version_id = ? GROUP BY ALL ORDER BY s.seq",
        [version_id],
    ).fetchall()
    out = []
    for (_sid, seq, text, kind, page, section, is_c, strength, cat, neg, conds, nums, modality, why,
         lead_in, crits) in rows:
        p = Passage(seq=seq, text=text, kind=kind or "sentence", page=page,
                    section=tuple(section.split(" > ")) if section else (), lead_in=lead_in)
        f = Features(is_commitment=bool(is_c), strength=strength or "none", category=cat or "description",
                     negated=bool(neg), conditions=tuple(conds or ()), numbers=tuple(nums or ()),
                     modality=modality, why=why or "")
        out.append(Statement(passage=p, features=f, criteria=tuple(c for c in (crits or ()) if c)))
    return out


def changes_for_document(con, lab: str, document_id: str) -> list[dict]:
    """Rows for the ``changes`` table: every consecutive version pair of one document."""
    from labwatch.extractors.changes import CHANGES_VERSION, diff_statements

    versions = con.execute(
        "SELECT version_id, published FROM versions WHERE lab = ? AND document_id = ? "
        "ORDER BY coalesce(published, CAST(seen_at AS DATE)), ordinal",
        [lab, document_id],
    ).fetchall()
    rows: list[dict] = []
    prev = None
    for vid, published in versions:
        cur = _statements(con, vid)
        if prev is not None:
            old_vid, old = prev
            for i, ch in enumerate(diff_statements(old, cur)):
                old_text = ch.old.text if ch.old is not None else None
                new_text = ch.new.text if ch.new is not None else None
                key = "\x1f".join([old_vid, vid, ch.kind, old_text or "", new_text or "", str(i)])
                rows.append({
                    "change_id": "c_" + hashlib.sha256(key.encode()).hexdigest()[:16],
                    "lab": lab, "document_id": document_id, "old_version_id": old_vid,
                    "new_version_id": vid, "kind": ch.kind, "reason": ch.reason,
                    "old_text": old_text, "new_text": new_text, "criteria": list(ch.criteria),
                    "published": published, "changes_version": CHANGES_VERSION,
                })
        prev = (vid, cur)
    return rows
