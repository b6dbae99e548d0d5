"""`labwatch eval GOLD --learn-from LABELED` records LABELED as reviewer decisions: a labeled
passage that no criterion applies to is recorded as judged, not left out, so the learner sees
the passages it must leave alone (as `--cv lab` does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.matching.evaluation import predict_rows
from labwatch.extractors.matching.matcher import Matcher
from labwatch.extractors.matching.rubric import load_rubric
from labwatch.flows.evaluating import _record_labels
from labwatch.flows.pipeline import learned_examples
from labwatch.warehouse.db import Warehouse

pytestmark = pytest.mark.model

FIXTURE = Path(__file__).resolve().parents[1] / "extractors" / "fixtures" / "matching.jsonl"
EMPTY = [
    {"id": "x1", "lab": "fernhill", "text": "Our canteen serves lunch from noon until two.", "criteria": []},
    {"id": "x2", "lab": "fernhill", "text": "The annual picnic is held by the river in June.", "criteria": []},
]


def test_labeled_passages_without_criteria_are_recorded_as_judged(tmp_path):
    embedder = load_embedder("minilm")
    rubric = load_rubric()
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()][:6]
    rows += EMPTY
    wh = Warehouse(tmp_path / "scratch.duckdb")
    wh.ensure()
    matcher = Matcher(rubric, embedder)
    _record_labels(wh, rows, matcher, embedder)
    decided = {}
    for e in learned_examples(wh, embedder.model_id):
        decided.setdefault(e.text, {})[e.criterion_id] = e.label
    preds = {p.id: p for p in predict_rows(rows, matcher, embedder.encode([r["text"] for r in rows]))}
    for r in EMPTY:
        assert not preds[r["id"]].suggested  # nothing would have been put in front of a reviewer
        # ... yet the passage is a decision: its top-ranked criterion rejected
        assert decided[r["text"]] == {preds[r["id"]].ranked[0]: False}
    for r in rows[:6]:
        assert {c for c, ok in decided[r["text"]].items() if ok} == set(r["criteria"])
