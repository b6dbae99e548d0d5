"""Each queue item names its passage's two best other criteria, as scored by the matcher."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from labwatch.extractors.records import Suggestion
from labwatch.flows.cli import app
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.queries import review_queue

from .conftest import make_record, rubric_rows

TEXT = "We will evaluate every model for cyber offence before release."
SCORES = [  # (criterion, score, suggested), deliberately not in score order
    ("measuring.third_party_access", 0.55, True),
    ("commitments.assessment_frequency", 0.10, False),
    ("measuring.key_domains", 0.81, True),
    ("accountability.verification", 0.30, False),
    ("measuring.names_capabilities", 0.61, False),
]


def _warehouse(tmp_path) -> Warehouse:
    wh = Warehouse(tmp_path / "wh.duckdb", timeout=20)
    rec = make_record(
        "alpha",
        "policy",
        [(TEXT, "measuring.key_domains", True), ("Our offices are in a converted mill.", None, False)],
        sha="n1",
        published=date(2024, 1, 10),
    )
    rec.suggestions[0] = [Suggestion(c, s, i + 1, sugg, f"test {s}") for i, (c, s, sugg) in enumerate(SCORES)]
    with wh.write() as con:
        store.store_rubric(con, rubric_rows())
        store.store_version(con, rec)
    return wh


def test_next_best_holds_the_two_best_other_criteria_in_order(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.read() as con:
        items = {i["criterion_id"]: i for i in review_queue(con, limit=None)}
    assert set(items) == {"measuring.key_domains", "measuring.third_party_access"}
    assert items["measuring.key_domains"]["next_best"] == [
        {"criterion_id": "measuring.names_capabilities", "score": 0.61},
        {"criterion_id": "measuring.third_party_access", "score": 0.55},
    ]
    # "other" is relative to the item: the top-scoring criterion is the second suggestion's next best
    assert items["measuring.third_party_access"]["next_best"] == [
        {"criterion_id": "measuring.key_domains", "score": 0.81},
        {"criterion_id": "measuring.names_capabilities", "score": 0.61},
    ]


def test_review_list_json_carries_next_best(tmp_path):
    wh = _warehouse(tmp_path)
    result = CliRunner().invoke(app, ["review", "list", "--db", str(wh.path), "--format", "json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    items = {i["criterion_id"]: i for i in json.loads(result.stdout)["items"]}
    assert [(o["criterion_id"], o["score"]) for o in items["measuring.key_domains"]["next_best"]] == [
        ("measuring.names_capabilities", 0.61),
        ("measuring.third_party_access", 0.55),
    ]
