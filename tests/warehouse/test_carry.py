"""Decisions carried across versions: a rewording keeps the confirmed evidence (score unchanged)
as a visible, undoable `carried` event naming its source; a weakened counterpart waits in the
queue with the old decision shown. Hand-made versions, real journal and DuckDB file."""

from __future__ import annotations

from datetime import date

from labwatch.flows.change_detection import recompute_changes
from labwatch.warehouse import queries, scoring, store
from labwatch.warehouse.carry import carry_decisions
from labwatch.warehouse.reviews import new_event, record_events, resolve_match
from tests.flows.conftest import invoke_json

from .conftest import make_record

CRIT = "commitments.assessment_frequency"
V1 = [
    ("We will run a full capability assessment of each frontier model every 3 months.", CRIT, True),
    ("Our offices are in a converted mill.", None, False),
]
REWORDED = [
    ("Every 3 months, we will run a full capability assessment of each frontier model.", CRIT, True),
    ("Our offices are in a converted mill.", None, False),
]
WEAKENED = [
    ("We aim to run a full capability assessment of each frontier model every 3 months.", CRIT, False),
    ("Our offices are in a converted mill.", None, False),
]


def _setup(wh, second):
    with wh.write() as con:
        store.store_version(con, make_record("delta", "policy", V1, sha="d1", published=date(2025, 1, 1)))
        mid = con.execute(
            "SELECT match_id FROM matches WHERE lab = 'delta' AND criterion_id = ? AND suggested", [CRIT]
        ).fetchone()[0]
    with wh.read() as con:
        source = new_event(resolve_match(con, mid), reviewer="ana", decision="confirmed")
    record_events(wh, [source])
    with wh.write() as con:
        store.store_version(con, make_record("delta", "policy", second, sha="d2", published=date(2025, 6, 1)))
        recompute_changes(con, "delta", "policy")
        [change] = queries.changes(con, lab="delta")
        carried = carry_decisions(con, wh.journal_dir, "delta", "policy")
    return source, change, carried


def _score(wh, day):
    with wh.read() as con:
        return scoring.scores(con, as_of=day, lab="delta")["labs"][0]["score"]


def test_a_reworded_commitment_carries_its_decision_and_the_score_stays(wh):
    source, change, carried = _setup(wh, REWORDED)
    assert change["kind"] == "reworded"
    [event] = carried
    assert (event.decision, event.reviewer, event.origin, event.credit) == ("carried", "labwatch", "carried", 1.0)
    assert event.text == REWORDED[0][0] and event.criterion_id == CRIT
    assert source.event_id in event.note and "confirmed by ana" in event.note
    assert any(p.name.endswith(f"{event.event_id}.json") for p in wh.journal_dir.glob("*.json"))  # journaled
    with wh.read() as con:
        shown = con.execute(
            "SELECT decision, origin, note FROM reviews WHERE review_id = ?", [event.event_id]
        ).fetchone()
        standing = con.execute("SELECT decision, credit FROM decisions WHERE match_id = ?", [event.match_id]).fetchone()
    assert shown == ("carried", "carried", event.note)  # a review event of its own kind
    assert standing == ("confirmed", 1.0)
    assert _score(wh, date(2025, 3, 1)) > 0
    assert _score(wh, date(2025, 7, 1)) == _score(wh, date(2025, 3, 1))  # rewording only: score unchanged


def test_a_carried_decision_is_undone_like_any_other_and_never_carried_again(wh):
    _, _, [event] = _setup(wh, REWORDED)
    with wh.read() as con:
        undo = new_event(resolve_match(con, event.match_id), reviewer="bob", decision="withdrawn")
    record_events(wh, [undo])
    assert _score(wh, date(2025, 7, 1)) == 0
    with wh.write() as con:
        assert carry_decisions(con, wh.journal_dir, "delta", "policy") == []
        queue = {i["match_id"] for i in queries.review_queue(con, lab="delta", limit=None)}
    assert event.match_id in queue  # back with the reviewers


def test_a_weakened_counterpart_waits_in_the_queue_with_the_old_decision(wh):
    source, change, carried = _setup(wh, WEAKENED)
    assert change["kind"] == "weakened" and carried == []
    with wh.read() as con:
        [item] = [i for i in queries.review_queue(con, lab="delta", limit=None) if i["criterion_id"] == CRIT]
    assert item["text"] == WEAKENED[0][0]
    previous = item["previous"]
    assert (previous["previous_decision"], previous["previous_reviewer"]) == ("confirmed", "ana")
    assert previous["previous_text"] == V1[0][0] and previous["change_kind"] == "weakened"
    assert previous["change_reason"]
    assert _score(wh, date(2025, 7, 1)) == 0  # credit counts from the reviewer's new decision only
    listed = invoke_json("review", "list", "--db", wh.path, "--lab", "delta")["items"]
    assert [i["previous"]["change_kind"] for i in listed if i["id"] == item["match_id"]] == ["weakened"]
    with wh.read() as con:
        decision = new_event(resolve_match(con, item["match_id"]), reviewer="ana", decision="confirmed", credit=0.5)
    record_events(wh, [decision])
    assert 0 < _score(wh, date(2025, 7, 1)) < _score(wh, date(2025, 3, 1))
