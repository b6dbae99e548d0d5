"""Decision rules that turn a score matrix into suggestions, and fitting them on labeled data.

A ``Calibration`` says which (passage, criterion) pairs are put in front of a reviewer: a
pair is suggested when its score reaches the criterion's threshold and is within ``margin``
of the passage's best score. ``fit_calibration`` chooses the global threshold and margin
that give the best pair F1 on labeled passages while keeping the false-match rate (share of
passages without a criterion that still get a suggestion) under a cap; a criterion gets its
own threshold only when it has enough positives, and even then it is shrunk toward the
global one, so a criterion seen five times cannot pull its threshold to an extreme.

Callers that want figures that transfer to unseen labs fit on scores of passages from labs
the scores were not learned from (see ``evaluation.cross_validate_by_lab``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MARGINS = (0.03, 0.06, 0.09, 0.12, 0.16, 0.2, 0.3, 1.0)
FMR_CAP = 0.08  # the largest false-match rate a fitted rule may have on its training passages
FMR_PENALTY = 2.0  # F1 given up per unit of false-match rate above the cap
MIN_SUPPORT = 8  # positives a criterion needs before it gets its own threshold
SHRINKAGE = 20.0  # pseudo-count pulling a criterion's threshold toward the global one


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fitted decision rule: global threshold and margin, per-criterion overrides."""

    threshold: float
    margin: float
    per_criterion: dict[str, float] = field(default_factory=dict)
    fitted_on: int = 0  # labeled passages it was fitted on (0: the rubric's defaults)

    def thresholds(self, ids: Sequence[str]) -> np.ndarray:
        """The threshold of each criterion, in ``ids`` order."""
        return np.array([self.per_criterion.get(c, self.threshold) for c in ids], dtype=np.float32)


def suggested_mask(scores: np.ndarray, thresholds: np.ndarray, margin: float) -> np.ndarray:
    """Pairs (n x C) whose score reaches its criterion's threshold and is within ``margin`` of
    the passage's best score."""
    if scores.size == 0:
        return np.zeros(scores.shape, dtype=bool)
    best = scores.max(axis=1, keepdims=True)
    return (scores >= thresholds[None, :]) & (scores >= best - margin)


def rule_quality(mask: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Micro pair F1 and false-match rate of suggestions ``mask`` against ``gold`` (both n x C)."""
    tp = int((mask & gold).sum())
    fp = int((mask & ~gold).sum())
    fn = int((~mask & gold).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    empty = ~gold.any(axis=1)
    fmr = float(mask[empty].any(axis=1).mean()) if empty.any() else 0.0
    return f1, fmr


def objective(f1: float, fmr: float, cap: float = FMR_CAP) -> float:
    """What fitting maximises: F1, less a penalty for false-match rate above the cap."""
    return f1 - FMR_PENALTY * max(0.0, fmr - cap)


def _candidate_thresholds(scores: np.ndarray) -> np.ndarray:
    top = scores.max(axis=1)
    qs = np.quantile(top, np.linspace(0.0, 1.0, 41))
    return np.unique(np.round(np.concatenate([qs, np.quantile(scores, [0.5, 0.75, 0.9])]), 4))


def fit_calibration(
    scores: np.ndarray,
    gold: np.ndarray,
    ids: Sequence[str],
    *,
    margins: Sequence[float] = MARGINS,
    cap: float = FMR_CAP,
    min_support: int = MIN_SUPPORT,
    shrinkage: float = SHRINKAGE,
) -> Calibration:
    """The rule with the best ``objective`` on these labeled passages (scores and gold n x C,
    criteria in ``ids`` order); per-criterion thresholds only for criteria with at least
    ``min_support`` positives, shrunk toward the global threshold."""
    scores = np.asarray(scores, dtype=np.float32)
    gold = np.asarray(gold, dtype=bool)
    n_crit = scores.shape[1]
    best, best_val = (float(np.quantile(scores, 0.9)) if scores.size else 0.5, 1.0), -np.inf
    for m in margins:
        for t in _candidate_thresholds(scores) if scores.size else []:
            val = objective(*rule_quality(suggested_mask(scores, np.full(n_crit, t), m), gold), cap)
            if val > best_val + 1e-9:
                best, best_val = (float(t), float(m)), val
    t_glob, margin = best
    per: dict[str, float] = {}
    thr = np.full(n_crit, t_glob, dtype=np.float32)
    for j, cid in enumerate(ids):
        n_pos = int(gold[:, j].sum())
        if n_pos < min_support:
            continue
        cut, cut_val = t_glob, -np.inf
        for t in np.unique(np.round(scores[:, j], 4)):
            trial = thr.copy()
            trial[j] = t
            val = objective(*rule_quality(suggested_mask(scores, trial, margin), gold), cap)
            if val > cut_val + 1e-9:
                cut, cut_val = float(t), val
        weight = n_pos / (n_pos + shrinkage)
        per[cid] = round(t_glob + weight * (cut - t_glob), 4)
        thr[j] = per[cid]
    return Calibration(round(t_glob, 4), margin, per, fitted_on=int(len(scores)))


def gold_matrix(gold_sets: Sequence[set[str]], ids: Sequence[str]) -> np.ndarray:
    """Gold criteria of each passage as a boolean n x C matrix in ``ids`` order."""
    return np.array([[c in g for c in ids] for g in gold_sets], dtype=bool).reshape(len(gold_sets), len(ids))
