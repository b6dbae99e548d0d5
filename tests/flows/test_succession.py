"""Succession without a model: declared links make changes cross documents and retire the
predecessor from scores once the successor is current; a lab's look-alike new document is
proposed as a successor, an unrelated one is not. Hand-made versions in a real DuckDB file."""

from __future__ import annotations

from datetime import date

import pytest

from labwatch.corpus.exceptions import CorpusError
from labwatch.flows.succession import (
    Link,
    documents_to_compare,
    proposals,
    propose_successions,
    record_links,
    similarity,
)
from labwatch.warehouse import queries, scoring, store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.reviews import new_event, record_events, resolve_match
from tests.warehouse.conftest import make_record, rubric_rows

RISK = [
    ("We will give external evaluators access to each frontier model before release.", None, True),
    ("We will repeat our capability evaluations at least every 3 months.", "commitments.assessment_frequency", True),
    ("Our board approves every change to this framework.", None, True),
    ("We will publish a summary of each risk assessment within 30 days.", None, True),
]
# the renamed framework keeps most sentences and weakens the evaluation interval
FRONTIER = (
    RISK[:1]
    + [
        (
            "We will repeat our capability evaluations at least every 6 months.",
            "commitments.assessment_frequency",
            True,
        ),
    ]
    + RISK[2:]
)
UNRELATED = [
    ("Employees may report concerns to an anonymous hotline run by an outside firm.", None, True),
    ("The hotline operator forwards each report to the audit committee within a week.", None, True),
]


@pytest.fixture()
def wh(tmp_path):
    w = Warehouse(tmp_path / "w.duckdb", timeout=20)
    with w.write() as con:
        store.store_rubric(con, rubric_rows())
        store.store_version(con, make_record("gamma", "risk-framework", RISK, sha="r1", published=date(2025, 2, 1)))
        store.store_version(
            con, make_record("gamma", "frontier-framework", FRONTIER, sha="f1", published=date(2025, 9, 1))
        )
    return w


def _link(wh):
    return record_links(
        wh,
        [Link("gamma", "frontier-framework", "risk-framework", "corpus/gamma/frontier-framework/versions.yaml")],
        origin="corpus",
        scope=[("gamma", "frontier-framework"), ("gamma", "risk-framework")],
    )


def _changes(wh):
    with wh.read() as con:
        return queries.changes(con, lab="gamma")


def test_without_a_link_a_renamed_document_is_not_compared(wh):
    assert _changes(wh) == []


def test_a_declared_link_compares_the_successor_with_its_predecessor(wh):
    assert _link(wh) == {("gamma", "frontier-framework")}
    [change] = _changes(wh)
    assert change["kind"] == "weakened" and "6 months" in change["new"]
    assert change["document_id"] == "frontier-framework" and change["old_document_id"] == "risk-framework"
    assert (change["old_snapshot_sha256"], change["new_snapshot_sha256"]) == ("r1", "f1")
    assert change["old_page"] == change["new_page"] == 1 and change["silent_reupload"] is False
    assert _link(wh) == set()  # recording the same declaration again changes nothing
    assert len(_changes(wh)) == 1


def test_withdrawing_the_declaration_removes_the_cross_document_changes(wh):
    _link(wh)
    assert record_links(wh, [], origin="corpus", scope=[("gamma", "frontier-framework")]) == {
        ("gamma", "frontier-framework")
    }
    assert _changes(wh) == []


def test_a_link_from_another_origin_that_closes_a_cycle_is_refused(wh):
    _link(wh)
    with pytest.raises(CorpusError, match=r"gamma\.yaml: supersedes: a cycle in lab 'gamma'"):
        record_links(
            wh, [Link("gamma", "risk-framework", "frontier-framework", "gamma.yaml")], origin="registry", scope=[]
        )
    with wh.read() as con:  # nothing of the refused declaration was kept
        assert con.execute("SELECT count(*) FROM successions").fetchone()[0] == 1


def test_score_as_of_follows_the_succession(wh):
    """Evidence confirmed in the predecessor counts until the successor is current, then the
    successor's own wording counts (here it no longer says every 3 months)."""
    with wh.read() as con:
        mid = con.execute(
            "SELECT match_id FROM matches WHERE version_id IN (SELECT version_id FROM versions "
            "WHERE document_id = 'risk-framework') AND suggested"
        ).fetchone()[0]
        ref = resolve_match(con, mid)
    record_events(wh, [new_event(ref, reviewer="ana", decision="confirmed")])
    with wh.write():
        pass  # loads the journal
    _link(wh)
    with wh.read() as con:
        before = scoring.scores(con, as_of=date(2025, 6, 1), lab="gamma")["labs"][0]
        after = scoring.scores(con, as_of=date(2025, 10, 1), lab="gamma")["labs"][0]
        current = {r[0] for r in con.execute("SELECT document_id FROM current_versions(DATE '2025-10-01')").fetchall()}
    assert before["score"] > 0 and after["score"] == 0
    [ev] = [c for c in before["criteria"] if c["criterion_id"] == "commitments.assessment_frequency"][0]["evidence"]
    assert ev["document_id"] == "risk-framework"
    assert current == {"frontier-framework"}  # the predecessor is retired once its successor is current


def test_a_predecessors_new_version_recomputes_its_successor(wh):
    _link(wh)
    with wh.write() as con:
        assert documents_to_compare(con, {("gamma", "risk-framework")}) == [("gamma", "frontier-framework")]


def test_a_look_alike_new_document_is_proposed_and_an_unrelated_one_is_not(wh):
    with wh.write() as con:
        store.store_version(con, make_record("gamma", "hotline", UNRELATED, sha="h1", published=date(2025, 10, 1)))
        made = propose_successions(con, {("gamma", "frontier-framework"), ("gamma", "hotline")})
    with wh.read() as con:
        [p] = proposals(con, lab="gamma")
    assert made == 1
    assert (p["document_id"], p["supersedes"], p["declare"]) == (
        "frontier-framework",
        "risk-framework",
        "supersedes: risk-framework",
    )
    assert p["similarity"] >= 0.5
    _link(wh)  # once declared, it is no longer a proposal
    with wh.read() as con:
        assert proposals(con, lab="gamma") == []


def test_similarity_is_shared_eight_word_runs_of_the_smaller_text():
    a = " ".join(t for t, _, _ in RISK)
    assert similarity(a, a) == 1.0
    assert similarity(a, a + " " + " ".join(t for t, _, _ in UNRELATED)) == 1.0  # contained
    assert similarity(a, " ".join(t for t, _, _ in UNRELATED)) == 0.0
    assert 0.3 < similarity(a, " ".join(t for t, _, _ in FRONTIER)) < 1.0


def test_an_elder_stored_after_its_look_alike_still_yields_the_proposal(tmp_path):
    """A corpus read in name order may store the newer document first."""
    w = Warehouse(tmp_path / "order.duckdb", timeout=20)
    with w.write() as con:
        store.store_version(con, make_record("gamma", "a-new", FRONTIER, sha="n1", published=date(2025, 9, 1)))
        assert propose_successions(con, {("gamma", "a-new")}) == 0  # nothing older yet
        store.store_version(con, make_record("gamma", "z-old", RISK, sha="o1", published=date(2025, 2, 1)))
        assert propose_successions(con, {("gamma", "z-old")}) == 1
        [p] = proposals(con, lab="gamma")
    assert (p["document_id"], p["supersedes"]) == ("a-new", "z-old")
