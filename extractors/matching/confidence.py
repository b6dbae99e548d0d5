"""How likely a suggestion is right: a monotone map from match score to probability.

``Confidence`` turns a suggestion's score into the probability that a reviewer confirms it,
the quantity a reviewer can act on ("confirm everything at 0.95 or above"). It is fitted on
suggested (passage, criterion) pairs of labeled passages, gold criterion or not, with
``fit_confidence``: Platt scaling, a regularised logistic regression of correctness on the
score, tabulated at knots across the scores it saw. Between knots the map interpolates
linearly; beyond them it holds the end values, so a score higher than any seen in fitting is
not extrapolated toward certainty. The map is non-decreasing in the score by construction.
(Isotonic regression was measured too: on a few dozen pairs per lab its steps over-fit and its
leave-one-lab-out calibration error was higher; docs/accuracy.md.)

Fitted leave-one-lab-out by callers (``evaluation.cross_validate_by_lab``, and
``selection.choose_scorer`` on out-of-lab scores of reviews), the probability is the one a lab
nobody reviewed would see. ``reliability`` bins predicted probabilities against outcomes: the
calibration curve ``labwatch eval --cv lab`` prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

REGULARISATION = 1.0  # inverse L2 strength of the logistic fit (sklearn's C) on standardised scores
N_KNOTS = 21  # the fitted curve is tabulated at this many scores across the range it saw
BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001)  # reliability bins of predicted probability
SHIPPED_FILE = Path(str(resources.files("labwatch.extractors.matching") / "rubrics" / "confidence.json"))


@dataclass(frozen=True, slots=True)
class Confidence:
    """A fitted map: at score ``knots[i]`` the probability is ``values[i]`` (both ascending)."""

    knots: tuple[float, ...]
    values: tuple[float, ...]
    fitted_on: int = 0  # suggested pairs it was fitted on (0: nothing to go on)
    labs: int = 0  # labs those pairs came from
    source: str = ""  # what it was fitted on, for the docs and `eval` output

    def probability(self, scores) -> np.ndarray:
        """Probability of each score (any shape) that its suggestion is right."""
        scores = np.asarray(scores, dtype=np.float64)
        if not self.knots:
            return np.full(scores.shape, np.nan)
        return np.interp(scores, self.knots, self.values).astype(np.float32)

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Confidence:
        knots = tuple(float(x) for x in data.get("knots", ()))
        values = tuple(float(x) for x in data.get("values", ()))
        if len(knots) != len(values) or any(b < a for a, b in zip(knots, knots[1:])):
            raise ValueError("confidence: knots and values must be the same length, knots ascending")
        if any(b < a for a, b in zip(values, values[1:])) or any(not 0 <= v <= 1 for v in values):
            raise ValueError("confidence: values must be probabilities, non-decreasing")
        return cls(knots, values, int(data.get("fitted_on", 0)), int(data.get("labs", 0)), str(data.get("source", "")))


NO_CONFIDENCE = Confidence((), ())


def fit_confidence(
    scores: Sequence[float],
    correct: Sequence[bool],
    *,
    c: float = REGULARISATION,
    source: str = "",
    labs: int = 0,
) -> Confidence:
    """The map fitted on suggested pairs (their scores, and whether each was right): a logistic
    regression of correctness on the standardised score, tabulated at ``N_KNOTS`` scores across
    the range seen. A slope that comes out negative (scores that do not rank) is taken as flat:
    every suggestion gets the pooled precision. Fewer than two pairs give ``NO_CONFIDENCE``;
    pairs of one outcome only give that outcome's share shrunk like a two-class fit would be."""
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(correct, dtype=bool).reshape(-1)
    if len(s) < 2:
        return NO_CONFIDENCE
    lo, hi = float(s.min()), float(s.max())
    knots = np.linspace(lo, hi, N_KNOTS) if hi > lo else np.array([lo])
    if y.all() or not y.any():
        # one class: the share of right pairs with one pseudo-pair of the other outcome
        values = np.full(len(knots), (y.sum() + 0.5) / (len(y) + 1.0))
    else:
        from sklearn.linear_model import LogisticRegression

        mu, sd = s.mean(), s.std() or 1.0
        model = LogisticRegression(C=c).fit(((s - mu) / sd).reshape(-1, 1), y)
        if model.coef_[0, 0] <= 0:
            values = np.full(len(knots), y.mean())
        else:
            values = model.predict_proba(((knots - mu) / sd).reshape(-1, 1))[:, 1]
    values = np.maximum.accumulate(np.clip(values, 0.0, 1.0))
    return Confidence(
        tuple(round(float(k), 4) for k in knots),
        tuple(round(float(v), 4) for v in values),
        fitted_on=int(len(s)),
        labs=labs,
        source=source,
    )


def fit_on_suggestions(
    scores: np.ndarray,
    gold: np.ndarray,
    suggested: np.ndarray,
    known: np.ndarray | None = None,
    *,
    source: str = "",
    labs: int = 0,
) -> Confidence:
    """``fit_confidence`` on the suggested pairs of a score matrix (n x C; ``gold`` says which
    pairs are right); ``known`` (n x C) limits it to pairs whose answer is known (reviews
    decide some pairs of a passage, not all), default every pair."""
    use = np.asarray(suggested, dtype=bool) & (np.ones_like(suggested, dtype=bool) if known is None else known)
    return fit_confidence(np.asarray(scores)[use], np.asarray(gold, dtype=bool)[use], source=source, labs=labs)


def wilson_interval(k: int, n: int, z: float = 1.96) -> list[float] | None:
    """95% Wilson score interval of a share of ``k`` in ``n`` (None when n is 0)."""
    if not n:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(float(max(0.0, centre - half)), 4), round(float(min(1.0, centre + half)), 4)]


def reliability(prob: Sequence[float], correct: Sequence[bool], bins: Sequence[float] = BINS) -> list[dict]:
    """The calibration curve: per bin of predicted probability [lo, hi), the pairs in it, their
    mean predicted probability, the share that were right (observed precision) and its 95%
    Wilson interval."""
    p = np.asarray(prob, dtype=np.float64).reshape(-1)
    y = np.asarray(correct, dtype=bool).reshape(-1)
    out = []
    for lo, hi in zip(bins, bins[1:]):
        sel = (p >= lo) & (p < hi)
        n = int(sel.sum())
        out.append(
            {
                "bin": [round(lo, 2), round(min(hi, 1.0), 2)],
                "n": n,
                "mean_predicted": round(float(p[sel].mean()), 4) if n else None,
                "observed_precision": round(float(y[sel].mean()), 4) if n else None,
                "correct": int(y[sel].sum()),
                "observed_ci95": wilson_interval(int(y[sel].sum()), n),
            }
        )
    return out


def expected_calibration_error(prob: Sequence[float], correct: Sequence[bool], bins: Sequence[float] = BINS) -> float:
    """Pair-weighted mean |mean predicted - observed| over the bins of ``reliability``."""
    curve = reliability(prob, correct, bins)
    n = sum(b["n"] for b in curve)
    if not n:
        return 0.0
    return round(sum(b["n"] * abs(b["mean_predicted"] - b["observed_precision"]) for b in curve if b["n"]) / n, 4)


def bulk_estimate(prob: Sequence[float], target: float = 0.95) -> dict:
    """What ``review confirm --above target`` would confirm among these probabilities: how
    many, and their estimated precision (the mean probability of those at or above target)."""
    p = np.asarray(prob, dtype=np.float64).reshape(-1)
    sel = p >= target
    return {
        "target": target,
        "n": int(sel.sum()),
        "estimated_precision": round(float(p[sel].mean()), 4) if sel.any() else None,
    }


def confidence_report(pairs: tuple[Sequence[float], Sequence[bool], Sequence[str]], targets=(0.95, 0.9)) -> dict:
    """Reliability of probabilities on held-out pairs ``(probability, right?, lab)``: the
    curve, expected calibration error, Brier score, and per bulk target what would be
    confirmed, its estimated and observed precision (Wilson 95%) and the worst lab's."""
    prob, right, labs = (np.asarray(x) for x in pairs)
    right = right.astype(bool)
    out: dict = {"n": int(len(prob)), "curve": reliability(prob, right)}
    out["ece"] = expected_calibration_error(prob, right)
    out["brier"] = round(float(np.mean((prob - right) ** 2)), 4) if len(prob) else None
    out["bulk"] = []
    for t in targets:
        est = bulk_estimate(prob, t)
        sel = prob >= t
        k = int(right[sel].sum())
        per_lab = {lab: float(right[sel & (labs == lab)].mean()) for lab in sorted(set(labs[sel].tolist()))}
        worst = min(per_lab, key=per_lab.get) if per_lab else None
        est.update(
            observed_precision=round(k / est["n"], 4) if est["n"] else None,
            observed_ci95=wilson_interval(k, est["n"]),
            worst_lab=worst,
            worst_lab_precision=round(per_lab[worst], 4) if worst else None,
            worst_lab_n=int((sel & (labs == worst)).sum()) if worst else 0,
        )
        out["bulk"].append(est)
    return out


def load_shipped(rubric_id: str, model_id: str, path: Path = SHIPPED_FILE) -> Confidence:
    """The packaged map of this rubric and encoder (fitted by ``scripts/fit_confidence.py``),
    else ``NO_CONFIDENCE`` (suggestions then carry no probability until reviews fit one)."""
    try:
        maps = json.loads(path.read_text(encoding="utf-8"))["maps"]
        return Confidence.from_dict(maps[rubric_id][model_id])
    except (OSError, ValueError, KeyError, TypeError):
        return NO_CONFIDENCE
