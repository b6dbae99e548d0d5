"""The derivation pipeline: extraction runs ahead in the worker, results equal batch by batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from labwatch.corpus.local import discover_corpus
from labwatch.flows.pipeline import Deriver, batches, pending_corpus_items
from labwatch.warehouse.db import Warehouse

DOCS = {
    "alder-ai/safety-policy.txt": (
        "# Safety policy\n\n## Evaluations\n\nWe will evaluate every frontier model for cyber capabilities "
        "before deployment. We aim to publish a summary within 30 days.\n\n## Governance\n\n"
        "The board must approve any change to this policy.\n"
    ),
    "alder-ai/notes.txt": "# Notes\n\nAttackers could misuse open models. Peers should share results.\n",
    "birch-labs/framework.txt": (
        "# Framework\n\nWe commit to re-testing models after every 4x increase in effective compute. "
        "External experts may receive early access for red-teaming.\n"
    ),
    "birch-labs/broken.pdf": "%PDF-1.7 this is not really a PDF at all",
    "cedar-intelligence/policy.html": (
        "<html><head><title>Policy</title></head><body><main><h1>Policy</h1><h2>Thresholds</h2>"
        "<p>If a model crosses a critical threshold, we will pause training until safeguards are in place.</p>"
        "<p>Staff can report concerns anonymously to the ethics office.</p></main></body></html>"
    ),
}


def _corpus(root: Path) -> Path:
    for rel, text in DOCS.items():
        path = root / "corpus" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "corpus"


def _digest(result):
    return (
        [
            (
                r.lab,
                r.document_id,
                [p.text for p in r.passages],
                [f.is_commitment for f in r.features],
                [sorted((s.criterion_id, round(s.score, 5)) for s in ss) for ss in r.suggestions],
            )
            for r in result.records
        ],
        [(f.stage, f.source) for f in result.failures],
    )


@pytest.mark.model
def test_pipelined_derivation_equals_batch_by_batch(tmp_path):
    corpus = _corpus(tmp_path)
    items, _ = pending_corpus_items(Warehouse(tmp_path / "w.duckdb"), discover_corpus(corpus), "sig")
    groups = batches(items, 2)
    assert len(groups) == 3
    deriver = Deriver(None)
    try:
        ahead = [_digest(r) for r in deriver.derive_many(groups)]
        one_by_one = [_digest(deriver.derive_batch(g)) for g in groups]
    finally:
        deriver.close()
    assert ahead == one_by_one
    records = [rec for recs, _ in ahead for rec in recs]
    failures = [f for _, fs in ahead for f in fs]
    assert {r[1] for r in records} == {"safety-policy", "notes", "framework", "policy"}
    assert failures == [("parse", str(corpus / "birch-labs" / "broken.pdf"))]
    assert any(any(r[3]) for r in records) and any(any(ss) for r in records for ss in r[4])


@pytest.mark.model
@pytest.mark.slow
def test_spacy_loads_in_the_worker_not_in_the_run_process(tmp_path):
    """Segmentation and feature detection run in the parser worker, so that the run process
    spends its start-up loading the embedding model while the worker loads spaCy."""
    corpus = _corpus(tmp_path)
    code = (
        "import json, sys\nfrom pathlib import Path\n"
        "from labwatch.flows.run import run_corpus\nfrom labwatch.warehouse.db import Warehouse\n"
        "if __name__ == '__main__':\n"
        "    s = run_corpus(Path(sys.argv[1]), Warehouse(Path(sys.argv[2])))\n"
        "    print(json.dumps({'passages': s.passages, 'spacy': 'spacy' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(corpus), str(tmp_path / "w.duckdb")],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", **_env(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["passages"] >= 8
    assert result["spacy"] is False


def _env(tmp_path):
    import os

    return {**os.environ, "LABWATCH_HOME": str(tmp_path / "home")}


@pytest.mark.model
def test_a_deriver_started_before_its_warehouse_exists_reads_the_vectors_stored_later(tmp_path):
    # a run on a fresh warehouse starts the parser and the model before it creates the file;
    # vectors its batches store must still be found by the later batches (never re-encoded)
    import numpy as np

    from labwatch.extractors.records import text_hash
    from labwatch.warehouse import store

    wh = Warehouse(tmp_path / "fresh.duckdb")
    deriver = Deriver(wh)
    try:
        deriver.start()
        assert not wh.exists
        text = "We will evaluate every frontier model before deployment."
        vector = deriver.embedder.inner.encode([text])[0]
        with wh.write() as con:
            store.store_embeddings(con, deriver.embedder.model_id, [text_hash(text)], vector[None, :])
        deriver.warm()  # waits for the background load
        deriver.embedder.prefetch([text])
        before = deriver.embedder.misses
        again = deriver.embedder.encode([text])[0]
        assert deriver.embedder.misses == before  # found in the warehouse, not run through the model
        assert np.array_equal(again, vector)
    finally:
        deriver.close()


@pytest.mark.model
def test_reference_vectors_not_shipped_come_from_the_warehouse_after_the_first_run(tmp_path):
    """Every run (and every crawl) matches against the rubric's reference texts. The bundled
    rubric's vectors ship with the package; those of an edited or custom rubric are stored in
    the warehouse by the first run and loaded, not encoded again, by the next process."""
    import yaml

    from labwatch.extractors.matching.rubric import RUBRIC_DIR
    from labwatch.flows.run import run_corpus

    data = yaml.safe_load((RUBRIC_DIR / "risk-assessment.yaml").read_text(encoding="utf-8"))
    data["background"].append("Our team wrote this background sentence for the test.")
    custom = tmp_path / "custom-rubric.yaml"
    custom.write_text(yaml.safe_dump(data), encoding="utf-8")
    wh = Warehouse(tmp_path / "w.duckdb")
    run_corpus(_corpus(tmp_path), wh, rubric_name=str(custom))
    deriver = Deriver(wh, rubric_name=str(custom))
    try:
        deriver.warm()
        assert (deriver.embedder.misses, deriver.embedder.hits) == (0, 1)
    finally:
        deriver.close()


def test_every_extraction_step_is_in_the_signature_a_rerun_compares():
    """A re-run re-derives stored documents when the signature differs (tests/flows/test_feeds.py);
    so each step whose output can change must be in it."""
    from labwatch.extractors import versions
    from labwatch.flows.models import versions as current

    signature = current().signature
    for step in (versions.PARSER_VERSION, versions.SEGMENTER_VERSION, versions.FEATURES_VERSION):
        assert step in signature


def _sized_items(sizes):
    from labwatch.flows.pipeline import Item

    return [Item(lab="l", document_id=f"d{i}", data=b"x" * n, source=f"s{i}") for i, n in enumerate(sizes)]


def test_batches_grow_from_one_document_so_encoding_starts_early():
    items = _sized_items([10] * 40)
    groups = batches(items, 8, first=1)
    assert [len(g) for g in groups] == [1, 2, 4, 8, 8, 8, 8, 1]
    assert [it for g in groups for it in g] == items  # order kept, nothing lost or repeated
    assert [len(g) for g in batches(items, 8)] == [8] * 5  # without `first`: full batches


def test_batches_keep_the_byte_limit_while_growing():
    items = _sized_items([600, 600, 600, 600, 600, 600])
    groups = batches(items, 64, max_bytes=1000, first=4)
    assert [len(g) for g in groups] == [1] * 6


def test_reading_reviews_for_a_new_deriver_waits_while_the_runs_writer_holds_the_file(tmp_path):
    # a Prefect task makes its Deriver mid-run, while the writer thread may be storing: DuckDB
    # refuses a read-only connection beside an open writing one in the same process, so the
    # read must take its turn (it used to fail the run, now and then, under load)
    import threading

    from labwatch.flows.pipeline import db_lock, learned_examples

    wh = Warehouse(tmp_path / "w.duckdb")
    wh.ensure()
    holding, release = threading.Event(), threading.Event()

    def writer():
        with db_lock(wh), wh.write():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()
    assert learned_examples(Warehouse(wh.path), "minilm-onnx") == []  # waited, then read
    thread.join(10)
