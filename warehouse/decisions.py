"""Standing decisions: review events loaded from the journal and replayed per match.

The standing decision of a match replays its events in order: a confirmation or rejection is
pushed, a withdrawal ("undo") pops the latest one, so undo restores what stood before. Every
write transaction of ``db.Warehouse`` calls ``load_journal``, so this module imports nothing of
``db`` (no circle).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from labwatch.warehouse.journal import (
    CLOCK_SKEW,
    DECISIONS,
    ReviewEvent,
    event_id_of,
    list_event_files,
    quarantine,
    read_event,
    stray_files,
)
from labwatch.warehouse.rows import insert_missing

EVENT_COLUMNS = list(ReviewEvent.__dataclass_fields__)


def load_journal(con: duckdb.DuckDBPyConnection, journal_dir) -> int:
    """Load journal events the warehouse has not seen yet; returns how many were loaded.

    Every new file is validated (``journal.read_event``). One that is not a valid event (not
    JSON, a value out of range, a time in the future, a match id that is not its own) is moved
    to the quarantine folder with its reason (``journal.quarantined`` lists them for ``labwatch
    status`` and the dashboard): never silently skipped, and never in the way of the other events
    or of the write. Files sharing one event id keep one event (``_keep_one``): a decision is
    never lost because a copy or a forgery of it appeared beside it.
    """
    journal_dir = Path(journal_dir)
    for stray in stray_files(journal_dir):
        quarantine(journal_dir, stray, f"{stray.name}: not a review event file (<time>-<event id>.json)")
    files = list_event_files(journal_dir)
    if not files:
        return 0
    by_id: dict[str, list[Path]] = {}
    for p in files:
        by_id.setdefault(event_id_of(p), []).append(p)
    known = {r[0] for r in con.execute("SELECT event_id FROM review_events").fetchall()}
    stored = _stored_events(con, [i for i, paths in by_id.items() if len(paths) > 1 and i in known])
    events = []
    for event_id, paths in by_id.items():
        if len(paths) > 1:
            kept = _keep_one(journal_dir, event_id, paths, stored.get(event_id))
        elif event_id in known:
            continue  # the common case: loaded before, not read again
        else:
            try:
                kept = read_event(paths[0])
            except (OSError, ValueError, TypeError) as exc:
                quarantine(journal_dir, paths[0], f"{paths[0].name}: not a valid review event: {exc}")
                continue
        if kept is not None and event_id not in known:
            events.append(kept)
    insert_events(con, events)
    return len(events)


def _content(event: ReviewEvent) -> tuple:
    """What an event says, whatever the spelling of its file (key order, spacing, time format)."""
    return (*(getattr(event, f) for f in EVENT_COLUMNS if f != "created_at"), event.time().replace(tzinfo=None))


def _stored_events(con: duckdb.DuckDBPyConnection, event_ids: list[str]) -> dict[str, tuple]:
    """The content (``_content``) of the stored events with these ids."""
    if not event_ids:
        return {}
    cols = [f for f in EVENT_COLUMNS if f != "created_at"]
    rows = con.execute(
        f"SELECT {', '.join(cols)}, created_at FROM review_events WHERE event_id IN (SELECT unnest(?))",
        [event_ids],
    ).fetchall()
    return {r[0]: tuple(r) for r in rows}


def _keep_one(journal_dir: Path, event_id: str, paths: list[Path], stored: tuple | None) -> ReviewEvent | None:
    """Of the files sharing one event id, the event to keep; every other file is quarantined
    with a reason naming the file that was kept.

    Invalid files are quarantined as any invalid file. Of the valid ones, the one the warehouse
    already holds is kept (it was loaded before the others appeared, so a replay and the
    warehouse agree); else the one written first: earliest recorded time, then file name.
    Copies with the same content are one event, so nothing is lost; a file with the same id but
    other content decides nothing, and its reason says so.
    """
    valid: list[tuple[ReviewEvent, Path]] = []
    for p in paths:
        try:
            valid.append((read_event(p), p))
        except (OSError, ValueError, TypeError) as exc:
            quarantine(journal_dir, p, f"{p.name}: not a valid review event: {exc}")
    if not valid:
        return None
    valid.sort(key=lambda vp: (stored is None or _content(vp[0]) != stored, vp[0].time(), vp[1].name))
    keeper, kept_file = valid[0]
    for event, p in valid[1:]:
        if _content(event) == _content(keeper):
            why = f"{p.name}: a second copy of event {event_id!r}; the event is kept, from {kept_file.name}"
        else:
            why = (
                f"{p.name}: event id {event_id!r} is also held by {kept_file.name} with different content; "
                f"{kept_file.name} was written first and is kept, this file decides nothing"
            )
        quarantine(journal_dir, p, why)
    return keeper


def insert_events(con: duckdb.DuckDBPyConnection, events: list[ReviewEvent]) -> None:
    """Insert events (ignoring ones already present) and refresh their matches' decisions."""
    if not events:
        return
    import pandas as pd  # here, not at import: commands that only read never pay its 0.4 s

    df = pd.DataFrame([{c: getattr(e, c) for c in EVENT_COLUMNS} for e in events], columns=EVENT_COLUMNS)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True).dt.tz_localize(None)
    df["credit"] = df["credit"].astype("float64")
    con.register("_events", df)
    try:
        insert_missing(con, "review_events", EVENT_COLUMNS, "_events", ["event_id"])
    finally:
        con.unregister("_events")
    rebuild_decisions(con, sorted({e.match_id for e in events}))


def latest_valid_time() -> datetime:
    """The latest time an event may claim (naive UTC, as stored): now plus the clock skew."""
    return (datetime.now(UTC) + CLOCK_SKEW).replace(tzinfo=None)


def rebuild_decisions(con: duckdb.DuckDBPyConnection, match_ids: list[str] | None = None) -> None:
    """Replay events into the ``decisions`` table (for the given matches, or all)."""
    params: list = [latest_valid_time()]
    if match_ids is not None:
        if not match_ids:
            return
        params.append(match_ids)
    # events stored before they were validated on read may be out of range: they decide nothing
    valid = (
        f"decision IN ({', '.join(repr(d) for d in DECISIONS)}) AND trim(coalesce(reviewer, '')) <> '' "
        "AND (credit IS NULL OR (credit >= 0 AND credit <= 1)) AND created_at <= ?"
    )
    where = f"WHERE {valid}" + (" AND match_id IN (SELECT unnest(?))" if match_ids is not None else "")
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
            latest_by_reviewer[ev[6]] = _standing(ev[7], ev[8])
        disagreement = len(set(latest_by_reviewer.values())) > 1
        credit = top[8] if top[8] is not None else (1.0 if top[7] == "confirmed" else 0.0)
        out.append(
            (
                match_id,
                top[1],
                top[2],
                top[3],
                top[4],
                top[5],
                _standing(top[7], top[8]),
                credit,
                top[6],
                top[9],
                top[10],
                top[11],
                len(events),
                disagreement,
            )
        )
    ids = list(by_match) if match_ids is None else match_ids
    if match_ids is None:
        con.execute("DELETE FROM decisions")
    else:
        con.execute("DELETE FROM decisions WHERE match_id IN (SELECT unnest(?))", [ids])
    if out:
        _bulk_decisions(con, out)


def _standing(decision: str, credit: float | None) -> str:
    """What an event decides: a carried decision stands as the confirmation (credit > 0) or
    rejection (credit 0) it carries."""
    if decision == "carried":
        return "confirmed" if credit else "rejected"
    return decision


def _bulk_decisions(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    cols = [
        "match_id",
        "lab",
        "document_id",
        "norm_hash",
        "text",
        "criterion_id",
        "decision",
        "credit",
        "reviewer",
        "note",
        "decided_at",
        "event_id",
        "n_events",
        "disagreement",
    ]
    import pandas as pd

    df = pd.DataFrame(rows, columns=cols)
    con.register("_dec", df)
    try:
        con.execute(f"INSERT INTO decisions SELECT {', '.join(cols)} FROM _dec")
    finally:
        con.unregister("_dec")


def labelled_decisions(con: duckdb.DuckDBPyConnection, model: str) -> list[tuple]:
    """(text, criterion_id, confirmed?, stored vector under ``model`` or None, lab) of every
    standing confirmation or rejection: the examples the matcher learns from. Bulk decisions
    are left out: they are the matcher's own guesses accepted wholesale (warehouse/bulk.py)."""
    return con.execute(
        "SELECT d.text, d.criterion_id, d.decision = 'confirmed', e.vector, d.lab FROM decisions d "
        "LEFT JOIN embeddings e ON e.model = ? AND e.text_hash = d.norm_hash "
        "LEFT JOIN review_events r ON r.event_id = d.event_id "
        "WHERE d.decision IN ('confirmed', 'rejected') AND coalesce(r.origin, '') <> 'bulk'",
        [model],
    ).fetchall()
