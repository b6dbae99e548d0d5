"""Decisions carried across versions: a lab that merely rewords keeps its confirmed evidence.

When the change detection pairs a decided statement with a ``reworded`` counterpart in the next
version (or in a successor document), ``carry_decisions`` records a ``carried`` review event on
the counterpart's match for each criterion decided on the old statement: written to the journal
first, like every decision, then loaded. Its credit is the source decision's (0 for a rejection),
its reviewer ``labwatch``, its note names the source event, decision and reviewer. It is an
ordinary event: ``review undo`` withdraws it, and a match that has any event already (a
reviewer's decision, or a carried decision withdrawn) is never carried to again. A
``weakened`` or ``strengthened`` counterpart is not carried: it waits in the review queue with
the old decision shown (``previous_decisions``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from labwatch.extractors.records import make_match_id
from labwatch.warehouse.decisions import insert_events
from labwatch.warehouse.journal import ReviewEvent, append_event, utc_now

CARRIER = "labwatch"

# both sides must be single statements of their versions (a merged side is no one statement)
_PAIRS = """
SELECT c.document_id, c.new_version_id, ns.text, ns.norm_hash, d.event_id, d.match_id, d.criterion_id,
       d.decision, d.credit, d.reviewer, c.change_id
FROM changes c
JOIN statements os ON os.version_id = c.old_version_id AND os.seq = c.old_seq AND os.text = c.old_text
JOIN statements ns ON ns.version_id = c.new_version_id AND ns.seq = c.new_seq AND ns.text = c.new_text
JOIN decisions d ON d.lab = c.lab AND d.document_id = coalesce(c.old_document_id, c.document_id)
 AND d.norm_hash = os.norm_hash
WHERE c.lab = ? AND c.document_id = ? AND c.kind = {kind} AND d.decision IN ('confirmed', 'rejected')
ORDER BY c.change_id, d.criterion_id
"""


def carry_decisions(con: duckdb.DuckDBPyConnection, journal_dir: Path, lab: str, document_id: str) -> list[ReviewEvent]:
    """Carry decisions to the reworded counterparts in ``document_id``'s changes; returns the
    events recorded (none twice: event ids are derived from the source event and the target)."""
    rows = con.execute(_PAIRS.format(kind="'reworded'"), [lab, document_id]).fetchall()
    if not rows:
        return []
    targets: dict[str, tuple] = {}
    for r in rows:  # (document, version, text, norm hash, source event, match, criterion, ...)
        targets.setdefault(make_match_id(lab, r[0], r[2], r[6]), r)
    decided = {
        m[0]
        for m in con.execute(
            "SELECT DISTINCT match_id FROM review_events WHERE match_id IN (SELECT unnest(?))", [list(targets)]
        ).fetchall()
    }
    events = []
    for match_id, (doc, vid, text, norm, src_event, src_match, crit, decision, credit, reviewer, _) in targets.items():
        if match_id in decided:
            continue
        key = f"{src_event}\x1f{match_id}".encode()
        events.append(
            ReviewEvent(
                event_id="k_" + hashlib.sha256(key).hexdigest()[:24],
                match_id=match_id,
                lab=lab,
                document_id=doc,
                norm_hash=norm,
                text=text,
                criterion_id=crit,
                reviewer=CARRIER,
                decision="carried",
                credit=float(credit if decision == "confirmed" else 0.0),
                note=f"carried from event {src_event} ({decision} by {reviewer}, match {src_match}): reworded in {vid}",
                created_at=utc_now(),
                origin="carried",
            )
        )
    for ev in events:
        append_event(journal_dir, ev)
    insert_events(con, events)
    return events


def previous_decisions(con: duckdb.DuckDBPyConnection, statement_ids: list[str]) -> dict[tuple[str, str], dict]:
    """For statements that are the weakened or strengthened counterpart of a decided statement:
    {(statement_id, criterion_id): {previous_decision, previous_credit, previous_reviewer,
    previous_text, change_kind, change_reason}}."""
    if not statement_ids:
        return {}
    rows = con.execute(
        "SELECT ns.statement_id, d.criterion_id, d.decision, d.credit, d.reviewer, c.old_text, c.kind, c.reason "
        "FROM statements ns JOIN changes c ON c.new_version_id = ns.version_id AND c.new_seq = ns.seq "
        "  AND c.new_text = ns.text AND c.kind IN ('weakened', 'strengthened') "
        "JOIN statements os ON os.version_id = c.old_version_id AND os.seq = c.old_seq AND os.text = c.old_text "
        "JOIN decisions d ON d.lab = c.lab AND d.document_id = coalesce(c.old_document_id, c.document_id) "
        "  AND d.norm_hash = os.norm_hash "
        "WHERE ns.statement_id IN (SELECT unnest(?)) AND d.decision IN ('confirmed', 'rejected')",
        [statement_ids],
    ).fetchall()
    keys = (
        "previous_decision",
        "previous_credit",
        "previous_reviewer",
        "previous_text",
        "change_kind",
        "change_reason",
    )
    return {(r[0], r[1]): dict(zip(keys, r[2:])) for r in rows}
