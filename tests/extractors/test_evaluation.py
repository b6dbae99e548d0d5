"""Eval metrics as DESIGN.md defines them, on hand-computed cases, and the eval runners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labwatch.extractors.matching.evaluation import (
    EvalError,
    Prediction,
    cross_validate_by_lab,
    evaluate,
    run_matching_eval,
    validate_rows,
)

FIXTURE = Path(__file__).parent / "fixtures" / "matching.jsonl"

GOLD = [
    {"id": "a", "text": "one", "is_commitment": True, "criteria": ["x", "y"]},
    {"id": "b", "text": "two", "is_commitment": False, "criteria": ["z"]},
    {"id": "c", "text": "three", "is_commitment": True, "criteria": []},
    {"id": "d", "text": "four", "is_commitment": False, "criteria": []},
]
PREDS = [
    Prediction("a", ("x", "z", "y"), ("x", "z"), True),
    Prediction("b", ("y", "w", "q", "z"), (), True),
    Prediction("c", ("x", "y", "z"), ("y",), False),
    Prediction("d", ("x", "y", "z"), (), False),
]


def test_matching_metrics_follow_the_contract_definitions():
    m = evaluate(GOLD, PREDS)
    assert m["n"] == 4
    # recall@1: a -> 1/2, b -> 0 ; recall@3: a -> 2/2, b -> 0 (z ranked 4th)
    assert m["matching"]["recall_at_1"] == pytest.approx(0.25)
    assert m["matching"]["recall_at_3"] == pytest.approx(0.5)
    # pairs: tp = (a,x); fp = (a,z), (c,y); fn = (a,y), (b,z)
    assert m["matching"]["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["matching"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["matching"]["f1"] == pytest.approx(1 / 3, abs=1e-4)
    # of c and d (no gold), c got a suggestion
    assert m["matching"]["false_match_rate"] == pytest.approx(0.5)


def test_commitment_metrics_and_per_criterion_table():
    m = evaluate(GOLD, PREDS)
    # predicted commitments: a (right), b (wrong); missed: c
    assert m["commitment"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert m["per_criterion"]["x"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert m["per_criterion"]["z"]["support"] == 1
    assert m["per_criterion"]["z"]["precision"] == 0.0
    assert m["per_criterion"]["y"]["support"] == 1


def test_confusions_name_gold_and_wrongly_predicted_criteria():
    conf = evaluate(GOLD, PREDS)["confusions"]
    pairs = {(c["gold"], c["predicted"]): c["count"] for c in conf}
    assert pairs[("y", "z")] == 1  # a: y missed while z suggested
    assert pairs[(None, "y")] == 1  # c: nothing expected, y suggested
    assert pairs[("z", None)] == 1  # b: z missed, nothing wrong suggested


def test_bootstrap_interval_is_deterministic_and_brackets_f1():
    one, two = evaluate(GOLD, PREDS), evaluate(GOLD, PREDS)
    lo, hi = one["f1_ci95"]
    assert one["f1_ci95"] == two["f1_ci95"]
    assert 0.0 <= lo <= one["matching"]["f1"] <= hi <= 1.0


def test_predictions_may_come_as_dicts_in_any_order():
    dicts = [{"id": p.id, "ranked": list(p.ranked), "suggested": list(p.suggested)} for p in reversed(PREDS)]
    m = evaluate(GOLD, dicts)
    assert m["matching"]["f1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["commitment"] is None  # no prediction said anything about commitments


def test_perfect_predictions_score_one():
    preds = [Prediction(r["id"], tuple(r["criteria"]) + ("other",), tuple(r["criteria"])) for r in GOLD]
    m = evaluate(GOLD, preds)["matching"]
    assert (m["precision"], m["recall"], m["f1"], m["false_match_rate"], m["recall_at_3"]) == (1.0, 1.0, 1.0, 0.0, 1.0)
    assert m["recall_at_1"] == pytest.approx(0.75)  # a has two gold criteria: one slot holds half of them


@pytest.mark.parametrize(
    "row, message",
    [
        ({"id": "a", "criteria": []}, r"row 1 \(a\) has no text"),
        ({"id": "a", "text": "t", "criteria": "x"}, "criteria must be a list"),
        ({"id": "a", "text": "t", "is_commitment": "yes"}, "is_commitment must be true or false"),
        ("not an object", "row 1 is not a JSON object"),
    ],
)
def test_malformed_rows_are_refused_by_name(row, message):
    with pytest.raises(EvalError, match=message):
        validate_rows([row], source="gold.jsonl")


def test_prediction_count_mismatch_is_an_error():
    with pytest.raises(EvalError, match="4 gold rows but 1 predictions"):
        evaluate(GOLD, [Prediction("zz", (), ())])


# -- runners (load the embedding model) --------------------------------------------------


@pytest.fixture(scope="session")
def embedder():
    from labwatch.extractors.matching.embeddings import load_embedder

    return load_embedder("minilm")


@pytest.fixture(scope="module")
def fixture_rows():
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_matcher(embedder):
    from labwatch.extractors.matching.matcher import Matcher
    from labwatch.extractors.matching.rubric import load_rubric

    return Matcher(load_rubric(), embedder)


@pytest.mark.model
def test_run_matching_eval_reports_contract_keys(embedder, fixture_rows):
    result = run_matching_eval(fixture_rows, make_matcher(embedder), embedder, features_fn=lambda texts: None)
    assert result["n"] == len(fixture_rows)
    assert set(result["matching"]) >= {"recall_at_1", "recall_at_3", "precision", "recall", "f1", "false_match_rate"}
    assert result["commitment"] is None
    # the rubric alone should find the right criterion among the top three almost always
    assert result["matching"]["recall_at_3"] >= 0.85


@pytest.mark.model
def test_features_function_feeds_commitment_metrics(embedder, fixture_rows):
    from labwatch.extractors.records import Features

    def modal_words(texts):
        return [Features(is_commitment=" will " in f" {t} ", strength="firm", category="commitment") for t in texts]

    result = run_matching_eval(fixture_rows, make_matcher(embedder), embedder, features_fn=modal_words)
    assert set(result["commitment"]) == {"precision", "recall", "f1"}
    assert result["commitment"]["precision"] == 1.0  # every "will" passage in the fixture is a commitment


@pytest.mark.model
def test_learned_decisions_are_applied_to_the_same_statements_elsewhere(embedder, fixture_rows):
    # The same statements, reviewed under other ids (say, in another document): every gold
    # criterion confirmed, every wrong suggestion rejected. Scoring the fixture afterwards
    # must reproduce those decisions.
    reviewed = [{**r, "id": "seen-" + r["id"]} for r in fixture_rows]
    plain = run_matching_eval(fixture_rows, make_matcher(embedder), embedder, features_fn=lambda t: None)
    learned = run_matching_eval(
        fixture_rows, make_matcher(embedder), embedder, features_fn=lambda t: None, learn_rows=reviewed
    )
    assert learned["learned_from"] == len(fixture_rows)
    assert learned["matching"]["f1"] >= 0.95 > plain["matching"]["f1"]
    assert learned["matching"]["false_match_rate"] == 0.0


@pytest.mark.model
def test_rows_also_in_gold_are_not_learned_from(embedder, fixture_rows):
    result = run_matching_eval(
        fixture_rows[:4], make_matcher(embedder), embedder, features_fn=lambda t: None, learn_rows=fixture_rows[:4]
    )
    assert result["learned_from"] == 0


@pytest.mark.model
def test_cross_validation_scores_every_lab_once(embedder, fixture_rows):
    result = cross_validate_by_lab(fixture_rows, lambda: make_matcher(embedder), embedder, features_fn=lambda t: None)
    assert result["n"] == len(fixture_rows)
    assert set(result["labs"]) == {"northwind", "helix", "quanta"}
    assert sum(v["n"] for v in result["labs"].values()) == len(fixture_rows)
    assert result["matching"]["recall_at_3"] >= 0.8


@pytest.mark.model
def test_nested_cross_validation_reports_rubric_only_and_learned(embedder, fixture_rows):
    result = cross_validate_by_lab(fixture_rows, lambda: make_matcher(embedder), embedder, features_fn=lambda t: None)
    for name in ("rubric_only", "learned", "rubric_in_sample"):
        v = result[name]
        assert set(v) >= {"f1", "false_match_rate", "recall_at_3", "f1_ci95", "false_match_rate_ci95"}
        lo, hi = v["f1_ci95"]
        assert lo <= v["f1"] <= hi
    assert result["learned"]["f1"] == result["matching"]["f1"]  # the headline is the learned matcher's
    for lab in result["labs"].values():
        assert lab["scorer"] in {"rubric", "exemplars", "model"}
        assert set(lab["rubric_only"]) == {"f1", "recall_at_3", "false_match_rate", "probability"}
