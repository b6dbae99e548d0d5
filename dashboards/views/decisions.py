"""What the review buttons do: build review events, record them, and remember them for undo.

These run as Streamlit callbacks (before the page is redrawn), so the next suggestion appears
right after a decision. Every decision needs the reviewer's name; every batch of events a click
produced is one entry on the session's undo stack.
"""

from __future__ import annotations

import streamlit as st

from labwatch.dashboards import data
from labwatch.dashboards.views.common import reviewer, say
from labwatch.warehouse import reviews
from labwatch.warehouse.exceptions import WarehouseError
from labwatch.warehouse.journal import ReviewEvent
from labwatch.warehouse.reviews import MatchRef

ORIGIN = "dashboard"


def _ref_of(event: ReviewEvent) -> MatchRef:
    return MatchRef(event.match_id, event.lab, event.document_id, event.norm_hash, event.text, event.criterion_id)


def _commit(path: str, events: list[ReviewEvent], summary: str, *, undoable: bool = True) -> None:
    loaded = data.record(path, events)
    if undoable:
        st.session_state.setdefault("undo_stack", []).append(
            {"summary": summary, "refs": [_ref_of(e) for e in events if e.decision != "withdrawn"]}
        )
    where = "" if loaded else " (saved in the journal; the warehouse is busy and loads it on its next write)"
    say("success", summary + where)


def _named() -> bool:
    if reviewer():
        return True
    say("error", "Enter your name in the sidebar first: no decision is recorded without a reviewer.")
    return False


def _guarded(fn):
    """Turn warehouse errors inside a callback into a message instead of a traceback."""

    def run(*args, **kwargs):
        try:
            fn(*args, **kwargs)
        except WarehouseError as exc:
            say("error", f"Nothing recorded: {exc}")
        except OSError as exc:  # the journal folder could not be written
            say("error", f"Nothing recorded: the review journal could not be written ({exc})")

    run.__doc__ = fn.__doc__
    return run


@_guarded
def decide(path: str, ref: MatchRef, action: str, target: str | None = None) -> None:
    """Confirm (with the credit slider's value), reject, or confirm for ``target`` (default: the
    criterion picked in "q_other"; this also rejects the suggested criterion) the suggestion ``ref``."""
    if not _named():
        return
    credit = float(st.session_state.get("q_credit", 1.0))
    note = (st.session_state.get("q_note") or "").strip() or None
    if action == "confirm":
        events = reviews.confirm(ref, reviewer=reviewer(), credit=credit, note=note, origin=ORIGIN)
        summary = f"Confirmed {ref.criterion_id} (credit {credit:g})"
    elif action == "reject":
        events = reviews.reject(ref, reviewer=reviewer(), note=note, origin=ORIGIN)
        summary = f"Rejected {ref.criterion_id}"
    else:
        target = target or st.session_state.get("q_other")
        if not target or target == ref.criterion_id:
            say("error", "Pick a different criterion first.")
            return
        events = reviews.reassign(ref, target, reviewer=reviewer(), credit=credit, note=note, origin=ORIGIN)
        summary = f"Confirmed for {target} instead of {ref.criterion_id} (credit {credit:g})"
    _commit(path, events, summary)
    st.session_state["q_credit"] = 1.0
    st.session_state["q_note"] = ""


def skip(match_id: str) -> None:
    """Put a suggestion aside for this session (no event is recorded)."""
    st.session_state.setdefault("skipped", set()).add(match_id)


@_guarded
def undo(path: str) -> None:
    """Withdraw every event of the session's latest decision (one withdrawn event per match)."""
    if not _named():
        return
    stack = st.session_state.get("undo_stack") or []
    if not stack:
        say("info", "Nothing to undo in this session.")
        return
    last = stack.pop()
    events = [
        e
        for ref in reversed(last["refs"])
        for e in reviews.withdraw(ref, reviewer=reviewer(), note=f"undo: {last['summary']}", origin=ORIGIN)
    ]
    _commit(path, events, f"Undone: {last['summary']}", undoable=False)


@_guarded
def decide_all(path: str, refs: tuple[MatchRef, ...], decision: str) -> None:
    """Confirm or reject every listed suggestion at once (after the reviewer ticked "I have read")."""
    if not _named():
        return
    if not st.session_state.get("bulk_ack"):
        say("error", 'Tick "I have read these suggestions" first.')
        return
    note = f"bulk decision on {len(refs)} suggestions"
    decide_one = reviews.confirm if decision == "confirmed" else reviews.reject
    events = [e for ref in refs for e in decide_one(ref, reviewer=reviewer(), note=note, origin=ORIGIN)]
    _commit(path, events, f"{decision.capitalize()} {len(refs)} suggestions at once")
    st.session_state["bulk_ack"] = False


@_guarded
def attach(path: str, passages: dict[str, dict]) -> None:
    """Confirm the criterion picked in "a_criterion" for the passage picked in "a_statement" (one
    of ``passages``, by statement id)."""
    if not _named():
        return
    statement_id, criterion_id = st.session_state.get("a_statement"), st.session_state.get("a_criterion")
    if statement_id not in passages or not criterion_id:
        say("error", "Pick a passage and a criterion first.")
        return
    ref = data.ref_of(passages[statement_id], criterion_id)
    credit = float(st.session_state.get("a_credit", 1.0))
    events = reviews.confirm(ref, reviewer=reviewer(), credit=credit, note="attached by a reviewer", origin=ORIGIN)
    _commit(path, events, f"Attached {criterion_id} to the chosen passage (credit {credit:g})")


@_guarded
def confirm_above(path: str, target: float, shown: tuple[str, ...], filters: tuple) -> None:
    """Confirm, with origin bulk, the suggestions the button showed (match ids ``shown``) that
    are still undecided at probability >= ``target``; one entry on the undo stack."""
    if not _named():
        return
    from labwatch.warehouse.bulk import BulkPlan

    lab, criterion, document = filters
    plan = data.bulk_plan(path, target, lab, criterion, document)
    plan = BulkPlan(plan.target, [i for i in plan.items if i["match_id"] in set(shown)])
    if not plan.n:
        say("info", "Nothing left to confirm at that target.")
        return
    batch, n, loaded = data.confirm_above(path, plan, reviewer())
    summary = f"Confirmed {n} suggestions at probability >= {target:g} (bulk batch {batch})"
    st.session_state.setdefault("undo_stack", []).append(
        {"summary": summary, "refs": [data.ref_of(i) for i in plan.items]}
    )
    say("success", summary + ("" if loaded else " (saved in the journal; the warehouse is busy)"))


@_guarded
def undo_batch(path: str, batch: str) -> None:
    """Withdraw every standing decision of a bulk batch."""
    if not _named():
        return
    n, loaded = data.withdraw_batch(path, batch, reviewer())
    say(
        "success", f"Undone bulk batch {batch}: {n} decisions withdrawn" + ("" if loaded else " (saved in the journal)")
    )
