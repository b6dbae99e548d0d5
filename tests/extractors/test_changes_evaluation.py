"""The change evaluation's measure (changes-dev README), on traces written for these tests."""

from __future__ import annotations

import pytest

from labwatch.extractors.changes.evaluation import (
    ListedChange,
    TracedUnit,
    TraceError,
    bootstrap,
    change_overlap,
    figures,
    pairing_quality,
    read_traces,
    score_pair,
    side_overlap,
    summarise,
)

OLD_AUDIT = "We will commission an external audit of our evaluation process every year."
NEW_AUDIT = "We aim to commission an external audit of our evaluation process every two years."
OLD_PAUSE = "We will pause training when a model reaches the critical level for cyber offence."
KEPT = "The safety committee reviews every deployment decision before launch."
ADDED = "We will publish a summary of each red-team exercise within ninety days."


def unit(uid, outcome, old, new, category="G", pair="P-1"):
    return TracedUnit(pair, uid, outcome, old, new, category)


def row(**kw):
    base = {"pair_id": "P-1", "commitment_id": "P-1-001", "v_i_text": "a", "v_next_text": "b", "outcome": "W"}
    return {**base, **kw}


# --- covering -------------------------------------------------------------------------------


def test_a_side_covers_a_unit_when_most_of_the_smaller_word_set_is_shared():
    assert side_overlap(OLD_AUDIT, OLD_AUDIT) == 1.0
    # the side is a clause of the unit: every side word is in the unit
    assert side_overlap("We will commission an external audit of our evaluation process.", OLD_AUDIT) == 1.0
    assert side_overlap(OLD_PAUSE, OLD_AUDIT) is None


def test_a_short_side_counts_as_six_words():
    # 3 shared words out of a 3-word side: 3 / 6 = 0.5, under the bar
    assert side_overlap("external audit yearly", OLD_AUDIT) is None
    assert side_overlap("We will commission an external audit", OLD_AUDIT) == 1.0


def test_a_side_far_longer_than_the_unit_covers_nothing():
    unit_text = "We will publish results."  # 4 words: a side may have 3 * 4 + 20 = 32
    side = unit_text + " " + " ".join(f"filler{k}" for k in range(28))  # 32 words
    assert side_overlap(side, unit_text) is not None
    assert side_overlap(side + " more", unit_text) is None


def test_tokens_are_lowercase_letters_and_digits_only():
    assert side_overlap("WE WILL, PUBLISH: 4X RESULTS!!", "we will publish 4x results") == 5 / 6


def test_a_change_covers_a_unit_on_the_sides_the_unit_has():
    weakened = unit("u", "W", OLD_AUDIT, NEW_AUDIT)
    assert change_overlap(ListedChange("weakened", OLD_AUDIT, NEW_AUDIT), weakened) == pytest.approx(
        (1.0 + side_overlap(NEW_AUDIT, NEW_AUDIT)) / 2
    )
    # a removed change has no new side, so it cannot cover a unit that has a new wording
    assert change_overlap(ListedChange("removed", OLD_AUDIT, None), weakened) is None
    added = unit("a", "A", None, ADDED)
    assert change_overlap(ListedChange("added", None, ADDED), added) == 1.0
    assert change_overlap(ListedChange("weakened", OLD_PAUSE, ADDED), added) == 1.0  # old side skipped


# --- the three figures --------------------------------------------------------------------------


def test_the_three_figures_on_a_small_pair():
    units = [
        unit("w", "W", OLD_AUDIT, NEW_AUDIT, "EC4"),
        unit("x", "X", OLD_PAUSE, None, "EC6"),
        unit("a", "A", None, ADDED, "EC5"),
        unit("r", "R", KEPT, KEPT, "G"),
    ]
    changes = [
        ListedChange("strengthened", OLD_AUDIT, NEW_AUDIT),  # found, wrong direction
        ListedChange("removed", OLD_PAUSE, None),  # found, right
        ListedChange("reworded", None, ADDED),  # not an alarm: the added unit is missed
        ListedChange("weakened", KEPT, KEPT + " It meets monthly."),  # alarms on a retained unit
        ListedChange("added", None, "An unrelated sentence about office hours and parking spaces."),
    ]
    result = score_pair("P-1", units, changes)
    f = figures(result.units)
    assert (f["material"], f["found"], f["right"]) == (3, 2, 1)
    assert f["material_found"] == pytest.approx(2 / 3)
    assert f["direction_right"] == pytest.approx(1 / 2)
    assert f["retained_alarmed"] == 1.0
    assert f["weakened_found"] == 1.0
    assert result.uncovered == (4,)


def test_the_best_covering_change_decides_the_direction():
    u = unit("w", "W", OLD_AUDIT, NEW_AUDIT)
    near = "We aim to commission an outside audit of our testing process every two years."  # 12 of 14 words
    changes = [ListedChange("strengthened", OLD_AUDIT, near), ListedChange("weakened", OLD_AUDIT, NEW_AUDIT)]
    (r,) = score_pair("P-1", [u], changes).units
    assert r.covering == (1, 0) and r.best_kind == "weakened" and r.right


def test_relocated_counts_as_removed_or_weakened():
    u = unit("l", "L", OLD_PAUSE, None)
    for kind, right in (("removed", True), ("weakened", True), ("added", False)):
        (r,) = score_pair("P-1", [u], [ListedChange(kind, OLD_PAUSE, None)]).units
        assert r.right is right


def test_empty_denominators_are_none_not_zero():
    f = figures(score_pair("P-1", [unit("r", "R", KEPT, KEPT)], []).units)
    assert f["material_found"] is None and f["direction_right"] is None and f["retained_alarmed"] == 0.0


def test_summary_reports_pairs_pooled_breakdowns_and_error_classes_without_texts():
    p1 = score_pair(
        "P-1", [unit("w", "W", OLD_AUDIT, NEW_AUDIT, "EC4")], [ListedChange("weakened", OLD_AUDIT, NEW_AUDIT)]
    )
    p2 = score_pair(
        "P-2",
        [unit("x", "X", OLD_PAUSE, None, "EC6", "P-2"), unit("r", "R", KEPT, KEPT, "G", "P-2")],
        [ListedChange("added", None, ADDED)],
    )
    doc = summarise([p1, p2], n_boot=200)
    assert doc["pairs"]["P-1"]["material_found"] == 1.0 and doc["pairs"]["P-2"]["material_found"] == 0.0
    assert doc["pooled"]["material_found"] == 0.5 and doc["pooled"]["changes_listed"] == 2
    assert doc["pairs"]["P-2"]["alarmed_covering_no_unit"] == 1
    assert doc["by_outcome"]["W"] == {"units": 1, "material": 1, "covered": 1, "right": 1}
    assert doc["by_category"]["EC6"]["covered"] == 0
    assert doc["errors"] == [{"id": "x", "outcome": "X", "class": "missed"}]
    assert OLD_PAUSE not in repr(doc) and KEPT not in repr(doc)


def test_bootstrap_intervals_hold_the_estimate_and_are_reproducible():
    units = [unit(f"w{k}", "W", OLD_AUDIT, NEW_AUDIT) for k in range(10)]
    changes = [ListedChange("weakened", OLD_AUDIT, NEW_AUDIT)]
    results = list(score_pair("P-1", units, changes).units)
    missed = list(score_pair("P-1", units, []).units)
    mixed = results[:6] + missed[6:]
    ci = bootstrap([mixed], n=500, seed=3)
    lo, hi = ci["material_found"]
    assert lo < 0.6 < hi and 0.0 <= lo and hi <= 1.0
    assert bootstrap([mixed], n=500, seed=3) == ci
    assert bootstrap([results], n=200)["material_found"] == (1.0, 1.0)


# --- traces -------------------------------------------------------------------------------------


def test_traces_mark_absent_sides_as_none():
    (added,) = read_traces([row(v_i_text="NONE", v_next_text=ADDED, outcome="A")])
    (removed,) = read_traces([row(v_i_text=OLD_PAUSE, v_next_text="(none)", outcome="x")])
    assert added.old is None and added.new == ADDED and added.material
    assert removed.new is None and removed.outcome == "X"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"outcome": "Q"}, "outcome 'Q'"),
        ({"v_i_text": "NONE", "v_next_text": "none"}, "both v_i_text and v_next_text are absent"),
    ],
)
def test_bad_trace_rows_name_the_row_and_the_problem(bad, message):
    with pytest.raises(TraceError, match=f"t.jsonl:2: {message}"):
        read_traces([row(), row(**bad)], source="t.jsonl")
    with pytest.raises(TraceError, match="t.jsonl:1: missing outcome"):
        read_traces([{k: v for k, v in row().items() if k != "outcome"}], source="t.jsonl")


# --- the pairing ----------------------------------------------------------------------------------


def test_pairing_precision_and_recall():
    units = [
        unit("w", "W", OLD_AUDIT, NEW_AUDIT),
        unit("r", "R", KEPT, KEPT),
        unit("x", "X", OLD_PAUSE, None),
        unit("a", "A", None, ADDED),
    ]
    right = [(OLD_AUDIT, NEW_AUDIT), (KEPT, KEPT)]
    assert pairing_quality(units, right) == {"two_sided_units": 2, "recall": 1.0, "pairs_judged": 2, "precision": 1.0}
    wrong = [(OLD_AUDIT, KEPT), (OLD_PAUSE, NEW_AUDIT), ("Some other sentence of the old policy here.", ADDED)]
    q = pairing_quality(units, wrong)
    assert q["recall"] == 0.0 and q["pairs_judged"] == 3 and q["precision"] == 0.0
