"""Fixtures for the robustness tests: the CLI in-process, and a corpus of hostile files."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from . import hostile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[2]
# Limits for the hostile run: tight enough that a bomb fails fast, loose enough for a 5 MB file
# on a loaded 2-core machine.
HOSTILE_MEMORY_MB = "768"
HOSTILE_TIMEOUT = "30"


def invoke(*args):
    """Run the CLI in-process (models stay loaded across calls); returns the click Result."""
    from labwatch.flows.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def invoke_json(*args, expect_exit: int | None = 0) -> dict:
    result = invoke(*args, "--format", "json")
    if expect_exit is not None and result.exit_code != expect_exit:
        raise AssertionError(
            f"labwatch {' '.join(map(str, args))} exited {result.exit_code}, "
            f"not {expect_exit}:\n{result.stdout}\n{result.stderr}"
        )
    return {"exit_code": result.exit_code, **json.loads(result.stdout)}


def cli_command(*args) -> list[str]:
    """The CLI as a real process (what a user or a scheduler runs)."""
    return [sys.executable, "-m", "labwatch.flows.cli", *map(str, args)]


def subprocess_env(**extra: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), **extra}
    return env


# Files of the hostile corpus: name -> (bytes builder, expected outcome).
# "version": parsed by sniffing the bytes; "failure": a named, recorded failure whose reason
# contains one of the words; "either": a version or a named failure, within the time limit.
GOOD = {
    "commitments.txt": lambda: hostile.good_text("Frontier Safety Commitments", seed=1),
    "evaluation-policy.pdf": lambda: hostile.good_pdf(hostile.SENTENCES[2:8]),
}
HOSTILE = {
    "empty-file.pdf": (lambda: b"", "failure", ("empty",)),
    "random-bytes.pdf": (hostile.random_bytes, "failure", ("binary data", "no %pdf-")),
    "truncated.pdf": (hostile.truncated_pdf, "failure", ("truncated",)),
    "encrypted.pdf": (hostile.encrypted_pdf, "failure", ("encrypted", "password")),
    "html-named.pdf": (lambda: hostile.html_page("Deployment Safeguards", hostile.SENTENCES[4:9]), "version", ()),
    "pdf-named.html": (lambda: hostile.good_pdf(hostile.SENTENCES[0:4]), "version", ()),
    "deep-nesting.html": (hostile.nested_html, "either", ("nested", "no text", "took longer", "died")),
    "latin1-page.html": (hostile.latin1_html, "version", ()),
    "binary-junk.txt": (hostile.binary_blob, "failure", ("binary",)),
    "big-text.txt": (lambda: hostile.big_text(2.0), "version", ()),
    "flate-bomb.pdf": (None, "failure", ("memory", "took longer", "died")),
    "scripted.html": (hostile.scripted_html, "version", ()),
}


@pytest.fixture(scope="session")
def bomb_pdf(tmp_path_factory) -> Path:
    """A 4 MB PDF whose page content inflates to 4 GB of zeros."""
    return hostile.write_pdf_bomb(tmp_path_factory.mktemp("bomb") / "flate-bomb.pdf", inflated_gb=4.0)


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory, bomb_pdf) -> Path:
    """corpus/good-lab/<2 good documents>, corpus/hostile-lab/<one of each hostile file>."""
    root = tmp_path_factory.mktemp("hostile") / "corpus"
    (root / "good-lab").mkdir(parents=True)
    (root / "hostile-lab").mkdir()
    for name, build in GOOD.items():
        (root / "good-lab" / name).write_bytes(build())
    for name, (build, _, _) in HOSTILE.items():
        target = root / "hostile-lab" / name
        if build is None:
            target.write_bytes(bomb_pdf.read_bytes())
        else:
            target.write_bytes(build())
    return root


@pytest.fixture(scope="session")
def hostile_run(hostile_corpus, tmp_path_factory):
    """One `labwatch run` over the hostile corpus, with tight parse limits; (db, summary, seconds)."""
    db = tmp_path_factory.mktemp("hostile-db") / "hostile.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABWATCH_PARSE_MEMORY_MB", HOSTILE_MEMORY_MB)
        mp.setenv("LABWATCH_PARSE_TIMEOUT", HOSTILE_TIMEOUT)
        t0 = time.perf_counter()
        summary = invoke_json("run", "--no-prefect", "--corpus", hostile_corpus, "--db", db, expect_exit=None)
        seconds = time.perf_counter() - t0
    return db, summary, seconds


def version_record(lab: str, doc: str, texts: list[str], title: str | None = None):
    """A derived version of ``lab/doc`` with one firm passage per text, each suggested for
    measuring.key_domains: what a run stores, without loading a model."""
    from labwatch.extractors.records import Features, Passage, Suggestion
    from labwatch.warehouse import store

    passages = [
        Passage(seq=i, text=t, page=1, section=("Commitments",), start=0, end=len(t)) for i, t in enumerate(texts)
    ]
    feats = [Features(True, "firm", "commitment", modality="will", why="firm modal") for _ in texts]
    suggs = [[Suggestion("measuring.key_domains", 0.8, 1, True, "test")] for _ in texts]
    return store.VersionRecord(
        lab=lab,
        document_id=doc,
        snapshot_sha="0" * 64,
        text="\n\n".join(texts),
        format="text",
        parser="test",
        extractor_version="test",
        passages=passages,
        features=feats,
        suggestions=suggs,
        title=title,
    )


def seeded_warehouse(path: Path, lab: str = "aurora-labs", texts: tuple[str, ...] = ()):
    """A real warehouse file holding one version of ``lab``/policy, with the bundled rubric."""
    from labwatch.extractors.matching.rubric import load_rubric
    from labwatch.warehouse import store
    from labwatch.warehouse.db import Warehouse

    wh = Warehouse(path)
    texts = texts or ("We will evaluate every frontier model for dangerous capabilities before release.",)
    with wh.write() as con:
        store.store_rubric(con, load_rubric().to_rows())
        store.store_version(con, version_record(lab, "policy", list(texts), title="Policy"))
    return wh


SECRET = "Wq7-lake-Pw"  # the catalog's password: what must never be printed or stored


@pytest.fixture(scope="session")
def pg_with_password():
    """A real PostgreSQL on loopback whose user ``lab`` must give the password ``SECRET``."""
    from tests.warehouse.postgres_server import Unavailable, postgres

    try:
        with postgres(password=SECRET) as server:
            yield server
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture()
def seeded_lake(pg_with_password, tmp_path, monkeypatch) -> str:
    """A DuckLake warehouse holding one seeded version (``seeded_warehouse``), its data under
    ``tmp_path/parquet``; its address carries the password."""
    monkeypatch.setenv("PGPASSWORD", SECRET)  # createdb; taken away again below
    conninfo = pg_with_password.new_database()
    monkeypatch.delenv("PGPASSWORD")
    url = f"ducklake:postgres:{conninfo} password={SECRET} data_path={tmp_path / 'parquet'} home={tmp_path / 'home'}"
    seeded_warehouse(url)
    return url
