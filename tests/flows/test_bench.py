"""`labwatch bench` helpers: the corpus built from policy texts, recorded figures, regressions.

(Speed itself is measured by `labwatch bench`, never by a timed test.)
"""

from __future__ import annotations

import json

from labwatch.corpus.local import discover_corpus
from labwatch.extractors.parsing.formats import parse_document
from labwatch.flows import benchrecord
from labwatch.flows.benchcorpus import real_corpus

POLICY = """## Keel Robotics frontier policy

Keel Robotics will evaluate every new model for cyber offence before any external release.

[[page 2]]

## Governance

The board must approve changes to this policy, and the following steps apply:

- The safety lead drafts the change and its rationale.
- An outside reviewer comments within 30 days.
"""


def _texts(tmp_path):
    src = tmp_path / "texts"
    src.mkdir()
    (src / "keel__frontier-policy__v1.txt").write_text(POLICY, encoding="utf-8")
    (src / "keel_frontier-policy_draft-2025-03-01_2025-03-01.txt").write_text(
        POLICY.replace("30 days", "60 days"), encoding="utf-8"
    )
    (src / "keel_frontier-policy_2025-06-01_2025-06-01.txt").write_text(
        POLICY.replace("must approve", "approves"), encoding="utf-8"
    )
    return src


def test_real_corpus_renders_every_second_text_as_a_pdf_with_its_words(tmp_path):
    made = real_corpus(tmp_path / "corpus", [_texts(tmp_path)])
    assert made["documents"] == 3 and made["pdfs"] == 1 and made["pdf_pages"] >= 2  # [[page 2]] starts a page
    pdf = next((tmp_path / "corpus").glob("*.pdf"))
    text = " ".join(parse_document(pdf.read_bytes(), source=str(pdf)).text.split())
    assert "will evaluate every new model for cyber offence" in text
    assert "An outside reviewer comments within" in text


def test_real_corpus_names_revisions_as_dated_versions_of_one_document(tmp_path):
    real_corpus(tmp_path / "corpus", [_texts(tmp_path)])
    docs = discover_corpus(tmp_path / "corpus")
    by_doc = {}
    for d in docs:
        by_doc.setdefault((d.lab, d.document_id), []).append(d.path.name)
    assert by_doc[("keel", "frontier-policy")][:2] == [
        "keel__frontier-policy__2025-03-01-draft-2025-03-01.txt",
        "keel__frontier-policy__2025-06-01.pdf",
    ]


def _result(**figures):
    base = {
        "machine": "test-machine",
        "corpus_kind": "synthetic 4 docs x 10 sentences",
        "model": "minilm-onnx",
        "prefect": "default",
        "date": "2026-12-01",
        "cold_run_s": 10.0,
        "ratio_cold_to_torch_encode_only": 0.6,
        "pdf_pages_per_s": 400.0,
        "short_commands_s": {"status": 0.5},
    }
    return {**base, **figures}


def test_a_figure_worse_by_more_than_a_fifth_is_called_out():
    record = _result()
    assert benchrecord.regressions(_result(cold_run_s=11.5), record) == []  # within 20%
    slower = benchrecord.regressions(_result(cold_run_s=12.5), record)
    assert len(slower) == 1 and slower[0].startswith("cold_run_s: 12.5 vs 10") and "+25%" in slower[0]
    assert benchrecord.regressions(_result(cold_run_s=5.0), record) == []  # faster is no regression
    fewer_pages = benchrecord.regressions(_result(pdf_pages_per_s=300.0), record)
    assert len(fewer_pages) == 1 and fewer_pages[0].startswith("pdf_pages_per_s")
    short = benchrecord.regressions(_result(short_commands_s={"status": 0.9}), record)
    assert len(short) == 1 and "'status'" in short[0]
    assert benchrecord.regressions(_result(cold_run_s=99.0), None) == []  # nothing recorded yet


def test_records_keep_the_latest_per_machine_and_scenario(tmp_path):
    path = tmp_path / "benchmarks.json"
    benchrecord.save_record(path, _result(cold_run_s=10.0))
    benchrecord.save_record(path, _result(machine="other-machine", cold_run_s=30.0))
    benchrecord.save_record(path, _result(cold_run_s=9.0))
    benchrecord.save_record(path, _result(model="minilm", cold_run_s=20.0))
    records = json.loads(path.read_text())
    assert set(records) == {"test-machine", "other-machine"}
    assert len(records["test-machine"]) == 2  # one entry per scenario (here: per encoder)
    assert benchrecord.recorded(records, _result())["cold_run_s"] == 9.0
    assert benchrecord.recorded(records, _result(machine="other-machine"))["cold_run_s"] == 30.0
    assert benchrecord.recorded(records, _result(machine="new-machine")) is None
