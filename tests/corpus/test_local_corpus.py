"""The local corpus layout read by `labwatch run`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from labwatch.corpus.exceptions import CorpusError
from labwatch.corpus.local import bundled_corpus, discover_corpus, unplaced_files


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
    write(
        folder / "versions.yaml",
        "versions:\n  - {file: a.txt, published: 2025-05-01}\n  - {file: b.txt, published: 2024-01-02, title: First}\n",
    )
    docs = discover_corpus(tmp_path)
    assert [(d.path.name, d.published) for d in docs] == [("b.txt", date(2024, 1, 2)), ("a.txt", date(2025, 5, 1))]
    assert docs[0].title == "First"


def test_sidecar_metadata(tmp_path):
    write(tmp_path / "lab" / "p.html")
    write(tmp_path / "lab" / "p.html.meta.yaml", "published: 2025-02-03\ntitle: Policy\nurl: https://example.org/p\n")
    (d,) = discover_corpus(tmp_path)
    assert (d.published, d.title, d.url) == (date(2025, 2, 3), "Policy", "https://example.org/p")


@pytest.mark.parametrize(
    "content, message",
    [
        ("versions:\n  - {file: missing.txt}\n", "missing.txt"),
        ("versions:\n  - {file: a.txt, published: 'soon'}\n", "not a date"),
        ("versions: [unclosed\n", "not readable YAML"),
    ],
)
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


def test_flat_files_named_lab__document_are_documents(tmp_path):
    write(tmp_path / "Acme AI__Frontier Safety Policy.pdf")
    write(tmp_path / "acme__scaling-policy__v1.0.txt")
    write(tmp_path / "labs.yaml", "labs:\n  - {lab: acme, name: Acme Research}\n")
    docs = discover_corpus(tmp_path)
    assert [(d.lab, d.document_id, d.order, d.path.name) for d in docs] == [
        ("acme-ai", "frontier-safety-policy", 0, "Acme AI__Frontier Safety Policy.pdf"),
        ("acme", "scaling-policy", 0, "acme__scaling-policy__v1.0.txt"),
    ]
    assert [d.lab_name for d in docs] == [None, "Acme Research"]


def test_flat_versions_are_ordered_by_version_number(tmp_path):
    for version in ("v10", "v2", "v9"):
        write(tmp_path / f"acme__policy__{version}.txt")
    write(tmp_path / "acme__other.md")
    docs = discover_corpus(tmp_path)
    assert [(d.document_id, d.order, d.path.name) for d in docs] == [
        ("other", 0, "acme__other.md"),
        ("policy", 0, "acme__policy__v2.txt"),
        ("policy", 1, "acme__policy__v9.txt"),
        ("policy", 2, "acme__policy__v10.txt"),
    ]


def test_flat_versions_prefer_sidecar_published_dates(tmp_path):
    write(tmp_path / "acme__policy__a.txt")
    write(tmp_path / "acme__policy__a.txt.meta.yaml", "published: 2025-06-01\ntitle: Second\n")
    write(tmp_path / "acme__policy__b.html")
    write(tmp_path / "acme__policy__b.html.meta.yaml", "published: 2024-03-04\nurl: https://example.org/b\n")
    docs = discover_corpus(tmp_path)
    assert [(d.path.name, d.order, d.published) for d in docs] == [
        ("acme__policy__b.html", 0, date(2024, 3, 4)),
        ("acme__policy__a.txt", 1, date(2025, 6, 1)),
    ]
    assert (docs[0].url, docs[1].title) == ("https://example.org/b", "Second")


def test_flat_files_mix_with_lab_folders(tmp_path):
    write(tmp_path / "acme" / "charter.txt")
    write(tmp_path / "acme__policy__2025-02.pdf")
    write(tmp_path / "beta__charter.txt")
    docs = discover_corpus(tmp_path)
    assert {(d.lab, d.document_id) for d in docs} == {("acme", "charter"), ("acme", "policy"), ("beta", "charter")}


def test_flat_file_duplicating_a_lab_folder_document_is_an_error_naming_both(tmp_path):
    placed = write(tmp_path / "Acme" / "policy" / "v1.txt")
    flat = write(tmp_path / "acme__policy__v2.txt")
    with pytest.raises(CorpusError, match="both") as err:
        discover_corpus(tmp_path)
    assert str(placed) in str(err.value) and str(flat) in str(err.value)


def test_unplaced_files_lists_strays_but_not_corpus_bookkeeping(tmp_path):
    write(tmp_path / "notes.txt")
    write(tmp_path / "acme__policy.txt")
    write(tmp_path / "acme__policy.txt.meta.yaml", "title: Policy\n")
    write(tmp_path / "README.md")
    write(tmp_path / "labs.yaml", "labs: []\n")
    write(tmp_path / ".hidden.txt")
    write(tmp_path / "acme" / "charter.txt")
    assert unplaced_files(tmp_path) == [tmp_path / "notes.txt"]
    assert [d.path.name for d in discover_corpus(tmp_path)] == ["charter.txt", "acme__policy.txt"]


@pytest.mark.parametrize("name", ["acme_policy.txt", "acme__policy__v1__extra.pdf", "__policy.html"])
def test_names_not_following_the_flat_pattern_are_unplaced(tmp_path, name):
    write(tmp_path / name)
    assert discover_corpus(tmp_path) == []
    assert unplaced_files(tmp_path) == [tmp_path / name]


def test_data_files_beside_the_labs_are_neither_documents_nor_reported(tmp_path):
    for name in ("gold.jsonl", "EXPECTED.yaml", "acme__policy", "scores.csv"):
        write(tmp_path / name)
    assert discover_corpus(tmp_path) == []
    assert unplaced_files(tmp_path) == []
    assert unplaced_files(bundled_corpus()) == []


def test_folder_without_documents_is_an_empty_corpus(tmp_path):
    write(tmp_path / "README.md")
    write(tmp_path / "notes.txt")
    (tmp_path / "empty-lab").mkdir()
    assert discover_corpus(tmp_path) == []
    assert unplaced_files(tmp_path) == [tmp_path / "notes.txt"]


def test_labs_yaml_names_a_lab_however_its_id_is_spelled(tmp_path):
    write(tmp_path / "labs.yaml", "labs:\n  - lab: Acme AI\n    name: Acme AI, Inc.\n")
    write(tmp_path / "acme-ai" / "policy.txt")
    write(tmp_path / "Acme AI__charter.txt")
    docs = discover_corpus(tmp_path)
    assert {(d.lab, d.lab_name) for d in docs} == {("acme-ai", "Acme AI, Inc.")}


@pytest.mark.parametrize(
    "files",
    [
        ("acme/policy.txt", "acme/policy.pdf"),
        ("acme/policy.txt", "acme/policy/v1.txt"),
    ],
)
def test_two_sources_for_one_document_are_refused_naming_both(tmp_path, files):
    for rel in files:
        write(tmp_path / rel)
    with pytest.raises(CorpusError, match="both document") as err:
        discover_corpus(tmp_path)
    message = str(err.value)
    assert all(Path(rel).parts[-1] in message or str(Path(rel).parent) in message for rel in files)


def test_versions_in_one_folder_are_one_document_not_a_conflict(tmp_path):
    for rel in ("acme/policy/v1.txt", "acme/policy/v2.txt", "acme/charter.txt"):
        write(tmp_path / rel)
    assert [(d.document_id, d.order) for d in discover_corpus(tmp_path)] == [
        ("charter", 0),
        ("policy", 0),
        ("policy", 1),
    ]
