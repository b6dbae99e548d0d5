"""Bulk confirmation: exactly the undecided suggestions at or above the target, each an ordinary
journaled event with origin bulk, undoable one by one or as a batch, visible in evidence, and
never learned from."""

from __future__ import annotations

import json
from datetime import date

import pytest

from labwatch.extractors.records import Features, Passage, Suggestion
from labwatch.warehouse import reviews as R
from labwatch.warehouse import store
from labwatch.warehouse.bulk import latest_batch, plan_bulk_confirm, record_bulk_confirm, withdraw_batch
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.decisions import labelled_decisions
from labwatch.warehouse.exceptions import InvalidDecision
from labwatch.warehouse.journal import list_event_files
from labwatch.warehouse.queries import review_queue
from labwatch.warehouse.scoring import scores

from .conftest import rubric_rows

FIRM = Features(True, "firm", "commitment", modality="will", why="firm modal")
# (text, criterion, probability); the last has no probability (matched before migration 0011)
ALPHA = [
    ("We will run assessments every 3 months.", "commitments.assessment_frequency", 0.99),
    ("External evaluators get pre-deployment access.", "measuring.third_party_access", 0.95),
    ("We publish a quarterly risk update.", "accountability.verification", 0.9499),
    ("We watch for cyber and biology capabilities.", "measuring.names_capabilities", 0.70),
    ("We test for autonomous replication.", "measuring.key_domains", None),
]
BETA = [("Beta will test every model before release.", "measuring.third_party_access", 0.97)]


def _record(lab, rows, sha):
    return store.VersionRecord(
        lab=lab,
        document_id="policy",
        snapshot_sha=sha,
        text="\n\n".join(t for t, _, _ in rows),
        format="text",
        parser="test",
        extractor_version="test",
        passages=[Passage(seq=i, text=t, page=1) for i, (t, _, _) in enumerate(rows)],
        features=[FIRM] * len(rows),
        suggestions=[[Suggestion(c, 0.8, 1, True, "exemplar", p)] for _, c, p in rows],
        published=date(2025, 1, 1),
    )


@pytest.fixture()
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb", timeout=20)
    with w.write() as con:
        store.store_rubric(con, rubric_rows())
        store.store_version(con, _record("alpha", ALPHA, "a1"))
        store.store_version(con, _record("beta", BETA, "b1"))
    return w


def _plan(wh, target=0.95, **kw):
    with wh.read() as con:
        return plan_bulk_confirm(con, target, **kw)


def test_plan_takes_exactly_the_undecided_suggestions_at_or_above_the_target(wh):
    plan = _plan(wh)
    assert [i["text"] for i in plan.items] == [ALPHA[0][0], BETA[0][0], ALPHA[1][0]]  # best first; 0.95 is in
    assert plan.estimated_precision == pytest.approx((0.99 + 0.97 + 0.95) / 3, abs=1e-4)
    assert plan.without_probability == 1
    assert [i["lab"] for i in _plan(wh, lab="beta").items] == ["beta"]
    with wh.read() as con:  # one decided one by one already: no longer in the plan
        ref = R.resolve_match(con, plan.items[0]["match_id"])
    R.record_events(wh, R.reject(ref, reviewer="ana"))
    assert [i["text"] for i in _plan(wh).items] == [BETA[0][0], ALPHA[1][0]]


@pytest.mark.parametrize("target", [0, -0.1, 1.2])
def test_a_target_outside_zero_to_one_is_refused(wh, target):
    with pytest.raises(InvalidDecision, match="target precision"):
        _plan(wh, target)


def test_bulk_decisions_are_journaled_events_with_origin_bulk_and_count_as_evidence(wh):
    plan = _plan(wh)
    batch, n, loaded = record_bulk_confirm(wh, plan, "ana")
    assert (n, loaded) == (3, True)
    journaled = [json.loads(p.read_text()) for p in list_event_files(wh.journal_dir)]
    assert {e["match_id"] for e in journaled} == {i["match_id"] for i in plan.items}
    assert {e["origin"] for e in journaled} == {"bulk"} and all(batch in e["note"] for e in journaled)
    with wh.read() as con:
        assert {i["match_id"] for i in review_queue(con, limit=None)} & {i["match_id"] for i in plan.items} == set()
        doc = scores(con)
        assert latest_batch(con)["batch"] == batch and latest_batch(con)["n"] == 3
        learned = labelled_decisions(con, "none")
    evidence = [
        (l["lab"], c["criterion_id"], e["origin"]) for l in doc["labs"] for c in l["criteria"] for e in c["evidence"]
    ]
    assert sorted(evidence) == sorted(
        [
            ("alpha", "commitments.assessment_frequency", "bulk"),
            ("alpha", "measuring.third_party_access", "bulk"),
            ("beta", "measuring.third_party_access", "bulk"),
        ]
    )
    alpha = next(l for l in doc["labs"] if l["lab"] == "alpha")
    assert alpha["bulk_points"] == pytest.approx(alpha["score"]) and alpha["score"] > 0
    assert learned == []  # the matcher never learns from its own guesses accepted wholesale


def test_one_by_one_confirmation_beside_bulk_takes_the_credit_off_bulk(wh):
    record_bulk_confirm(wh, _plan(wh), "ana")
    with wh.read() as con:
        ref = R.resolve_match(con, _plan(wh, 0.9).items[0]["match_id"])  # 0.9499, not in the batch
        other = R.other_criterion(ref, "commitments.assessment_frequency")
    R.record_events(wh, R.confirm(other, reviewer="bo"))
    with wh.read() as con:
        alpha = next(l for l in scores(con)["labs"] if l["lab"] == "alpha")
    crit = {c["criterion_id"]: c for c in alpha["criteria"]}
    assert not crit["commitments.assessment_frequency"]["from_bulk"]  # a reviewer vouched for it too
    assert crit["measuring.third_party_access"]["from_bulk"]


def test_a_batch_is_undone_as_a_whole_but_a_later_decision_stands(wh):
    with wh.read() as con:
        before = scores(con)
    plan = _plan(wh)
    batch, _, _ = record_bulk_confirm(wh, plan, "ana")
    assert _plan(wh).n == 0
    beta = next(i for i in plan.items if i["lab"] == "beta")
    with wh.read() as con:
        ref = R.resolve_match(con, beta["match_id"])
    R.record_events(wh, R.reject(ref, reviewer="bo"))  # a reviewer overrides one bulk decision
    n, loaded = withdraw_batch(wh, batch, "ana")
    assert (n, loaded) == (2, True)
    with wh.read() as con:
        assert R.standing_decision(con, ref.match_id) == "rejected"
        after = scores(con)
        assert latest_batch(con) is None
    assert [l["score"] for l in after["labs"]] == [l["score"] for l in before["labs"]]
    # the two alpha suggestions are back in the queue, undecided; beta's stays rejected
    assert [i["match_id"] for i in _plan(wh).items] == [i["match_id"] for i in plan.items if i["lab"] == "alpha"]
    with pytest.raises(InvalidDecision, match="no standing decision"):
        withdraw_batch(wh, batch, "ana")
