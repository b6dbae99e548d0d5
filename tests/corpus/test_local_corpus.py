"""The local corpus layout read by `labwatch run`."""

from __future__ import annotations

from datetime import date

import pytest

from labwatch.corpus.exceptions import CorpusError
from labwatch.corpus.local import bundled_corpus, discover_corpus


def write(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_are_documents_and_folders_are_versions(tmp_path):
    write(tmp_path / "Acme AI" / "safety-policy.txt")
    write(tmp_path / "acme-ai-2" / "frame" / "v10.txt")
    write(tmp_path / "acme-ai-2" / "frame" / "v2.txt")
    write(tmp_path / "acme-ai-2" / "frame" / "v9.txt")
    docs = discover_corpus(tmp_path)
    assert [(d.lab, d.document_id, d.path.name) for d in docs] == [
        ("acme-ai", "safety-policy", "safety-policy.txt"),
        ("acme-ai-2", "frame", "v2.txt"),  # numbers compared as numbers
        ("acme-ai-2", "frame", "v9.txt"),
        ("acme-ai-2", "frame", "v10.txt"),
    ]


def test_versions_yaml_orders_by_published_date(tmp_path):
    folder = tmp_path / "lab" / "policy"
    write(folder / "a.txt")
    write(folder / "b.txt")
    write(folder / "versions.yaml", "versions:\n  - {file: a.txt, published: 2025-05-01}\n  - {file: b.txt, published: 2024-01-02, title: First}\n")
    docs = discover_corpus(tmp_path)
    assert [(d.path.name, d.published) for d in docs] == [("b.txt", date(2024, 1, 2)), ("a.txt", date(2025, 5, 1))]
    assert docs[0].title == "First"


def test_sidecar_metadata(tmp_path):
    write(tmp_path / "lab" / "p.html")
    write(tmp_path / "lab" / "p.html.meta.yaml", "published: 2025-02-03\ntitle: Policy\nurl: https://example.org/p\n")
    (d,) = discover_corpus(tmp_path)
    assert (d.published, d.title, d.url) == (date(2025, 2, 3), "Policy", "https://example.org/p")


@pytest.mark.parametrize("content, message", [
    ("versions:\n  - {file: missing.txt}\n", "missing.txt"),
    ("versions:\n  - {file: a.txt, published: 'soon'}\n", "not a date"),
    ("versions: [unclosed\n", "not readable YAML"),
])
def test_bad_versions_file_names_the_file_and_problem(tmp_path, content, message):
    folder = tmp_path / "lab" / "policy"
    write(folder / "a.txt")
    write(folder / "versions.yaml", content)
    with pytest.raises(CorpusError, match=message) as err:
        discover_corpus(tmp_path)
    assert "versions.yaml" in str(err.value)


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        discover_corpus(tmp_path / "nope")


def test_bundled_corpus_has_four_labs_and_a_versioned_document():
    docs = discover_corpus(bundled_corpus())
    labs = {d.lab for d in docs}
    assert len(labs) >= 4
    formats = {d.path.suffix for d in docs}
    assert {".pdf", ".html"} <= formats and formats & {".txt", ".md"}
    per_doc = {}
    for d in docs:
        per_doc.setdefault((d.lab, d.document_id), []).append(d)
    versioned = [v for v in per_doc.values() if len(v) >= 2]
    assert versioned and all(v[0].published < v[1].published for v in versioned)
