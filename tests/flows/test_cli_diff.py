"""`labwatch diff` on the bundled versioned policy: exactly its six intended changes."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from .conftest import invoke, invoke_json

pytestmark = pytest.mark.model


def _sample():
    root = resources.files("labwatch") / "sample_corpus"
    expected = yaml.safe_load((root / "EXPECTED.yaml").read_text())
    (lab,) = [lab for lab in expected["labs"] if "changes" in lab]
    spec = lab["changes"]
    folder = root / lab["lab"] / spec["document"]
    return folder / spec["old_version"], folder / spec["new_version"], spec


def _norm(text):
    return " ".join(text.split()) if text else None


def test_diff_reports_exactly_the_intended_changes_of_the_sample_policy():
    old, new, spec = _sample()
    rows = invoke_json("diff", old, new)["changes"]
    got = sorted((r["kind"], _norm(r["old"]), _norm(r["new"])) for r in rows)
    want = sorted((c["kind"], _norm(c["old"]), _norm(c["new"])) for c in spec["expected"])
    assert got == want
    for r in rows:
        assert {"kind", "reason", "old", "new", "criteria", "dimensions"} <= set(r)
        if r["kind"] in ("weakened", "strengthened"):
            assert r["dimensions"] and all(d["direction"] in (-1, 0, 1) for d in r["dimensions"])


def test_diff_of_a_file_with_itself_is_empty_and_a_missing_file_is_one_line(tmp_path):
    old, _, _ = _sample()
    assert invoke_json("diff", old, old, "--no-criteria")["changes"] == []
    result = invoke("diff", old, tmp_path / "nope.md", check=False)
    assert result.exit_code != 0 and "nope.md" in result.stderr and len(result.stderr.strip().splitlines()) == 1
