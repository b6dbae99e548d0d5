"""Accuracy of commitment detection and criterion matching, as defined in DESIGN.md ("Eval").

Gold rows are dicts ``{"id", "text", "is_commitment", "criteria": [...], "lab"?}``. A
prediction per row says how the pipeline ranked the criteria, which it would suggest to a
reviewer (its own thresholds), and whether it found a commitment. ``evaluate`` turns them
into the contract's metrics; ``run_matching_eval`` and ``cross_validate_by_lab`` run the
matcher (optionally after learning from labeled rows) and evaluate.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from labwatch.extractors.exceptions import EvalError
from labwatch.extractors.matching.calibration import fit_calibration, gold_matrix, suggested_mask
from labwatch.extractors.matching.confidence import Confidence, confidence_report, fit_on_suggestions
from labwatch.extractors.matching.embeddings import Embedder
from labwatch.extractors.matching.matcher import LabeledExample, Matcher
from labwatch.extractors.records import Passage

BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20261127


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the pipeline says about one gold passage."""

    id: str
    ranked: tuple[str, ...]  # criteria, best first
    suggested: tuple[str, ...]  # criteria that pass their thresholds
    is_commitment: bool | None = None
    probability: tuple[float | None, ...] = ()  # of each suggested criterion, in ``suggested`` order


def validate_rows(rows: Sequence[Mapping[str, Any]], source: str = "gold") -> list[dict[str, Any]]:
    """Checked copies of eval rows (id, text, is_commitment, criteria); EvalError names the bad row."""
    out, seen = [], set()
    for n, row in enumerate(rows, start=1):
        where = f"{source}: row {n}"
        if not isinstance(row, Mapping):
            raise EvalError(f"{where} is not a JSON object")
        rid = str(row.get("id") or f"row{n}")
        if rid in seen:
            raise EvalError(f"{where}: duplicate id {rid!r}")
        seen.add(rid)
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise EvalError(f"{where} ({rid}) has no text")
        criteria = row.get("criteria", [])
        if not isinstance(criteria, list) or not all(isinstance(c, str) for c in criteria):
            raise EvalError(f"{where} ({rid}): criteria must be a list of criterion ids")
        commit = row.get("is_commitment")
        if commit is not None and not isinstance(commit, bool):
            raise EvalError(f"{where} ({rid}): is_commitment must be true or false")
        out.append({**row, "id": rid, "criteria": list(dict.fromkeys(criteria))})
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _pair_counts(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> tuple[int, int, int]:
    tp = sum(len(g & p) for g, p in zip(gold, pred))
    fp = sum(len(p - g) for g, p in zip(gold, pred))
    fn = sum(len(g - p) for g, p in zip(gold, pred))
    return tp, fp, fn


def _recall_at(gold: Sequence[set[str]], ranked: Sequence[tuple[str, ...]], k: int) -> float:
    vals = [len(g & set(r[:k])) / len(g) for g, r in zip(gold, ranked) if g]
    return round(float(np.mean(vals)), 4) if vals else 0.0


def _bootstrap(gold: list[set[str]], pred: list[set[str]]) -> tuple[list[float], list[float]]:
    """95% percentile intervals of pair F1 and of the false-match rate, resampling passages."""
    rng = random.Random(BOOTSTRAP_SEED)
    n, f1s, fmrs = len(gold), [], []
    for _ in range(BOOTSTRAP_SAMPLES):
        idx = [rng.randrange(n) for _ in range(n)]
        f1s.append(_prf(*_pair_counts([gold[i] for i in idx], [pred[i] for i in idx]))["f1"])
        empty = [bool(pred[i]) for i in idx if not gold[i]]
        fmrs.append(sum(empty) / len(empty) if empty else 0.0)

    def interval(vals):
        return [round(float(np.percentile(vals, 2.5)), 4), round(float(np.percentile(vals, 97.5)), 4)]

    return interval(f1s), interval(fmrs)


def evaluate(
    gold_rows: Sequence[Mapping[str, Any]], predictions: Sequence[Prediction | Mapping[str, Any]]
) -> dict[str, Any]:
    """Metrics of DESIGN.md "Eval" for predictions aligned with gold_rows (same order or by
    id): n, commitment P/R/F1 (None when no prediction says), matching recall@1/@3, micro
    P/R/F1 over (passage, criterion) pairs, false_match_rate, per_criterion, confusions and a
    bootstrap 95% interval of the matching F1 and of the false-match rate."""
    rows = validate_rows(gold_rows)
    preds = [_as_prediction(p) for p in predictions]
    by_id = {p.id: p for p in preds}
    if len(by_id) == len(preds) and all(r["id"] in by_id for r in rows):
        preds = [by_id[r["id"]] for r in rows]
    elif len(preds) != len(rows):
        raise EvalError(f"evaluate: {len(rows)} gold rows but {len(preds)} predictions")
    gold = [set(r["criteria"]) for r in rows]
    sugg = [set(p.suggested) for p in preds]
    ranked = [p.ranked for p in preds]
    result: dict[str, Any] = {"n": len(rows), "commitment": _commitment_metrics(rows, preds)}
    empty = [s for g, s in zip(gold, sugg) if not g]
    matching = {"recall_at_1": _recall_at(gold, ranked, 1), "recall_at_3": _recall_at(gold, ranked, 3)}
    matching.update(_prf(*_pair_counts(gold, sugg)))
    matching["false_match_rate"] = round(sum(1 for s in empty if s) / len(empty), 4) if empty else 0.0
    result["matching"] = matching
    result["per_criterion"] = _per_criterion(gold, sugg)
    result["confusions"] = _confusions(gold, sugg)
    result["f1_ci95"], result["false_match_rate_ci95"] = _bootstrap(gold, sugg) if rows else ([0.0] * 2, [0.0] * 2)
    return result


def _as_prediction(p: Prediction | Mapping[str, Any]) -> Prediction:
    if isinstance(p, Prediction):
        return p
    return Prediction(str(p["id"]), tuple(p.get("ranked", ())), tuple(p.get("suggested", ())), p.get("is_commitment"))


def _commitment_metrics(rows: list[dict], preds: list[Prediction]) -> dict[str, float] | None:
    pairs = [
        (bool(r["is_commitment"]), p.is_commitment)
        for r, p in zip(rows, preds)
        if r.get("is_commitment") is not None and p.is_commitment is not None
    ]
    if not pairs:
        return None
    tp = sum(1 for g, p in pairs if g and p)
    fp = sum(1 for g, p in pairs if p and not g)
    fn = sum(1 for g, p in pairs if g and not p)
    return _prf(tp, fp, fn)


def _per_criterion(gold: list[set[str]], sugg: list[set[str]]) -> dict[str, dict[str, float]]:
    ids = sorted(set().union(*gold, *sugg)) if gold else []
    out = {}
    for cid in ids:
        tp = sum(1 for g, s in zip(gold, sugg) if cid in g and cid in s)
        fp = sum(1 for g, s in zip(gold, sugg) if cid in s and cid not in g)
        fn = sum(1 for g, s in zip(gold, sugg) if cid in g and cid not in s)
        out[cid] = {**_prf(tp, fp, fn), "support": tp + fn}
    return out


def _confusions(gold: list[set[str]], sugg: list[set[str]], top: int = 10) -> list[dict[str, Any]]:
    """Most frequent (gold, predicted) pairs where a wrong criterion was suggested; gold is
    None for passages without gold criteria, predicted None for a missed gold criterion."""
    counts: Counter[tuple[str | None, str | None]] = Counter()
    for g, s in zip(gold, sugg):
        wrong, missed = s - g, g - s
        for p in wrong:
            for x in missed or (g or {None}):
                counts[(x, p)] += 1
        if not wrong:
            for x in missed:
                counts[(x, None)] += 1
    return [{"gold": g, "predicted": p, "count": n} for (g, p), n in counts.most_common(top)]


def _detect_features(texts: list[str], features_fn: Callable | None):
    if features_fn is None:
        try:
            from labwatch.extractors.statements.features import detect_text as features_fn  # written in parallel
        except ImportError:
            return None
    found = features_fn(texts)
    return None if found is None else list(found)


def predict_rows(
    rows: Sequence[Mapping[str, Any]], matcher: Matcher, vectors: np.ndarray, features=None
) -> list[Prediction]:
    """Run the matcher over eval rows (each text one passage) and say what it would suggest."""
    passages = [Passage(seq=i, text=r["text"]) for i, r in enumerate(rows)]
    matches = matcher.match(passages, features, vectors)
    out = []
    for r, row, f in zip(rows, matches, features or [None] * len(rows)):
        out.append(
            Prediction(
                str(r["id"]),
                tuple(s.criterion_id for s in row),
                tuple(s.criterion_id for s in row if s.suggested),
                None if f is None else bool(f.is_commitment),
                tuple(s.probability for s in row if s.suggested),
            )
        )
    return out


def labeled_examples(
    rows: Sequence[Mapping[str, Any]], matcher: Matcher, vectors: np.ndarray, *, full: bool = False
) -> list[LabeledExample]:
    """Rows as reviewer decisions: each gold criterion confirmed, and each other criterion
    the matcher suggests for that passage rejected; the row's lab is the decision's group.
    ``full``: a row without gold criteria and without a suggestion also rejects its top
    ranked criterion, so that the learner knows it was judged (gold rows are fully labeled,
    unlike a review queue) and can keep its false-match rate in check."""
    preds = predict_rows(rows, matcher, vectors)
    out = []
    for r, p, v in zip(rows, preds, vectors):
        gold, lab = list(r["criteria"]), str(r.get("lab") or "")
        rejected = [c for c in p.suggested if c not in gold]
        if full and not gold and not rejected and p.ranked:
            rejected = [p.ranked[0]]
        out += [LabeledExample(r["text"], c, True, v, lab) for c in gold]
        out += [LabeledExample(r["text"], c, False, v, lab) for c in rejected]
    return out


def run_matching_eval(
    gold_rows: Sequence[Mapping[str, Any]],
    matcher: Matcher,
    embedder: Embedder,
    features_fn: Callable | None = None,
    learn_rows: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Score gold_rows with matcher, after learning from learn_rows (rows whose id is also in
    gold are skipped). Commitment metrics are None when no features function is available."""
    rows = validate_rows(gold_rows, "gold")
    learn: list[dict[str, Any]] = []
    if learn_rows:
        gold_ids = {r["id"] for r in rows}
        learn = [r for r in validate_rows(learn_rows, "learn-from") if r["id"] not in gold_ids]
        if learn:
            matcher.learn(labeled_examples(learn, matcher, embedder.encode([r["text"] for r in learn])))
    vectors = embedder.encode([r["text"] for r in rows])
    features = _detect_features([r["text"] for r in rows], features_fn)
    result = evaluate(rows, predict_rows(rows, matcher, vectors, features))
    result["learned_from"] = len(learn)
    return result


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The headline of an ``evaluate`` result: matching metrics and their intervals."""
    return {
        **result["matching"],
        "f1_ci95": result["f1_ci95"],
        "false_match_rate_ci95": result["false_match_rate_ci95"],
    }


def cross_validate_by_lab(
    rows: Sequence[Mapping[str, Any]],
    make_matcher: Callable[[], Matcher],
    embedder: Embedder,
    features_fn: Callable | None = None,
) -> dict[str, Any]:
    """Nested leave-one-lab-out: each lab's rows are scored by matchers whose every choice
    (thresholds, the learned scorer and whether it takes over) came from the other labs'
    rows only. Two matchers per lab: ``rubric_only`` (the rubric score, thresholds fitted on
    the other labs) and ``learned`` (the other labs' rows learned as reviews, see
    ``Matcher.learn``). The top-level metrics are the learned one's, micro-averaged over all
    rows (so the false-match rate is pooled over every passage without a criterion);
    ``rubric_in_sample`` is the rubric with thresholds fitted on all rows, for comparison."""
    rows = validate_rows(rows, "gold")
    vectors = embedder.encode([r["text"] for r in rows])
    features = _detect_features([r["text"] for r in rows], features_fn)
    by_lab: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_lab[str(r.get("lab") or "unknown")].append(i)
    base = make_matcher()
    ids = base.criterion_ids()
    rubric_scores, _ = base.score_parts([r["text"] for r in rows], vectors)
    # the scores suggestions are made from (commitment prior included): what probabilities map
    scored, _ = base.score([r["text"] for r in rows], vectors, features)
    gold = gold_matrix([set(r["criteria"]) for r in rows], ids)
    preds: dict[str, list[Prediction | None]] = {"rubric_only": [None] * len(rows), "learned": [None] * len(rows)}
    labs = {}
    for lab, idx in sorted(by_lab.items()):
        held = set(idx)
        train = [i for i in range(len(rows)) if i not in held]
        matchers = {"rubric_only": make_matcher(), "learned": make_matcher()}
        if train:
            cal = fit_calibration(rubric_scores[train], gold[train], ids)
            matchers["rubric_only"].calibration = cal
            mask = suggested_mask(scored[train], cal.thresholds(ids), cal.margin)
            fold_confidence = fit_on_suggestions(scored[train], gold[train], mask, source="other labs")
            matchers["rubric_only"].confidence = fold_confidence
            learner = matchers["learned"]
            learner.learn(labeled_examples([rows[i] for i in train], make_matcher(), vectors[train], full=True))
            if learner.confidence == base.confidence:  # too few reviews to fit one: never the packaged map
                learner.confidence = fold_confidence
        lab_rows = [rows[i] for i in idx]
        lab_feats = [features[i] for i in idx] if features is not None else None
        labs[lab] = {"n": len(idx), "scorer": matchers["learned"].choice}
        for name, matcher in matchers.items():
            lab_preds = predict_rows(lab_rows, matcher, vectors[idx], lab_feats)
            for i, p in zip(idx, lab_preds):
                preds[name][i] = p
            m = evaluate(lab_rows, lab_preds)["matching"]
            figures = {"f1": m["f1"], "recall_at_3": m["recall_at_3"], "false_match_rate": m["false_match_rate"]}
            probs, right, _ = _probability_pairs(lab_rows, lab_preds)
            figures["probability"] = {
                "n": len(probs),
                "mean_predicted": round(float(np.mean(probs)), 4) if probs else None,
                "observed_precision": round(float(np.mean(right)), 4) if probs else None,
            }
            if name == "learned":
                labs[lab].update(figures)
            else:
                labs[lab][name] = figures
    result = evaluate(rows, preds["learned"])
    result["labs"] = labs
    result["confidence"] = {
        "rubric_only": confidence_report(_probability_pairs(rows, preds["rubric_only"])),
        "learned": confidence_report(_probability_pairs(rows, preds["learned"])),
        # the packaged map on the rubric-only suggestions: held out unless GOLD is what it was fitted on
        "shipped": confidence_report(_probability_pairs(rows, preds["rubric_only"], base.confidence, scored, ids)),
        "shipped_source": base.confidence.source,
    }
    result["learned"] = summary(result)
    result["rubric_only"] = summary(evaluate(rows, preds["rubric_only"]))
    in_sample = make_matcher()
    in_sample.calibration = fit_calibration(rubric_scores, gold, ids)
    result["rubric_in_sample"] = summary(evaluate(rows, predict_rows(rows, in_sample, vectors, features)))
    return result


def _probability_pairs(
    rows, preds, confidence=None, scores=None, ids=None
) -> tuple[list[float], list[bool], list[str]]:
    """(probability, right?, lab) of every suggested pair of ``preds``; with ``confidence``, the
    probability that map gives the pair's score (``scores`` n x C, criteria in ``ids`` order)."""
    col = {c: j for j, c in enumerate(ids or ())}
    probs, right, labs = [], [], []
    for i, (r, p) in enumerate(zip(rows, preds)):
        for k, c in enumerate(p.suggested):
            prob = p.probability[k] if confidence is None else float(confidence.probability(scores[i, col[c]]))
            if prob is None or prob != prob:
                continue
            probs.append(float(prob))
            right.append(c in r["criteria"])
            labs.append(str(r.get("lab") or "unknown"))
    return probs, right, labs


def fit_rows_confidence(
    rows: Sequence[Mapping[str, Any]],
    matcher: Matcher,
    embedder: Embedder,
    features_fn: Callable | None = None,
    source: str = "labeled passages",
) -> Confidence:
    """The probability map of ``matcher``'s suggestions fitted on labeled rows (each suggested
    pair right when its criterion is gold), scored as ``predict_rows`` scores them."""
    rows = validate_rows(rows, "gold")
    texts = [r["text"] for r in rows]
    vectors = embedder.encode(texts)
    scores, _ = matcher.score(texts, vectors, _detect_features(texts, features_fn))
    ids = matcher.criterion_ids()
    gold = gold_matrix([set(r["criteria"]) for r in rows], ids)
    mask = suggested_mask(scores, matcher.calibration.thresholds(ids), matcher.calibration.margin)
    labs = len({str(r.get("lab") or "") for r in rows})
    return fit_on_suggestions(scores, gold, mask, source=f"{source}, {len(rows)} passages", labs=labs)
