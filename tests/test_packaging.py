"""The wheel holds the five packages under `labwatch` with their data, and runs without the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_installs_the_layout_with_its_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    wheel = next(tmp_path.glob("labwatch-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "labwatch/flows/cli.py",
        "labwatch/flows/commands/review.py",
        "labwatch/dashboards/app.py",
        "labwatch/sample_corpus/labs.yaml",
        "labwatch/warehouse/migrations/0001_init.sql",
        "labwatch/corpus/sources/anthropic.yaml",
        "labwatch/extractors/matching/rubrics/risk-assessment.yaml",
        "labwatch/extractors/matching/rubrics/reference-vectors.npz",
        "labwatch/extractors/parsing/pdf.py",
    ):
        assert needed in names, needed
    assert not {n.split("/")[0] for n in names} - {
        "labwatch",
        wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info",
    }
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import labwatch.corpus.local as L, labwatch.extractors.matching.rubric as R, labwatch.warehouse.db as D;"
        "from importlib import resources;"
        "print(L.bundled_corpus()); print(R.RUBRIC_DIR); print(resources.files('labwatch.warehouse'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    for line in out:
        assert Path(line).resolve().is_relative_to(site.resolve()), line
        assert Path(line).exists(), line
