"""Review events: append-only, keyed by content, durable, and they move scores."""

from __future__ import annotations

from datetime import date

from labwatch.warehouse import reviews as R
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.journal import list_event_files
from labwatch.warehouse.queries import review_queue
from labwatch.warehouse.scoring import scores

from .conftest import V2, make_record


def _match(con, text_start, criterion, lab="alpha"):
    return con.execute(
        "SELECT m.match_id FROM matches m JOIN statements s USING (statement_id) "
        "WHERE s.text LIKE ? AND m.criterion_id = ? AND m.lab = ? LIMIT 1",
        [text_start + "%", criterion, lab],
    ).fetchone()[0]


def _score(wh, lab, as_of=None):
    with wh.read() as con:
        doc = scores(con, as_of=as_of, lab=lab)
    return doc["labs"][0]["score"] if doc["labs"] else None


def decide(wh, match_id, decision, reviewer="ann", **kw):
    with wh.read() as con:
        ref = R.resolve_match(con, match_id)
    assert R.record_events(wh, [R.new_event(ref, reviewer=reviewer, decision=decision, **kw)])
    return ref


def test_confirm_moves_score_and_leaves_queue(wh):
    with wh.read() as con:
        queue = review_queue(con, lab="alpha", limit=None)
        mid = _match(con, "External evaluators", "measuring.third_party_access")
    assert mid in {q["match_id"] for q in queue}
    assert _score(wh, "alpha") == 0
    decide(wh, mid, "confirmed")
    assert _score(wh, "alpha") == round(100 * 0.6 * 6 / 26, 2)
    with wh.read() as con:
        assert mid not in {q["match_id"] for q in review_queue(con, lab="alpha", limit=None)}
        ev = con.execute("SELECT criterion_id, credit FROM confirmed_evidence WHERE lab = 'alpha'").fetchall()
    assert ev == [("measuring.third_party_access", 1.0)]


def test_nested_criterion_counts_only_with_parent(wh):
    with wh.read() as con:
        child = _match(con, "We will evaluate every model", "measuring.key_domains")
    decide(wh, child, "confirmed")
    assert _score(wh, "alpha") == 0  # key_domains alone: parent names_capabilities has no credit
    # the parent's only evidence is in v1, no longer current: confirm it on beta's copy instead
    with wh.read() as con:
        parent_beta = _match(con, "We watch for dangerous", "measuring.names_capabilities", lab="beta")
        child_beta = con.execute(
            "SELECT m.match_id FROM matches m WHERE m.lab = 'beta' AND m.criterion_id = 'measuring.key_domains'"
        ).fetchone()[0]
    decide(wh, child_beta, "confirmed")
    assert _score(wh, "beta") == 0
    decide(wh, parent_beta, "confirmed")
    assert _score(wh, "beta") == round(100 * 0.6 * 7 / 26, 2)


def test_partial_credit_and_undo_restores_previous(wh):
    with wh.read() as con:
        mid = _match(con, "External evaluators", "measuring.third_party_access")
    decide(wh, mid, "confirmed", credit=0.5)
    half = _score(wh, "alpha")
    assert half == round(100 * 0.6 * 6 / 26 * 0.5, 2)
    decide(wh, mid, "rejected", reviewer="bob")
    assert _score(wh, "alpha") == 0
    with wh.read() as con:
        assert con.execute("SELECT disagreement FROM decisions WHERE match_id = ?", [mid]).fetchone()[0]
    decide(wh, mid, "withdrawn", reviewer="bob")
    assert _score(wh, "alpha") == half  # undo restores what stood before
    with wh.read() as con:
        kinds = [
            r[0]
            for r in con.execute(
                "SELECT decision FROM reviews WHERE match_id = ? ORDER BY created_at", [mid]
            ).fetchall()
        ]
    assert kinds == ["confirmed", "rejected", "withdrawn"]  # nothing is ever deleted


def test_as_of_uses_versions_current_then(wh):
    with wh.read() as con:
        old = _match(con, "We will run assessments every 3 months", "commitments.assessment_frequency")
    decide(wh, old, "confirmed")
    assert _score(wh, "alpha", as_of=date(2024, 6, 1)) == 15.0
    assert _score(wh, "alpha", as_of=date(2025, 6, 1)) == 0  # v2 dropped the statement
    assert _score(wh, "alpha", as_of=date(2023, 1, 1)) == 0  # nothing published yet


def test_decision_survives_rederivation_and_new_versions(wh):
    with wh.read() as con:
        mid = _match(con, "External evaluators", "measuring.third_party_access")
    decide(wh, mid, "confirmed")
    before = _score(wh, "alpha")
    with wh.write() as con:  # re-derive v2 (an extractor upgrade) and add v3 with the same sentence
        store.store_version(con, make_record("alpha", "policy", V2, sha="a2", published=date(2025, 3, 1)))
        v3 = [(t.replace("converted mill", "new building"), c, f) for t, c, f in V2]
        store.store_version(con, make_record("alpha", "policy", v3, sha="a3", published=date(2025, 9, 1)))
    assert _score(wh, "alpha") == before
    with wh.read() as con:
        assert con.execute("SELECT count(*) FROM confirmed_evidence WHERE lab='alpha'").fetchone()[0] == 1
        assert mid not in {q["match_id"] for q in review_queue(con, limit=None)}


def test_journal_replays_into_a_fresh_warehouse(wh, tmp_path):
    with wh.read() as con:
        mid = _match(con, "External evaluators", "measuring.third_party_access")
    decide(wh, mid, "confirmed")
    assert len(list_event_files(wh.journal_dir)) == 1
    wh.path.unlink()  # the database is lost; the journal is not
    fresh = Warehouse(wh.path)
    with fresh.write() as con:
        from .conftest import rubric_rows

        store.store_rubric(con, rubric_rows())
        store.store_version(con, make_record("alpha", "policy", V2, sha="a2", published=date(2025, 3, 1)))
    with fresh.read() as con:
        assert con.execute("SELECT decision FROM decisions WHERE match_id = ?", [mid]).fetchone() == ("confirmed",)
    assert _score(fresh, "alpha") > 0


def test_confirm_for_other_criterion(wh):
    with wh.read() as con:
        mid = _match(con, "External evaluators", "measuring.third_party_access")
        ref = R.resolve_match(con, mid)
    other = R.other_criterion(ref, "commitments.assessment_frequency")
    assert other.match_id != mid and other.norm_hash == ref.norm_hash
    R.record_events(
        wh,
        [
            R.new_event(ref, reviewer="ann", decision="rejected"),
            R.new_event(other, reviewer="ann", decision="confirmed"),
        ],
    )
    with wh.read() as con:
        ev = con.execute("SELECT criterion_id FROM confirmed_evidence").fetchall()
    assert ev == [("commitments.assessment_frequency",)]


def test_a_score_change_is_traced_to_the_document_change(wh):
    from labwatch.warehouse.scoring import explain_score_change, score_changes

    with wh.read() as con:
        old = _match(con, "We will run assessments every 3 months", "commitments.assessment_frequency")
    decide(wh, old, "confirmed")
    with wh.read() as con:
        (move,) = score_changes(con, since=date(2024, 6, 1), as_of=date(2025, 6, 1), lab="alpha")
    assert (move["old_score"], move["new_score"], move["delta"]) == (15.0, 0.0, -15.0)
    (crit,) = move["criteria"]
    assert crit["criterion_id"] == "commitments.assessment_frequency" and crit["points"] == -15.0
    assert crit["evidence_removed"] == ["We will run assessments every 3 months."]
    text = explain_score_change(move)
    assert text.startswith("score for alpha fell 15.0 points between 2024-06-01 and 2025-06-01 because")
    assert "every 3 months" in text and "policy (2025-03-01)" in text
