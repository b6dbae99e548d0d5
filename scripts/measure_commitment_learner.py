"""Does a learned commitment classifier beat the rules? (docs/accuracy.md, "Commitment detection")

Trains a logistic regression on the team's own labeled passages (tests/extractors/fixtures/
commitments.jsonl and labwatch/sample_corpus/gold.jsonl) over the rules' own decision (category,
subject class, cue, negation, modality) plus either hashed word uni/bigrams or MiniLM sentence
vectors, and scores it on labeled files given on the command line against the rules alone; then,
measuring only, leave-one-lab-out over all files together. Nothing is written or shipped.

    python scripts/measure_commitment_learner.py ../shared/eval/dev.jsonl ../shared/eval/dev-more.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.statements import features as F
from labwatch.extractors.statements.spacy_models import get_blank

ROOT = Path(__file__).resolve().parent.parent
TEAM = [ROOT / "tests/extractors/fixtures/commitments.jsonl", ROOT / "labwatch/sample_corpus/gold.jsonl"]
CATS = ("commitment", "hedge", "recommendation", "description")
SUBJECTS = ("first", "lab", "neutral", "world", "others", "")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rule_features(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The rules' decision as features, and the rules' own answer."""
    rows, said = [], []
    for doc in get_blank().pipe(texts):
        d, _ = F._analyse(doc)
        rows.append([d.category == c for c in CATS] + [d.subject == s for s in SUBJECTS] + [d.cued, d.negated])
        said.append(d.category == "commitment")
    return np.array(rows, dtype=np.float32), np.array(said)


def f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp, fp, fn = (gold & pred).sum(), (~gold & pred).sum(), (gold & ~pred).sum()
    return round(float(2 * tp / (2 * tp + fp + fn)), 3) if tp else 0.0


def main(paths: list[str]) -> None:
    emb = load_embedder("minilm")
    sets = {"team": [r for p in TEAM for r in load(p)]} | {Path(p).stem: load(Path(p)) for p in paths}
    data = {}
    for name, rows in sets.items():
        texts = [r["text"] for r in rows]
        rules, said = rule_features(texts)
        data[name] = (np.hstack([rules, emb.encode(texts)]), said, np.array([bool(r["is_commitment"]) for r in rows]))
    x_team, _, y_team = data["team"]
    model = LogisticRegression(C=1.0, max_iter=3000).fit(x_team, y_team)
    for name, (x, said, gold) in data.items():
        p = model.predict_proba(x)[:, 1]
        print(f"{name}: rules F1 {f1(gold, said)}  learned (trained on team) F1 {f1(gold, p >= 0.5)}")
    names = list(data)
    x_all = np.vstack([data[n][0] for n in names])
    y_all = np.concatenate([data[n][2] for n in names])
    said_all = np.concatenate([data[n][1] for n in names])
    labs = np.array([r.get("lab", "?") for n in names for r in sets[n]])
    src = np.array([n for n in names for _ in sets[n]])
    p = np.zeros(len(y_all))
    for lab in sorted(set(labs)):
        test = labs == lab
        p[test] = (
            LogisticRegression(C=1.0, max_iter=3000).fit(x_all[~test], y_all[~test]).predict_proba(x_all[test])[:, 1]
        )
    for n in names:
        k = src == n
        print(f"leave-one-lab-out, {n}: rules F1 {f1(y_all[k], said_all[k])}  learned F1 {f1(y_all[k], p[k] >= 0.5)}")


if __name__ == "__main__":
    main(sys.argv[1:])
