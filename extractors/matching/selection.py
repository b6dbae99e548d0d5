"""Which scorer decides once reviews exist, chosen so that learning never makes things worse.

Three scorers compete on the reviewed passages, leave-one-lab-out (``group`` of each review):

- ``rubric``: the rubric score alone;
- ``exemplars``: the rubric score with reviewed texts as exemplars and near misses;
- ``model``: a logistic regression over the score's parts (shared by all criteria).

Each is scored on every lab with the reviews of the other labs only, and its thresholds are
fitted inside the same fold, so the comparison is what a lab nobody reviewed would see. A
learned scorer is chosen only when it beats the rubric on pair F1 without a higher pooled
false-match rate (tolerance ``FMR_TOLERANCE``) and, in at least ``WIN_SHARE`` of paired
bootstrap resamples of the reviewed passages, with a higher F1 and no higher false-match rate
(a point gain of a passage or two is noise, a gain bought with false matches on the labs
validated is paid for by the next lab, and a noisy switch costs every later lab); the chosen scorer's thresholds are then fitted on all the
out-of-lab scores, which is what makes them transfer to a new lab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from labwatch.extractors.matching.calibration import (
    FMR_CAP,
    Calibration,
    fit_calibration,
    gold_matrix,
    objective,
    rule_quality,
    suggested_mask,
)
from labwatch.extractors.matching.confidence import Confidence, fit_on_suggestions

FMR_TOLERANCE = 0.0  # a learned scorer may not raise the pooled false-match rate by more
FMR_FLOOR = 0.02  # the tightest false-match cap a learned scorer's thresholds are fitted under
# a learned scorer must beat the rubric in this share of paired bootstrap resamples of the
# reviewed passages, not only on the point estimate: a gain of a passage or two is noise
WIN_SHARE = 0.9
WIN_RESAMPLES = 200


@dataclass
class ScorerChoice:
    """The chosen scorer, its thresholds, its fitted model (``model`` only), the leave-one-lab-out
    figures of every candidate ({kind: {"f1", "false_match_rate"}}) and the probability map of
    its suggestions, fitted on the out-of-lab scores (None: too few reviews, keep the packaged one)."""

    kind: str
    calibration: Calibration
    stacker: object | None = None
    report: dict[str, dict[str, float]] = field(default_factory=dict)
    confidence: Confidence | None = None


def fit_review_model(matcher, texts, vectors, decisions, config):
    """A logistic regression over the score parts of every (passage, criterion) pair of the
    reviewed passages (each scored without itself as exemplar): confirmed pairs positive,
    rejected and unreviewed criteria of a reviewed passage negative (the latter weighted
    less). None when the labels have only one class."""
    from sklearn.linear_model import LogisticRegression

    _, parts = matcher.score_parts(texts, vectors, exclude_self=True)
    ids = matcher.criterion_ids()
    y = np.array([[d.get(c, False) for c in ids] for d in decisions], dtype=bool).reshape(-1)
    w = np.array([[1.0 if c in d else config.implicit_negative_weight for c in ids] for d in decisions]).reshape(-1)
    if y.all() or not y.any():
        return None
    model = LogisticRegression(C=config.review_model_c, max_iter=500)
    model.fit(parts.reshape(-1, parts.shape[2]), y, sample_weight=w)
    return model


def _cross_fitted_mask(scores, gold, groups, ids, cap=FMR_CAP) -> np.ndarray:
    """What is suggested when each group is decided by thresholds fitted on the other groups
    (false-match rate capped at ``cap`` there)."""
    mask = np.zeros_like(gold)
    for g in sorted(set(groups)):
        test = groups == g
        cal = fit_calibration(scores[~test], gold[~test], ids, cap=cap)
        mask[test] = suggested_mask(scores[test], cal.thresholds(ids), cal.margin)
    return mask


def win_share(mask: np.ndarray, base: np.ndarray, gold: np.ndarray, resamples: int = WIN_RESAMPLES) -> float:
    """Share of paired bootstrap resamples of the passages on which ``mask`` has a higher pair
    F1 than ``base`` (both n x C suggestions against ``gold``) and no higher false-match rate;
    fixed seed, so it is repeatable."""
    rng = np.random.default_rng(20261202)
    n, wins = len(gold), 0
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        f1, fmr = rule_quality(mask[idx], gold[idx])
        base_f1, base_fmr = rule_quality(base[idx], gold[idx])
        wins += f1 > base_f1 and fmr <= base_fmr
    return wins / resamples if n else 0.0


def choose_scorer(matcher, make_matcher: Callable) -> ScorerChoice:
    """The scorer ``matcher`` should use given its reviewed passages (see the module
    docstring). With too few reviews, or from too few labs, to validate anything, reviewed
    texts count as exemplars under the rubric's default thresholds."""
    cfg = matcher.config
    labeled = matcher.labeled_passages()
    groups = np.array([g for *_, g in labeled])
    n_confirmed = sum(1 for _, _, d, _ in labeled for ok in d.values() if ok)
    if (
        len(labeled) < cfg.min_passages_for_model
        or len(set(groups)) < cfg.min_groups_for_model
        or n_confirmed < cfg.min_confirmed_for_model
    ):
        return ScorerChoice("exemplars", matcher.default_calibration)
    ids = matcher.criterion_ids()
    texts = [t for t, *_ in labeled]
    vectors = np.stack([v for _, v, _, _ in labeled])
    decisions = [d for _, _, d, _ in labeled]
    gold = gold_matrix([{c for c, ok in d.items() if ok} for d in decisions], ids)
    oof = {"rubric": make_matcher().score_parts(texts, vectors)[0]}
    oof["exemplars"], oof["model"] = np.zeros_like(oof["rubric"]), np.zeros_like(oof["rubric"])
    for g in sorted(set(groups)):
        test, train = np.flatnonzero(groups == g), np.flatnonzero(groups != g)
        fold = make_matcher()
        fold.add_examples(matcher.reviewed_examples(train))
        scores, parts = fold.score_parts([texts[i] for i in test], vectors[test])
        oof["exemplars"][test] = scores
        model = fit_review_model(fold, [texts[i] for i in train], vectors[train], [decisions[i] for i in train], cfg)
        if model is None:
            oof.pop("model", None)
        elif "model" in oof:
            oof["model"][test] = model.predict_proba(parts.reshape(-1, parts.shape[2]))[:, 1].reshape(scores.shape)
    masks = {"rubric": _cross_fitted_mask(oof["rubric"], gold, groups, ids)}
    f1, fmr = rule_quality(masks["rubric"], gold)
    report = {"rubric": {"f1": round(f1, 4), "false_match_rate": round(fmr, 4)}}
    base = report["rubric"]
    # a learned scorer is held to the rubric's own false-match rate, not only to the cap
    cap = max(FMR_FLOOR, min(FMR_CAP, base["false_match_rate"]))
    for kind in ("exemplars", "model"):
        if kind in oof:
            masks[kind] = _cross_fitted_mask(oof[kind], gold, groups, ids, cap)
            f1, fmr = rule_quality(masks[kind], gold)
            report[kind] = {"f1": round(f1, 4), "false_match_rate": round(fmr, 4)}
            report[kind]["win_share"] = round(win_share(masks[kind], masks["rubric"], gold), 4)
    winners = [
        k
        for k in ("exemplars", "model")
        if k in report
        and report[k]["f1"] > base["f1"]
        and report[k]["false_match_rate"] <= base["false_match_rate"] + FMR_TOLERANCE
        and report[k]["win_share"] >= WIN_SHARE
    ]
    kind = max(winners, key=lambda k: objective(report[k]["f1"], report[k]["false_match_rate"]), default="rubric")
    calibration = fit_calibration(oof[kind], gold, ids, cap=FMR_CAP if kind == "rubric" else cap)
    stacker = fit_review_model(matcher, texts, vectors, decisions, cfg) if kind == "model" else None
    if kind == "model" and stacker is None:
        kind, calibration = "rubric", fit_calibration(oof["rubric"], gold, ids)
    # only decided pairs teach the probability: an unreviewed suggestion is not known wrong
    known = np.array([[c in d for c in ids] for d in decisions], dtype=bool).reshape(gold.shape)
    mask = suggested_mask(oof[kind], calibration.thresholds(ids), calibration.margin)
    confidence = fit_on_suggestions(
        oof[kind], gold, mask, known, source=f"reviews, out-of-lab {kind} scores", labs=len(set(groups))
    )
    return ScorerChoice(kind, calibration, stacker, report, confidence if confidence.knots else None)
