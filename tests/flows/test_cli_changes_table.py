"""`labwatch changes` as a table stays readable at 100 to 160 columns: no line wider than the
terminal, a few lines per change, ids whole, statements cut with an ellipsis and whole in JSON.

Run as a real process with ``LABWATCH_COLUMNS`` set (the width of a table written to a pipe)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _changes(db, *extra, columns: int) -> str:
    env = {**os.environ, "LABWATCH_COLUMNS": str(columns), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "labwatch.flows.cli", "changes", "--db", str(db), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [100, 120, 160])
def test_the_changes_table_fits_and_stays_short(demo_db, columns):
    db, _ = demo_db
    rows = json.loads(_changes(db, "--format", "json", columns=columns))["changes"]
    assert len(rows) >= 3
    table = _changes(db, columns=columns)
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= columns
    body = [line for line in lines if line.startswith("│")]
    assert len(body) <= 5 * len(rows)  # at most five lines a change (it was 7 to 13 at 160)
    for doc in {r["document_id"] for r in rows}:  # ids are never folded mid-word
        assert sum(doc in line for line in body) == sum(r["document_id"] == doc for r in rows)
    for r in rows:
        for side in ("old", "new"):
            text = r[side]
            if not text:
                continue
            words = " ".join(text.split()[:3])
            assert any(words in " ".join(line.replace("│", " ").split()) for line in body), words
    assert "…" in table  # long statements are cut in the table ...
    longest = max((r["old"] or r["new"] or "" for r in rows), key=len)
    assert len(longest) > 64 and longest in json.dumps(rows, ensure_ascii=False)  # ... and whole in JSON
