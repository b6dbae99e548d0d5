"""A confirmed credit that adds nothing to a score (unscored criterion, zero weight, nested
criterion without its parent) is marked, with the reason, in every format of `labwatch score`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from labwatch.warehouse import store
from tests.dashboards.conftest import RUBRIC_ROWS, _criterion, build_warehouse

from .conftest import invoke

NESTED = "measuring.key_domains"
ZERO = "measuring.pretraining"
UNSCORED = "context.thresholds"


@pytest.fixture
def confirmed(tmp_path: Path) -> Path:
    """alpha-lab with four confirmed credits: one that counts, and one of each kind that does not."""
    wh = build_warehouse(tmp_path / "w.duckdb")
    extra = [
        _criterion(NESTED, "measuring", 0.6, 0.25, "Which domains.", parent="measuring.names_capabilities"),
        _criterion(ZERO, "measuring", 0.6, 0.0, "Forecasts before training."),
    ]
    with wh.write() as con:
        store.store_rubric(con, RUBRIC_ROWS + extra)
    items = json.loads(invoke("review", "list", "--db", wh.path, "--lab", "alpha-lab", "--format", "json").stdout)
    by_criterion = {i["criterion_id"]: i["id"] for i in items["items"]}
    invoke("review", "confirm", by_criterion["measuring.third_party_access"], "--reviewer", "ana", "--db", wh.path)
    first = by_criterion["measuring.names_capabilities"]  # confirmed for three other criteria in turn
    for target in (NESTED, ZERO, UNSCORED):
        _confirm_text_for(wh.path, first, target)
    return wh.path


def _confirm_text_for(db: Path, match_id: str, criterion: str) -> None:
    """Confirm the passage of ``match_id`` for ``criterion`` (and undo the rejection of the
    suggested criterion, so the passage can serve again)."""
    invoke("review", "confirm", match_id, "--criterion", criterion, "--reviewer", "ana", "--db", db)
    invoke("review", "undo", match_id, "--reviewer", "ana", "--db", db)


def test_json_marks_every_uncounted_credit_with_its_reason(confirmed):
    doc = json.loads(invoke("score", "--db", confirmed, "--lab", "alpha-lab", "--format", "json").stdout)
    crit = {c["criterion_id"]: c for c in doc["labs"][0]["criteria"]}
    assert crit["measuring.third_party_access"]["counts"] and crit["measuring.third_party_access"]["points"] > 0
    assert crit["measuring.third_party_access"]["why_not_counted"] is None
    expected = {UNSCORED: "unscored", ZERO: "zero weight", NESTED: "parent without credit"}
    for cid, key in expected.items():
        c = crit[cid]
        assert c["raw_credit"] == 1.0 and not c["counts"] and c["points"] == 0, cid
        assert c["not_counted"] == key, cid
        assert c["why_not_counted"], cid
    assert "measuring.names_capabilities" in crit[NESTED]["why_not_counted"]
    assert doc["labs"][0]["score"] == pytest.approx(crit["measuring.third_party_access"]["points"])


def test_table_counts_only_what_moves_the_score_and_lists_the_rest(confirmed):
    shown = invoke("score", "--db", confirmed, "--lab", "alpha-lab").stdout
    header, row = [line for line in shown.splitlines() if "alpha-lab" in line or "counted" in line][:2]
    assert "counted criteria" in header and "not counted" in header
    cells = [c.strip() for c in row.strip("│┃ ").split("│")]
    assert cells[-2:] == ["1", "3"]  # one credit counts, three do not
    assert "does not count" in shown
    for cid in (UNSCORED, ZERO, NESTED):
        assert cid in shown
    assert "unscored criterion" in shown and "weight in the rubric is 0" in shown and "parent" in shown


def test_csv_and_markdown_say_why(confirmed):
    rows = list(csv.DictReader(io.StringIO(invoke("score", "--db", confirmed, "--format", "csv").stdout)))
    alpha = {r["criterion_id"]: r for r in rows if r["lab"] == "alpha-lab"}
    assert alpha["measuring.third_party_access"]["counts"] == "True"
    assert alpha["measuring.third_party_access"]["not_counted"] == ""
    for cid in (UNSCORED, ZERO, NESTED):
        assert alpha[cid]["counts"] == "False" and alpha[cid]["not_counted"], cid
    md = invoke("score", "--db", confirmed, "--format", "md").stdout
    for cid, words in ((UNSCORED, "unscored"), (ZERO, "weight in the rubric is 0"), (NESTED, "parent")):
        line = next(line for line in md.splitlines() if f"**{cid}**" in line)
        assert "not counted" in line and words in line, line


def test_score_since_quotes_end_at_a_whole_word():
    from labwatch.warehouse.scoring import explain_score_change

    quote = (
        "We will commission an independent audit of our frontier safety framework every year and publish its summary"
    )
    move = {
        "lab": "alpha-lab",
        "since": "2025-01-01",
        "as_of": "2025-06-01",
        "delta": -5.0,
        "versions": [],
        "criteria": [
            {
                "criterion_id": "accountability.external_review",
                "old_credit": 1.0,
                "new_credit": 0.0,
                "points": -5.0,
                "evidence_removed": [quote],
                "evidence_added": [],
            }
        ],
    }
    shown = explain_score_change(move).split('"')[1]
    assert shown.endswith("…") and len(shown) <= 90
    assert quote.startswith(shown[:-1]) and quote[len(shown) - 1] == " "  # cut between two words
