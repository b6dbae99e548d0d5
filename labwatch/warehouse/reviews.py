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
import pandas as pd

from labwatch.extractors.records import make_match_id, text_hash
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.exceptions import UnknownMatch, WarehouseBusy
from labwatch.warehouse.journal import (
    ReviewEvent,
    append_event,
    event_id_of,
    list_event_files,
    read_events,
    utc_now,
)

EVENT_COLUMNS = list(ReviewEvent.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class MatchRef:
    """What a match id stands for."""

    match_id: str
    lab: str
    document_id: str
    norm_hash: str
    text: str
    criterion_id: str


def load_journal(con: duckdb.DuckDBPyConnection, journal_dir) -> int:
    """Load journal events the warehouse has not seen yet; returns how many were loaded."""
    files = list_event_files(journal_dir)
    if not files:
        return 0
    known = {r[0] for r in con.execute("SELECT event_id FROM review_events").fetchall()}
    fresh = [p for p in files if event_id_of(p) not in known]
    if not fresh:
        return 0
    events, _problems = read_events(fresh)
    insert_events(con, events)
    return len(events)


def insert_events(con: duckdb.DuckDBPyConnection, events: list[ReviewEvent]) -> None:
    """Insert events (ignoring ones already present) and refresh their matches' decisions."""
    if not events:
        return
    df = pd.DataFrame([{c: getattr(e, c) for c in EVENT_COLUMNS} for e in events], columns=EVENT_COLUMNS)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True).dt.tz_localize(None)
    df["credit"] = df["credit"].astype("float64")
    con.register("_events", df)
    try:
        con.execute(
            f"INSERT OR IGNORE INTO review_events ({', '.join(EVENT_COLUMNS)}) "
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM _events"
        )
    finally:
        con.unregister("_events")
    rebuild_decisions(con, sorted({e.match_id for e in events}))


def rebuild_decisions(con: duckdb.DuckDBPyConnection, match_ids: list[str] | None = None) -> None:
    """Replay events into the ``decisions`` table (for the given matches, or all)."""
    where, params = "", []
    if match_ids is not None:
        if not match_ids:
            return
        where = "WHERE match_id IN (SELECT unnest(?))"
        params = [match_ids]
    rows = con.execute(
        f"SELECT match_id, lab, document_id, norm_hash, text, criterion_id, reviewer, decision, "
        f"credit, note, created_at, event_id FROM review_events {where} "
        f"ORDER BY match_id, created_at, event_id",
        params,
    ).fetchall()
    by_match: dict[str, list[tuple]] = {}
    for row in rows:
        by_match.setdefault(row[0], []).append(row)
    out = []
    for match_id, events in by_match.items():
        stack: list[tuple] = []
        for ev in events:
            if ev[7] == "withdrawn":
                if stack:
                    stack.pop()
            else:
                stack.append(ev)
        if not stack:
            continue
        top = stack[-1]
        latest_by_reviewer: dict[str, str] = {}
        for ev in stack:
            latest_by_reviewer[ev[6]] = ev[7]
        disagreement = len(set(latest_by_reviewer.values())) > 1
        credit = top[8] if top[8] is not None else (1.0 if top[7] == "confirmed" else 0.0)
        out.append((match_id, top[1], top[2], top[3], top[4], top[5], top[7], credit, top[6],
                    top[9], top[10], top[11], len(events), disagreement))
    ids = list(by_match) if match_ids is None else match_ids
    if match_ids is None:
        con.execute("DELETE FROM decisions")
    else:
        con.execute("DELETE FROM decisions WHERE match_id IN (SELECT unnest(?))", [ids])
    if out:
        _bulk_decisions(con, out)


def _bulk_decisions(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    cols = ["match_id", "lab", "document_id", "norm_hash", "text", "criterion_id", "decision", "credit",
            "reviewer", "note", "decided_at", "event_id", "n_events", "disagreement"]
    df = pd.DataFrame(rows, columns=cols)
    con.register("_dec", df)
    try:
        con.execute(f"INSERT INTO decisions SELECT {', '.join(cols)} FROM _dec")
    finally:
        con.unregister("_dec")


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


def new_event(ref: MatchRef, *, reviewer: str, decision: str, credit: float | None = None,
              note: str | None = None, origin: str = "cli") -> ReviewEvent:
    return ReviewEvent(
        event_id=uuid.uuid4().hex[:20], match_id=ref.match_id, lab=ref.lab, document_id=ref.document_id,
        norm_hash=ref.norm_hash, text=ref.text, criterion_id=ref.criterion_id, reviewer=reviewer,
        decision=decision, credit=credit, note=note, created_at=utc_now(), origin=origin,
    )


def other_criterion(ref: MatchRef, criterion_id: str) -> MatchRef:
    """The same statement's match for another criterion."""
    return MatchRef(make_match_id(ref.lab, ref.document_id, ref.text, criterion_id), ref.lab,
                    ref.document_id, ref.norm_hash, ref.text, criterion_id)


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
    return MatchRef(make_match_id(lab, document_id, text, criterion_id), lab, document_id,
                    text_hash(text), text, criterion_id)
