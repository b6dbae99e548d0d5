"""The probability of a suggestion: a monotone map fitted on labeled pairs, its reliability
curve, and leave-one-lab-out fitting that never sees the held-out lab's labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labwatch.extractors.matching.confidence import (
    NO_CONFIDENCE,
    SHIPPED_FILE,
    Confidence,
    bulk_estimate,
    confidence_report,
    fit_confidence,
    load_shipped,
    reliability,
    wilson_interval,
)

SAMPLE_GOLD = Path(__file__).resolve().parents[2] / "labwatch" / "sample_corpus" / "gold.jsonl"


def _noisy_pairs(seed: int, n: int = 200):
    """Scores whose chance of being right rises with the score, with noise and local dips."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.55, 0.95, n)
    chance = np.clip((scores - 0.5) * 2.2 + 0.15 * np.sin(scores * 60), 0, 1)
    return scores, rng.uniform(size=n) < chance


@pytest.mark.parametrize("seed", range(5))
def test_fitted_map_never_falls_as_the_score_rises(seed):
    scores, right = _noisy_pairs(seed)
    conf = fit_confidence(scores, right)
    grid = np.linspace(0.0, 1.5, 400)
    p = conf.probability(grid)
    assert np.all(np.diff(p) >= 0)
    assert np.all((p >= 0) & (p <= 1))
    # it learned something: high scores are likelier right than low ones
    assert conf.probability(0.9) - conf.probability(0.6) > 0.3


def test_scores_beyond_those_fitted_hold_the_end_values():
    scores, right = _noisy_pairs(7)
    conf = fit_confidence(scores, right)
    top, bottom = conf.probability(scores.max()), conf.probability(scores.min())
    assert conf.probability(5.0) == pytest.approx(top)
    assert conf.probability(-5.0) == pytest.approx(bottom)
    assert top < 1.0  # a finite sample never makes a suggestion certain


def test_scores_that_do_not_rank_give_the_pooled_precision_to_every_suggestion():
    scores = np.linspace(0.6, 0.9, 40)
    right = np.arange(40) < 30  # the low scores are the right ones: the score ranks backwards
    p = fit_confidence(scores, right).probability(scores)
    assert np.allclose(p, 0.75)


def test_one_outcome_only_is_shrunk_away_from_certainty():
    conf = fit_confidence([0.7, 0.8, 0.9], [True, True, True])
    assert conf.probability(0.8) == pytest.approx(3.5 / 4)
    assert fit_confidence([0.7], [True]) is NO_CONFIDENCE


def test_reliability_curve_counts_each_pair_once_in_its_bin():
    prob = [0.3, 0.55, 0.6, 0.75, 0.85, 0.92, 0.96, 0.99, 1.0]
    right = [False, True, False, True, True, True, True, True, False]
    curve = reliability(prob, right, bins=(0.0, 0.5, 0.9, 1.0001))
    assert [b["n"] for b in curve] == [1, 4, 4]
    assert curve[1]["mean_predicted"] == pytest.approx((0.55 + 0.6 + 0.75 + 0.85) / 4, abs=1e-4)
    assert curve[1]["observed_precision"] == 0.75
    assert curve[2]["observed_precision"] == 0.75
    lo, hi = curve[2]["observed_ci95"]
    assert lo < 0.75 < hi


def test_wilson_interval_matches_the_textbook_value():
    assert wilson_interval(8, 10) == pytest.approx([0.4902, 0.9433], abs=1e-4)
    assert wilson_interval(0, 0) is None


def test_bulk_estimate_takes_exactly_the_pairs_at_or_above_the_target():
    est = bulk_estimate([0.95, 0.949, 0.97, 0.5], 0.95)
    assert est["n"] == 2
    assert est["estimated_precision"] == pytest.approx(0.96)


def test_report_names_the_worst_lab_of_what_bulk_confirmation_would_take():
    prob = [0.96, 0.97, 0.98, 0.99, 0.6]
    right = [True, False, True, True, False]
    labs = ["a", "b", "b", "a", "a"]
    rep = confidence_report((prob, right, labs), targets=(0.95,))
    bulk = rep["bulk"][0]
    assert (bulk["n"], bulk["observed_precision"]) == (4, 0.75)
    assert (bulk["worst_lab"], bulk["worst_lab_precision"], bulk["worst_lab_n"]) == ("b", 0.5, 2)


def test_a_map_survives_its_file_form_and_a_broken_one_is_refused():
    conf = fit_confidence(*_noisy_pairs(3), source="test")
    assert Confidence.from_dict(json.loads(json.dumps(conf.to_dict()))) == conf
    with pytest.raises(ValueError, match="non-decreasing"):
        Confidence.from_dict({"knots": [0.5, 0.6], "values": [0.9, 0.4]})


def test_the_packaged_map_covers_the_bundled_encoders_and_is_monotone():
    maps = json.loads(SHIPPED_FILE.read_text(encoding="utf-8"))["maps"]["risk-assessment"]
    assert set(maps) >= {"all-MiniLM-L6-v2", "all-MiniLM-L6-v2-onnx-int8"}
    for model_id in maps:
        conf = load_shipped("risk-assessment", model_id)
        assert conf.fitted_on > 20 and "sample gold" in conf.source
        assert np.all(np.diff(conf.values) >= 0)
    assert load_shipped("risk-assessment", "some-other-encoder") is NO_CONFIDENCE


# -- with the embedding model ------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx_embedder():
    from labwatch.flows import models

    return models.embedder("minilm-onnx")


def _sample_rows():
    return [json.loads(line) for line in SAMPLE_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.model
def test_packaged_map_is_what_the_sample_gold_fits_today(onnx_embedder):
    """Fails when the rubric, the scoring or the sample gold changed without
    `python scripts/fit_confidence.py`."""
    from labwatch.extractors.matching.evaluation import fit_rows_confidence
    from labwatch.extractors.matching.matcher import Matcher
    from labwatch.extractors.matching.rubric import load_rubric

    rubric = load_rubric()
    fresh = fit_rows_confidence(_sample_rows(), Matcher(rubric, onnx_embedder), onnx_embedder, source="sample gold")
    shipped = load_shipped(rubric.id, onnx_embedder.model_id)
    assert fresh.knots == pytest.approx(shipped.knots, abs=2e-4)
    assert fresh.values == pytest.approx(shipped.values, abs=2e-3)


@pytest.mark.model
@pytest.mark.slow
def test_a_held_out_labs_probabilities_never_depend_on_its_own_labels(onnx_embedder):
    from labwatch.extractors.matching.evaluation import cross_validate_by_lab
    from labwatch.extractors.matching.matcher import Matcher
    from labwatch.extractors.matching.rubric import load_rubric

    rubric = load_rubric()
    rows = _sample_rows()
    held = "lumenfield-ai"
    # the held-out lab's labels turned upside down: every suggestion it gets would be wrong
    relabelled = [{**r, "criteria": []} if r["lab"] == held else r for r in rows]

    def run(data):
        return cross_validate_by_lab(data, lambda: Matcher(rubric, onnx_embedder), onnx_embedder)["labs"]

    before, after = run(rows), run(relabelled)
    for variant in ("rubric_only", "learned"):
        b = before[held][variant]["probability"] if variant == "rubric_only" else before[held]["probability"]
        a = after[held][variant]["probability"] if variant == "rubric_only" else after[held]["probability"]
        assert b["n"] > 0 and a["n"] == b["n"]
        assert a["mean_predicted"] == b["mean_predicted"]  # fitted on the other labs only
        assert a["observed_precision"] < b["observed_precision"]
    # the same relabelling does move the other labs' maps: they were fitted on it
    others = [lab for lab in before if lab != held]
    assert any(
        before[lab]["rubric_only"]["probability"]["mean_predicted"]
        != after[lab]["rubric_only"]["probability"]["mean_predicted"]
        for lab in others
    )


@pytest.mark.model
def test_every_suggestion_carries_the_packaged_probability_of_its_score(onnx_embedder):
    from labwatch.extractors.matching.matcher import Matcher
    from labwatch.extractors.matching.rubric import load_rubric
    from labwatch.extractors.records import Passage

    matcher = Matcher(load_rubric(), onnx_embedder)
    rows = _sample_rows()[:20]
    passages = [Passage(seq=i, text=r["text"]) for i, r in enumerate(rows)]
    out = [s for row in matcher.match(passages, None, onnx_embedder.encode([p.text for p in passages])) for s in row]
    suggested = [s for s in out if s.suggested]
    assert suggested and all(s.probability is None for s in out if not s.suggested)
    for s in suggested:
        # the score is stored rounded to 4 places, the probability was taken before rounding
        assert s.probability == pytest.approx(float(matcher.confidence.probability(s.score)), abs=1e-3)
