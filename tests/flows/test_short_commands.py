"""Short commands answer without loading the heavy libraries (torch, spaCy, Prefect).

Each command runs in a fresh interpreter, as a user runs it; afterwards the test reads which
modules that interpreter imported. (Their wall time is measured by `labwatch bench`, not here.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

HEAVY = ("torch", "spacy", "prefect", "sentence_transformers", "onnxruntime", "transformers", "streamlit")

PROBE = """
import json, os, sys
os.environ["LABWATCH_FULL_EXIT"] = "1"  # end by SystemExit, so this probe can report after main()
heavy = json.loads(sys.argv[2])
sys.argv = ["labwatch", *json.loads(sys.argv[1])]
from labwatch.flows.cli import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
mp = sys.modules.get("multiprocessing")
children = len(mp.active_children()) if mp else 0  # worker processes the command left running
print(json.dumps({"code": code, "heavy": sorted(m for m in heavy if m in sys.modules), "children": children}), file=sys.stderr)
"""


def run_probe(*args) -> dict:
    """Run `labwatch ARGS` in a fresh interpreter; its exit code and the heavy modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([str(a) for a in args]), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    report["stdout"], report["stderr"] = proc.stdout, proc.stderr
    return report


def test_help_and_argument_errors_load_nothing_heavy(tmp_path):
    present = tmp_path / "present.txt"
    present.write_text("We will publish our evaluations.\n")
    for args, code in (
        (("--help",), 0),
        (("diff", tmp_path / "missing.txt", present), 1),
        (("diff", present, tmp_path / "missing.txt"), 1),
        (("eval", tmp_path / "missing.jsonl"), 1),
        (("ingest", tmp_path / "missing.pdf", "--lab", "x"), 1),
        (("ingest", present, "--lab", "x", "--published", "June 2025"), 1),
        (("status", "--db", tmp_path / "none.duckdb"), 0),
    ):
        report = run_probe(*args)
        assert report["code"] == code, (args, report)
        assert report["heavy"] == [], (args, report["heavy"])
    missing = run_probe("diff", tmp_path / "missing.txt", present)
    assert "missing.txt: no such file" in missing["stderr"]


@pytest.mark.model
def test_warehouse_commands_load_nothing_heavy(demo_copy):
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        match_id = con.execute("SELECT match_id FROM candidate_matches ORDER BY score DESC LIMIT 1").fetchone()[0]
    for args in (
        ("status",),
        ("review", "list", "--limit", "5"),
        ("review", "confirm", match_id, "--reviewer", "ana"),
        ("score",),
        ("score", "--format", "md"),
        ("changes",),
    ):
        report = run_probe(*args, "--db", demo_copy)
        assert report["code"] == 0, (args, report)
        assert report["heavy"] == [], (args, report["heavy"])
    # the confirmation the probe made is in the warehouse (the command did its work)
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        decided = con.execute("SELECT decision FROM decisions WHERE match_id = ?", [match_id]).fetchone()
    assert decided == ("confirmed",)


@pytest.mark.model
def test_status_checks_models_only_when_asked(demo_db):
    db, _ = demo_db
    quick = run_probe("status", "--db", db, "--format", "json")
    assert "models" not in json.loads(quick["stdout"])
    checked = run_probe("status", "--db", db, "--models", "--format", "json")
    assert checked["code"] == 0, checked
    assert all(v == "ok" for v in json.loads(checked["stdout"])["models"].values())


@pytest.mark.model
def test_an_unchanged_rerun_loads_no_model_and_starts_no_parser(demo_copy):
    # the weekly re-run of a corpus that did not change: decided from sizes, times and hashes
    report = run_probe("run", "--no-prefect", "--db", demo_copy, "--format", "json")
    assert report["code"] == 0, report
    summary = json.loads(report["stdout"])
    assert summary["new_versions"] == 0 and summary["encoded"] == 0
    assert report["heavy"] == [], report["heavy"]
    assert report["children"] == 0  # no parser worker was started for nothing
