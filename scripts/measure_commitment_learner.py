"""Does a learned commitment classifier beat the rules? (docs/accuracy.md, "Commitment detection")

Trains a logistic regression on the team's own labeled passages (tests/extractors/fixtures/
commitments.jsonl and labwatch/sample_corpus/gold.jsonl) over the rules' own decision (category,
subject class, cue, negation, modality) plus either hashed word uni/bigrams or MiniLM sentence
vectors, and scores it on labeled files given on the command line against the rules alone; then,
measuring only, leave-one-lab-out over all files together. Nothing is written or shipped.

    python scripts/measure_commitment_learner.py ../shared/eval/dev.jsonl ../shared/eval/dev-more.jsonl
    python scripts/measure_commitment_learner.py --parser ../shared/eval/dev.jsonl ../shared/eval/dev-more.jsonl

``--parser`` adds what spaCy's statistical parser (en_core_web_sm) reads of each passage's main
clause: the root's tag, its modal auxiliary, its subject (first person, a proper name, a noun,
passive, none: an imperative), negation of the root, and prints the parser's speed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.statements import features as F
from labwatch.extractors.statements.spacy_models import get_blank, get_nlp

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


TAGS = ("VB", "VBZ", "VBP", "VBD", "VBN", "VBG", "MD", "NN", "JJ")
MODALS = ("will", "shall", "must", "may", "might", "could", "should", "can", "would")


def parser_features(texts: list[str]) -> np.ndarray:
    """The main clause as spaCy's parser reads it (see the module docstring)."""
    nlp = get_nlp(("parser", "tagger"))
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=64))
    print(f"parser: {len(texts) / (time.perf_counter() - start):.0f} passages/s", file=sys.stderr)
    rows = []
    for doc in docs:
        sent = next(iter(doc.sents), doc[:])
        root = sent.root
        kids = list(root.children)
        aux = [k.lower_ for k in kids if k.dep_ == "aux" and k.lower_ in MODALS]
        subj = [k for k in kids if k.dep_ in ("nsubj", "nsubjpass", "expl")]
        first = any(k.lower_ in ("we", "our", "us") or any(t.lower_ in ("we", "our") for t in k.subtree) for k in subj)
        rows.append(
            [root.tag_ == t for t in TAGS]
            + [m in aux for m in MODALS]
            + [
                first,
                any(k.ent_type_ or k.tag_ == "NNP" for k in subj),
                any(k.dep_ == "nsubjpass" for k in subj),
                not subj,
                any(k.dep_ == "neg" for k in kids),
                root.i == sent.start,
            ]
        )
    return np.array(rows, dtype=np.float32)


def f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp, fp, fn = (gold & pred).sum(), (~gold & pred).sum(), (gold & ~pred).sum()
    return round(float(2 * tp / (2 * tp + fp + fn)), 3) if tp else 0.0


def main(paths: list[str]) -> None:
    parser = "--parser" in paths
    paths = [p for p in paths if p != "--parser"]
    emb = load_embedder("minilm")
    sets = {"team": [r for p in TEAM for r in load(p)]} | {Path(p).stem: load(Path(p)) for p in paths}
    data = {}
    for name, rows in sets.items():
        texts = [r["text"] for r in rows]
        rules, said = rule_features(texts)
        parts = [rules, emb.encode(texts)] + ([parser_features(texts)] if parser else [])
        data[name] = (np.hstack(parts), said, np.array([bool(r["is_commitment"]) for r in rows]))
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
