"""The review API: confirm, reject, withdraw and reassign a suggestion, and record the events.

Every surface (``labwatch review`` commands, the terminal queue, the dashboard, bulk decisions)
builds its events with ``confirm``, ``reject``, ``withdraw`` or ``reassign`` and makes them
durable with ``record_events``, so a decision means the same wherever it is made.

Reviews are append-only events on a stable match_id (lab, document, normalised statement text,
criterion). The standing decision of a match replays its events in order: a confirmation or
rejection is pushed, a withdrawal ("undo") pops the latest one, so undo restores what stood
before. Nothing here ever deletes an event.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

import duckdb

from labwatch.extractors.records import make_match_id, text_hash
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.decisions import insert_events, load_journal, rebuild_decisions  # noqa: F401
from labwatch.warehouse.exceptions import InvalidDecision, UnknownMatch, WarehouseBusy
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


def new_event(
    ref: MatchRef,
    *,
    reviewer: str,
    decision: str,
    credit: float | None = None,
    note: str | None = None,
    origin: str = "cli",
) -> ReviewEvent:
    """A new event on ``ref``, checked as the journal's reader checks it (``ReviewEvent.from_dict``),
    so that nothing written here is quarantined later; InvalidDecision says what is wrong."""
    event = ReviewEvent(
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
    try:
        ReviewEvent.from_dict(asdict(event))
    except ValueError as exc:
        raise InvalidDecision(f"{ref.match_id}: not recorded: {exc}") from None
    return event


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
    quick = wh.with_timeout(load_timeout)
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


def _checked(reviewer: str, credit: float | None) -> str:
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise InvalidDecision("a decision needs a reviewer's name")
    if credit is not None and not (isinstance(credit, int | float) and 0 <= credit <= 1):
        raise InvalidDecision(f"credit {credit!r} is outside 0..1")
    return reviewer


def confirm(
    ref: MatchRef, *, reviewer: str, credit: float | None = None, note: str | None = None, origin: str = "cli"
) -> list[ReviewEvent]:
    """The events that confirm ``ref`` (full credit unless ``credit`` in 0..1 says partial)."""
    who = _checked(reviewer, credit)
    return [new_event(ref, reviewer=who, decision="confirmed", credit=credit, note=note, origin=origin)]


def reject(ref: MatchRef, *, reviewer: str, note: str | None = None, origin: str = "cli") -> list[ReviewEvent]:
    """The events that reject ``ref``."""
    return [new_event(ref, reviewer=_checked(reviewer, None), decision="rejected", note=note, origin=origin)]


def withdraw(ref: MatchRef, *, reviewer: str, note: str | None = None, origin: str = "cli") -> list[ReviewEvent]:
    """The events that withdraw the latest decision on ``ref`` (what stood before comes back)."""
    return [new_event(ref, reviewer=_checked(reviewer, None), decision="withdrawn", note=note, origin=origin)]


def reassign(
    ref: MatchRef,
    criterion_id: str,
    *,
    reviewer: str,
    credit: float | None = None,
    note: str | None = None,
    origin: str = "cli",
) -> list[ReviewEvent]:
    """Confirm the statement of ``ref`` for another criterion: rejects ``ref`` (noting where it
    went) and confirms the statement's match for ``criterion_id``."""
    if not criterion_id or criterion_id == ref.criterion_id:
        raise InvalidDecision(f"reassigning needs a criterion other than {ref.criterion_id}")
    who = _checked(reviewer, credit)
    return [
        new_event(ref, reviewer=who, decision="rejected", note=f"confirmed for {criterion_id} instead", origin=origin),
        new_event(
            other_criterion(ref, criterion_id),
            reviewer=who,
            decision="confirmed",
            credit=credit,
            note=note,
            origin=origin,
        ),
    ]


def known_criteria(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The criterion ids of the warehouse's rubric (what ``reassign`` may name)."""
    return {r[0] for r in con.execute("SELECT criterion_id FROM rubric_criteria").fetchall()}


def check_criterion(con: duckdb.DuckDBPyConnection, criterion_id: str) -> None:
    """Raise ``InvalidDecision`` naming the known criteria when ``criterion_id`` is not one."""
    known = known_criteria(con)
    if criterion_id not in known:
        raise InvalidDecision(f"{criterion_id!r} is not a rubric criterion ({', '.join(sorted(known))})")


def standing_decision(con: duckdb.DuckDBPyConnection, match_id: str) -> str | None:
    """The decision that stands on ``match_id`` now (None when undecided)."""
    row = con.execute("SELECT decision FROM decisions WHERE match_id = ?", [match_id]).fetchone()
    return row[0] if row else None
