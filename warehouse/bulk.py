"""Bulk decisions: confirm at once every undecided suggestion whose probability reaches a target.

A suggestion's probability (``matches.probability``) is the matcher's estimate that it is
right, fitted leave-one-lab-out; a suggestion at 0.97 is an estimated precision of 0.97 for
the pair. ``plan_bulk_confirm`` takes exactly the undecided suggestions of the review queue
(current versions, one per match) at or above the target, so a reviewer sees beforehand how
many there are and their estimated precision (the mean probability: the share expected
right). ``record_bulk_confirm`` confirms them through the one review API (``reviews.confirm``,
journal first), each an ordinary event with origin ``bulk`` and a note naming the batch: any
of them is undone with ``review undo``, the whole batch with ``withdraw_batch``. Bulk decisions
count toward scores like any other (evidence says which came from bulk), but the matcher does
not learn from them (``decisions.labelled_decisions``): they are its own guesses accepted
wholesale, and learning from them would let it vouch for itself.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

import duckdb

from labwatch.warehouse import reviews as R
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.exceptions import InvalidDecision
from labwatch.warehouse.queries import review_queue

BULK_ORIGIN = "bulk"
DEFAULT_TARGET = 0.95
_BATCH = re.compile(r"\bbatch (b_[0-9a-f]{12})\b")


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """The undecided suggestions a bulk confirmation at ``target`` would take, best first."""

    target: float
    items: list[dict] = field(default_factory=list)  # review_queue items (match_id, probability, ...)
    without_probability: int = 0  # undecided suggestions left out: no probability stored yet

    @property
    def n(self) -> int:
        return len(self.items)

    @property
    def estimated_precision(self) -> float | None:
        """The share of these suggestions expected right: their mean probability."""
        return round(sum(i["probability"] for i in self.items) / self.n, 4) if self.items else None

    @property
    def expected_wrong(self) -> float:
        return round(sum(1 - i["probability"] for i in self.items), 1)


def check_target(target: float) -> float:
    """``target`` as a probability in (0, 1]; InvalidDecision otherwise."""
    if not isinstance(target, int | float) or not 0 < target <= 1:
        raise InvalidDecision(f"target precision {target!r} must be above 0 and at most 1")
    return float(target)


def plan_bulk_confirm(
    con: duckdb.DuckDBPyConnection,
    target: float = DEFAULT_TARGET,
    *,
    lab: str | None = None,
    document: str | None = None,
    criterion: str | None = None,
) -> BulkPlan:
    """The undecided suggestions (as ``review_queue`` lists them) whose probability is at least
    ``target``, best first, optionally of one lab, document or criterion."""
    target = check_target(target)
    queue = review_queue(con, lab=lab, document=document, criterion=criterion, limit=None)
    items = [i for i in queue if i["probability"] is not None and i["probability"] >= target]
    items.sort(key=lambda i: (-i["probability"], i["match_id"]))
    return BulkPlan(target, items, sum(1 for i in queue if i["probability"] is None))


def record_bulk_confirm(wh: Warehouse, plan: BulkPlan, reviewer: str) -> tuple[str, int, bool]:
    """Confirm every suggestion of ``plan`` as ``reviewer`` (origin ``bulk``; the note names
    the target, the pair's probability and the batch). Returns (batch id, events, loaded now?)."""
    batch = f"b_{uuid.uuid4().hex[:12]}"
    events = []
    with wh.read() as con:
        for item in plan.items:
            ref = R.resolve_match(con, item["match_id"])
            note = f"bulk confirm at p >= {plan.target:g} (p={item['probability']:.3f}; batch {batch})"
            events += R.confirm(ref, reviewer=reviewer, note=note, origin=BULK_ORIGIN)
    if not events:
        return batch, 0, True
    return batch, len(events), R.record_events(wh, events)


def batch_of(note: str | None) -> str | None:
    """The batch id a bulk event's note names, if any."""
    m = _BATCH.search(note or "")
    return m.group(1) if m else None


def withdraw_batch(wh: Warehouse, batch: str, reviewer: str) -> tuple[int, bool]:
    """Undo a bulk confirmation: withdraw each of its decisions that still stands (one a
    reviewer has since decided again is left alone). Returns (withdrawn, loaded now?)."""
    with wh.read() as con:
        rows = con.execute(
            "SELECT d.match_id, e.note FROM decisions d JOIN review_events e ON e.event_id = d.event_id "
            "WHERE e.origin = ? AND e.decision = 'confirmed'",
            [BULK_ORIGIN],
        ).fetchall()
        refs = [R.resolve_match(con, match_id) for match_id, note in rows if batch_of(note) == batch]
    if not refs:
        raise InvalidDecision(f"no standing decision of bulk batch {batch!r}")
    events = [ev for ref in refs for ev in R.withdraw(ref, reviewer=reviewer, origin=BULK_ORIGIN)]
    return len(events), R.record_events(wh, events)


def latest_batch(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest bulk batch with decisions still standing: {"batch", "n", "reviewer", "at"}."""
    rows = con.execute(
        "SELECT e.note, e.reviewer, e.created_at FROM decisions d JOIN review_events e ON e.event_id = d.event_id "
        "WHERE e.origin = ? AND e.decision = 'confirmed' ORDER BY e.created_at DESC",
        [BULK_ORIGIN],
    ).fetchall()
    batches: dict[str, dict] = {}
    for note, reviewer, at in rows:
        b = batch_of(note)
        if b:
            batches.setdefault(b, {"batch": b, "n": 0, "reviewer": reviewer, "at": at})["n"] += 1
    return next(iter(batches.values()), None)
