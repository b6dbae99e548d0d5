"""`labwatch eval-changes`: a written revision pair, traced by hand, diffed and scored end to end."""

from __future__ import annotations

import json

import pytest

from .conftest import invoke, invoke_json

OLD = """# Example Lab Safety Policy

## 1. Testing
We will test every frontier model for cyber and biological capabilities before deployment.
The safety committee reviews every deployment decision before launch.

## 2. Disclosure
We publish a model card for each release.
"""

NEW = """# Example Lab Safety Policy

## 1. Testing
We aim to test every frontier model for cyber and biological capabilities before deployment.
The safety committee reviews every deployment decision before launch.

## 2. Disclosure
We publish a model card for each release.
We will notify the national authority within fifteen days of any serious incident.
"""


def _write(root):
    docs = root / "docs"
    docs.mkdir()
    (docs / "example_policy_v1_2025-01-01.txt").write_text(OLD)
    (docs / "example_policy_v2_2025-06-01.txt").write_text(NEW)
    rows = [
        ("EX-1-001", "W", OLD.splitlines()[3], NEW.splitlines()[3], "EC2"),
        ("EX-1-002", "R", OLD.splitlines()[4], NEW.splitlines()[4], "G"),
        ("EX-1-003", "A", "NONE", NEW.splitlines()[-1], "G"),
    ]
    traces = root / "traces.jsonl"
    traces.write_text(
        "\n".join(
            json.dumps(
                {
                    "pair_id": "EX-1",
                    "v_i": "v1",
                    "v_next": "v2",
                    "commitment_id": cid,
                    "outcome": outcome,
                    "v_i_text": a,
                    "v_next_text": b,
                    "category": cat,
                }
            )
            for cid, outcome, a, b, cat in rows
        )
        + "\n"
    )
    return traces, docs


@pytest.mark.model
def test_eval_changes_scores_a_traced_pair(tmp_path):
    traces, docs = _write(tmp_path)
    doc = invoke_json("eval-changes", traces, "--docs", docs)
    pooled = doc["pooled"]
    assert (pooled["material"], pooled["found"], pooled["right"]) == (2, 2, 2)
    assert pooled["retained_alarmed"] == 0.0 and pooled["alarmed_covering_no_unit"] == 0
    assert doc["pairs"]["EX-1"]["changes_listed"] == 2
    assert doc["files"]["EX-1"] == ["example_policy_v1_2025-01-01.txt", "example_policy_v2_2025-06-01.txt"]
    assert doc["pairing"]["EX-1"]["recall"] == 1.0


@pytest.mark.model
def test_eval_changes_prints_misses_with_both_texts(tmp_path):
    traces, docs = _write(tmp_path)
    # the pair's new version no longer has the added sentence: that unit is missed
    (docs / "example_policy_v2_2025-06-01.txt").write_text(NEW.rsplit("\n", 2)[0] + "\n")
    text = invoke("eval-changes", traces, "--docs", docs).stdout
    assert "EX-1-003 A G: missed" in text and "fifteen days" in text
    assert "EX-1-001" not in text


def test_eval_changes_names_a_missing_version(tmp_path):
    traces, docs = _write(tmp_path)
    (docs / "example_policy_v2_2025-06-01.txt").unlink()
    result = invoke("eval-changes", traces, "--docs", docs, check=False)
    assert result.exit_code != 0
    assert "no file with version 'v2' (pair EX-1)" in result.stderr and len(result.stderr.strip().splitlines()) <= 2
