"""`labwatch eval GOLD --cv lab` reports the probability's reliability curve, fitted without
each held-out lab, on the team's own sample gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import invoke

pytestmark = [pytest.mark.model, pytest.mark.slow]

GOLD = Path(__file__).resolve().parents[2] / "labwatch" / "sample_corpus" / "gold.jsonl"


def test_cv_lab_prints_the_reliability_curve_and_its_json_adds_up():
    doc = json.loads(invoke("eval", GOLD, "--cv", "lab", "--format", "json").stdout)
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name in ("rubric_only", "learned", "shipped"):
        rep = doc["confidence"][name]
        curve = rep["curve"]
        assert sum(b["n"] for b in curve) == rep["n"] > 0
        for b in curve:
            if b["n"]:
                assert b["bin"][0] <= b["mean_predicted"] <= b["bin"][1]
                assert b["observed_precision"] == pytest.approx(b["correct"] / b["n"], abs=1e-4)
    # the curve's pairs are the held-out labs' suggested pairs, lab by lab
    per_lab = sum(v["rubric_only"]["probability"]["n"] for v in doc["labs"].values())
    assert per_lab == doc["confidence"]["rubric_only"]["n"]
    # every suggested pair of the rubric-only matcher is a pair of the curve: precision agrees
    tp = sum(b["correct"] for b in doc["confidence"]["rubric_only"]["curve"])
    assert tp / per_lab == pytest.approx(doc["rubric_only"]["precision"], abs=1e-3)
    assert len({r["lab"] for r in rows}) == len(doc["labs"])
    table = invoke("eval", GOLD, "--cv", "lab").stdout
    assert "probability calibration, rubric only (each lab's map fitted on the other labs)" in table
    assert "bulk confirm would take" in table
