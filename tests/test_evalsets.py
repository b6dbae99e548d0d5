"""The team's held-out evaluation sets (evalsets/) are well formed: every record loads with
the same readers `labwatch eval` and `eval-changes` use, and every traced wording is in its
version's text, so a score on them measures the tool and not a broken record."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from labwatch.extractors.changes.evaluation import read_traces
from labwatch.extractors.matching.rubric import load_rubric
from labwatch.flows.change_evaluation import pair_files

EVALSETS = Path(__file__).resolve().parents[1] / "evalsets"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize(
    "name",
    [
        "heldout-passages.jsonl",
        "heldout-passages-2.jsonl",
        "heldout-passages-3.jsonl",
        "heldout-passages-4.jsonl",
        "heldout-passages-5.jsonl",
    ],
)
def test_heldout_passages_use_the_rubric_ids_and_the_eval_fields(name):
    rubric_ids = {c.id for c in load_rubric().criteria}
    rows = [json.loads(line) for line in (EVALSETS / name).read_text().splitlines() if line]
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert isinstance(r["is_commitment"], bool) and r["text"].strip(), r["id"]
        assert set(r["criteria"]) <= rubric_ids, (r["id"], set(r["criteria"]) - rubric_ids)


@pytest.mark.parametrize(
    "name", ["changes-team", "changes-team-2", "changes-team-3", "changes-team-4", "changes-team-5"]
)
def test_every_traced_wording_is_in_its_version_text(name):
    folder = EVALSETS / name
    rows = [json.loads(line) for line in (folder / "traces.jsonl").read_text().splitlines() if line]
    units = read_traces(rows, source=name)
    files = pair_files(units, folder / "docs")
    assert set(files) == {u.pair_id for u in units}
    for u in units:
        old, new = (_squash(p.read_text(encoding="utf-8")) for p in files[u.pair_id])
        assert u.old is None or _squash(u.old) in old, u.unit_id
        assert u.new is None or _squash(u.new) in new, u.unit_id
