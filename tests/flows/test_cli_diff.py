"""`labwatch diff` on the bundled versioned policy: exactly its six intended changes."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from labwatch.extractors.changes.reasons import DIMENSIONS

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


def test_the_run_lists_the_changes_diff_lists(demo_db):
    # `labwatch run` compares versions inside the warehouse with the vectors it stored while
    # matching; `labwatch diff` encodes the same texts: both must list the same changes
    db, _ = demo_db
    old, new, spec = _sample()
    rows = invoke_json("changes", "--db", db, "--lab", "brackenridge-labs", "--format", "json")["changes"]
    stored = sorted((r["kind"], _norm(r["old"]), _norm(r["new"])) for r in rows)
    diffed = sorted((r["kind"], _norm(r["old"]), _norm(r["new"])) for r in invoke_json("diff", old, new)["changes"])
    assert stored == diffed


def test_change_detection_uses_stored_vectors_only_when_every_compared_statement_has_one(demo_copy):
    from labwatch.extractors.records import text_hash
    from labwatch.flows.change_detection import stored_vectors_for
    from labwatch.warehouse.change_log import document_versions, version_statements
    from labwatch.warehouse.db import Warehouse

    wh = Warehouse(demo_copy)
    with wh.write() as con:
        (old_vid, _, _), (new_vid, _, _) = document_versions(con, "brackenridge-labs", "capability-risk-policy")[:2]
        old, new = version_statements(con, old_vid), version_statements(con, new_vid)
        va, vb = stored_vectors_for(con, old, new)
        assert va is not None and va.shape[0] == len(old) and vb.shape[0] == len(new)
        assert va.any(axis=1).sum() < len(old)  # statements identical in both versions need no vector
        edited = next(s for s, row in zip(new, vb) if row.any())
        con.execute("DELETE FROM embeddings WHERE text_hash = ?", [text_hash(edited.text)])
        assert stored_vectors_for(con, old, new) == (None, None)  # wording alone, never a mix


def test_stored_changes_name_the_dimensions_that_moved_as_diff_does(demo_db):
    # the view, `changes --format json` (and so the feed and the dashboard) carry what moved
    db, _ = demo_db
    old, new, _ = _sample()
    rows = invoke_json("changes", "--db", db, "--lab", "brackenridge-labs", "--format", "json")["changes"]
    stored = {(r["kind"], _norm(r["old"]), _norm(r["new"])): r["dimensions"] for r in rows}
    diffed = {
        (r["kind"], _norm(r["old"]), _norm(r["new"])): r["dimensions"] for r in invoke_json("diff", old, new)["changes"]
    }
    assert stored == diffed
    moved = [d for (kind, _, _), dims in stored.items() if kind in ("weakened", "strengthened") for d in dims]
    assert moved and all(d["dimension"] in DIMENSIONS and d["direction"] in (-1, 0, 1) and d["reason"] for d in moved)


def test_an_unchanged_run_recomputes_changes_an_older_labwatch_stored(demo_copy):
    # after an upgrade, the better change detection applies without waiting for new versions
    from labwatch.extractors.changes.classification import CHANGES_VERSION
    from labwatch.warehouse.db import Warehouse

    wh = Warehouse(demo_copy)
    with wh.write() as con:
        before = con.execute("SELECT count(*) FROM changes").fetchone()[0]
        con.execute("UPDATE changes SET changes_version = 'changes-0', reason = 'stale', dimensions = NULL")
    invoke_json("run", "--no-prefect", "--db", demo_copy)
    with wh.read() as con:
        rows = con.execute("SELECT changes_version, reason, dimensions FROM changes").fetchall()
    assert len(rows) == before > 0
    assert {v for v, _, _ in rows} == {CHANGES_VERSION} and "stale" not in {r for _, r, _ in rows}
    assert all(d is not None for _, _, d in rows)  # rows from before migration 0013 get their dimensions


def test_kind_keeps_only_the_kinds_asked_for_in_diff_and_changes(demo_db):
    # a reviewer's weekly question: what was weakened or removed, without the rest
    db, _ = demo_db
    old, new, _ = _sample()
    every = invoke_json("diff", old, new)["changes"]
    some = invoke_json("diff", old, new, "--kind", "weakened, Removed")["changes"]
    assert {r["kind"] for r in every} - {"weakened", "removed"}  # the sample has other kinds too
    assert some == [r for r in every if r["kind"] in ("weakened", "removed")] and some
    stored = invoke_json("changes", "--db", db, "--kind", "strengthened")["changes"]
    assert stored and {r["kind"] for r in stored} == {"strengthened"}
    table = invoke("changes", "--db", db, "--kind", "strengthened").stdout
    assert f"{len(stored)} strengthened commitment changes" in table


def test_an_unknown_kind_is_refused_in_one_line_before_any_file_is_read(tmp_path):
    # checked before the files: even a missing file answers with the bad --kind first
    result = invoke("diff", tmp_path / "a.md", tmp_path / "b.md", "--kind", "weakend", check=False)
    assert result.exit_code != 0
    assert "weakend" in result.stderr and "known: added, removed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = invoke("changes", "--db", tmp_path / "none.duckdb", "--kind", "", check=False)
    assert result.exit_code != 0 and "--kind" in result.stderr


def test_the_table_title_counts_each_kind_alarms_first(demo_db):
    # a long diff is triaged from its title: how many were weakened or removed
    db, _ = demo_db
    old, new, spec = _sample()
    counts = {}
    for c in spec["expected"]:
        counts[c["kind"]] = counts.get(c["kind"], 0) + 1
    order = [k for k in ("weakened", "removed", "strengthened", "added", "reworded") if counts.get(k)]
    want = f"{len(spec['expected'])} commitment changes: " + ", ".join(f"{counts[k]} {k}" for k in order)
    assert want in invoke("diff", old, new, "--no-criteria").stdout
    assert want in invoke("changes", "--db", db).stdout
    # one kind only: nothing to break down
    assert "strengthened commitment changes (" in invoke("changes", "--db", db, "--kind", "strengthened").stdout
