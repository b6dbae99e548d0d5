"""Review events: recording decisions, loading the journal, and the standing decisions.

Reviews are append-only events on a stable match_id (lab, document, normalised statement text,
criterion). The standing decision of a match replays its events in order: a confirmation or
rejection is pushed, a withdrawal ("undo") pops the latest one, so undo restores what stood
before. Nothing here ever deletes an event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import duckdb

from labwatch.extractors.records import make_match_id, text_hash
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.decisions import insert_events, load_journal, rebuild_decisions  # noqa: F401
from labwatch.warehouse.exceptions import UnknownMatch, WarehouseBusy
from labwatch.warehouse.journal import (
    ReviewEvent,
    append_event,
    utc_now,
)


@dataclass(frozen=True, slots=True)
class MatchRef:
    """What a match id stands for."""

    match_id: str
    lab: str
    document_id: str
    norm_hash: str
    text: str
    criterion_id: str


def resolve_match(con: duckdb.DuckDBPyConnection, match_id: str) -> MatchRef:
    """Find what a match id stands for, from suggestions or from earlier events."""
    row = con.execute(
        "SELECT m.match_id, m.lab, m.document_id, s.norm_hash, s.text, m.criterion_id "
        "FROM matches m JOIN statements s USING (statement_id) WHERE m.match_id = ? LIMIT 1",
        [match_id],
    ).fetchone()
    if row is None:
        row = con.execute(
            "SELECT match_id, lab, document_id, norm_hash, text, criterion_id FROM review_events "
            "WHERE match_id = ? LIMIT 1",
            [match_id],
        ).fetchone()
    if row is None:
        raise UnknownMatch(f"no suggestion with id {match_id!r} (see `labwatch review list`)")
    return MatchRef(*row)


def ref_for_statement(con: duckdb.DuckDBPyConnection, statement_id: str, criterion_id: str) -> MatchRef:
    """The match a reviewer creates by attaching a criterion to any passage."""
    row = con.execute(
        "SELECT lab, document_id, norm_hash, text FROM statements WHERE statement_id = ?", [statement_id]
    ).fetchone()
    if row is None:
        raise UnknownMatch(f"no passage with id {statement_id!r}")
    lab, doc, norm, text = row
    return MatchRef(make_match_id(lab, doc, text, criterion_id), lab, doc, norm, text, criterion_id)


def new_event(
    ref: MatchRef,
    *,
    reviewer: str,
    decision: str,
    credit: float | None = None,
    note: str | None = None,
    origin: str = "cli",
) -> ReviewEvent:
    return ReviewEvent(
        event_id=uuid.uuid4().hex[:20],
        match_id=ref.match_id,
        lab=ref.lab,
        document_id=ref.document_id,
        norm_hash=ref.norm_hash,
        text=ref.text,
        criterion_id=ref.criterion_id,
        reviewer=reviewer,
        decision=decision,
        credit=credit,
        note=note,
        created_at=utc_now(),
        origin=origin,
    )


def other_criterion(ref: MatchRef, criterion_id: str) -> MatchRef:
    """The same statement's match for another criterion."""
    return MatchRef(
        make_match_id(ref.lab, ref.document_id, ref.text, criterion_id),
        ref.lab,
        ref.document_id,
        ref.norm_hash,
        ref.text,
        criterion_id,
    )


def record_events(wh: Warehouse, events: list[ReviewEvent], *, load_timeout: float = 10.0) -> bool:
    """Make events durable in the journal, then load them into the warehouse.

    Returns True when the warehouse holds them now, False when it was busy (the events stay in
    the journal and the next write loads them). Either way nothing is lost.
    """
    for ev in events:
        append_event(wh.journal_dir, ev)
    quick = Warehouse(wh.path, timeout=load_timeout)
    try:
        with quick.write():
            pass  # every write transaction loads the journal
        return True
    except WarehouseBusy:
        return False


def ref_from_text(lab: str, document_id: str, text: str, criterion_id: str) -> MatchRef:
    """A match reference built from raw text (used by eval's scratch warehouse and imports)."""
    return MatchRef(
        make_match_id(lab, document_id, text, criterion_id), lab, document_id, text_hash(text), text, criterion_id
    )
