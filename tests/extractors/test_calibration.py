"""Fitting the suggestion rule: thresholds that separate, a false-match cap, shrinkage."""

from __future__ import annotations

import numpy as np

from labwatch.extractors.matching.calibration import (
    Calibration,
    fit_calibration,
    gold_matrix,
    rule_quality,
    suggested_mask,
)

IDS = ["a", "b", "c"]


def _scores(rng, gold, hi=0.8, lo=0.4, noise=0.05):
    return np.where(gold, hi, lo) + rng.normal(0, noise, gold.shape)


def test_rule_quality_counts_pairs_and_empty_passages():
    gold = gold_matrix([{"a"}, set(), set(), {"b", "c"}], IDS)
    mask = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 1, 0]], dtype=bool)
    f1, fmr = rule_quality(mask, gold)
    assert f1 == 2 * 2 / (2 * 2 + 1 + 1)  # tp a, b; fp one; fn c
    assert fmr == 0.5  # one of the two empty passages got a suggestion


def test_mask_needs_both_threshold_and_margin():
    scores = np.array([[0.9, 0.85, 0.5]], dtype=np.float32)
    thr = np.full(3, 0.6, dtype=np.float32)
    assert suggested_mask(scores, thr, 0.1).tolist() == [[True, True, False]]
    assert suggested_mask(scores, thr, 0.01).tolist() == [[True, False, False]]


def test_fitted_threshold_separates_well_separated_classes():
    rng = np.random.default_rng(0)
    gold = rng.random((200, 3)) < 0.2
    cal = fit_calibration(_scores(rng, gold), gold, IDS)
    assert 0.45 < cal.threshold < 0.75
    f1, fmr = rule_quality(suggested_mask(_scores(rng, gold), cal.thresholds(IDS), cal.margin), gold)
    assert f1 > 0.95 and fmr < 0.05
    assert cal.fitted_on == 200


def test_false_match_cap_makes_the_rule_conservative_on_noisy_negatives():
    # Passages without a criterion score as high as half the positives: the best-F1 rule
    # would flag many of them; the capped rule gives up recall instead.
    rng = np.random.default_rng(1)
    gold = np.zeros((300, 3), dtype=bool)
    gold[:150, 0] = True
    scores = rng.uniform(0.3, 0.6, gold.shape)
    scores[:150, 0] = rng.uniform(0.4, 0.9, 150)
    scores[150:, 1] = rng.uniform(0.3, 0.75, 150)
    capped = fit_calibration(scores, gold, IDS)
    loose = fit_calibration(scores, gold, IDS, cap=1.0)
    _, fmr_capped = rule_quality(suggested_mask(scores, capped.thresholds(IDS), capped.margin), gold)
    _, fmr_loose = rule_quality(suggested_mask(scores, loose.thresholds(IDS), loose.margin), gold)
    assert fmr_capped <= 0.1 < fmr_loose


def test_criterion_thresholds_need_support_and_are_shrunk_toward_the_global_one():
    # a scores on a high scale (its negatives too), c on a low one; b has three positives
    rng = np.random.default_rng(2)
    gold = np.zeros((400, 3), dtype=bool)
    gold[:100, 0] = True
    gold[200:300, 2] = True
    gold[300:303, 1] = True
    scores = rng.uniform(0.05, 0.2, gold.shape)
    scores[:100, 0] = rng.uniform(0.8, 0.9, 100)
    scores[100:200, 0] = rng.uniform(0.6, 0.7, 100)
    scores[200:300, 2] = rng.uniform(0.45, 0.55, 100)
    scores[300:303, 1] = 0.5
    cal = fit_calibration(scores, gold, IDS)
    glob = fit_calibration(scores, gold, IDS, min_support=10_000)
    assert "b" not in cal.per_criterion and not glob.per_criterion
    assert cal.per_criterion["c"] < cal.threshold or cal.per_criterion["a"] > cal.threshold

    def f1(c):
        return rule_quality(suggested_mask(scores, c.thresholds(IDS), c.margin), gold)[0]

    assert f1(cal) > f1(glob)
    # shrunk: a criterion's own threshold moves only part of the way from the global one
    sharp = fit_calibration(scores, gold, IDS, shrinkage=0.0)
    for cid, t in cal.per_criterion.items():
        assert min(sharp.per_criterion[cid], cal.threshold) <= t <= max(sharp.per_criterion[cid], cal.threshold)


def test_calibration_thresholds_follow_id_order():
    cal = Calibration(0.6, 0.1, {"c": 0.4})
    assert cal.thresholds(IDS).tolist() == np.array([0.6, 0.6, 0.4], dtype=np.float32).tolist()


def test_a_learned_scorer_must_win_clearly_not_by_a_passage():
    # 60 passages with one gold criterion each; the rubric finds 40 of them
    from labwatch.extractors.matching.selection import WIN_SHARE, win_share

    gold = np.zeros((60, 3), dtype=bool)
    gold[:, 0] = True
    base = gold.copy()
    base[40:] = False
    one_more = base.copy()
    one_more[40] = True  # finds a single extra pair: a point gain, but noise
    many_more = gold.copy()  # finds all twenty it missed
    assert win_share(base, base, gold) == 0.0
    assert win_share(one_more, base, gold) < WIN_SHARE
    assert win_share(many_more, base, gold) >= WIN_SHARE
    assert win_share(one_more, base, gold) == win_share(one_more, base, gold)  # fixed seed


def test_a_learned_scorer_that_buys_recall_with_false_matches_does_not_win():
    # 60 passages with a criterion (the rubric finds 40) and 20 without (the rubric suggests
    # nothing there): finding the other 20 while suggesting something on 3 empty passages
    # raises F1 but also the false-match rate, which a lab nobody reviewed would pay for
    from labwatch.extractors.matching.selection import WIN_SHARE, win_share

    gold = np.zeros((80, 3), dtype=bool)
    gold[:60, 0] = True
    base = gold.copy()
    base[40:60] = False
    clean = gold.copy()
    noisy = gold.copy()
    noisy[60:63, 1] = True
    assert win_share(clean, base, gold) >= WIN_SHARE
    assert win_share(noisy, base, gold) < WIN_SHARE
