"""The corpus folder is a box: nothing whose real path lies outside it is read, and every entry
left out is named; two lab folders never merge into one lab."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labwatch.corpus.exceptions import CorpusError
from labwatch.corpus.local import discover_corpus, scan_corpus, unplaced_files

from .conftest import invoke_json

SECRET = "The vault combination is written here and must never reach the warehouse."


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (corpus / "acme").mkdir(parents=True)
    (corpus / "acme" / "policy.txt").write_text("We will evaluate every model before release.\n", encoding="utf-8")
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    return corpus, outside


def test_a_file_link_leading_outside_is_refused_and_named(tmp_path):
    corpus, outside = _corpus(tmp_path)
    (corpus / "acme" / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "acme" / "secret.txt").symlink_to(outside / "secret.txt")
    scan = scan_corpus(corpus)
    assert [d.path.name for d in scan.documents] == ["policy.txt"]
    refused = {r.path.name: r.reason for r in scan.refused}
    assert set(refused) == {"passwd.txt", "secret.txt"}
    assert "outside the corpus folder" in refused["passwd.txt"] and "/etc/passwd" in refused["passwd.txt"]
    assert [d.path.name for d in discover_corpus(corpus)] == ["policy.txt"]


def test_a_lab_folder_that_links_elsewhere_is_refused(tmp_path):
    corpus, outside = _corpus(tmp_path)
    (corpus / "evil-lab").symlink_to(outside, target_is_directory=True)
    scan = scan_corpus(corpus)
    assert {d.lab for d in scan.documents} == {"acme"}
    assert [r.path.name for r in scan.refused] == ["evil-lab"]


def test_a_version_file_and_a_flat_file_linking_outside_are_refused(tmp_path):
    corpus, outside = _corpus(tmp_path)
    (corpus / "acme" / "framework").mkdir()
    (corpus / "acme" / "framework" / "v1.txt").write_text("We will publish results.\n", encoding="utf-8")
    (corpus / "acme" / "framework" / "v2.txt").symlink_to(outside / "secret.txt")
    (corpus / "acme__leak.txt").symlink_to(outside / "secret.txt")
    scan = scan_corpus(corpus)
    assert sorted(d.path.name for d in scan.documents) == ["policy.txt", "v1.txt"]
    assert sorted(r.path.name for r in scan.refused) == ["acme__leak.txt", "v2.txt"]
    assert unplaced_files(corpus) == []


def test_a_sidecar_linking_outside_is_not_read(tmp_path):
    corpus, outside = _corpus(tmp_path)
    (outside / "meta.yaml").write_text(f"title: {SECRET}\n", encoding="utf-8")
    (corpus / "acme" / "policy.txt.meta.yaml").symlink_to(outside / "meta.yaml")
    scan = scan_corpus(corpus)
    assert scan.documents[0].title is None
    assert [r.path.name for r in scan.refused] == ["policy.txt.meta.yaml"]


def test_links_that_stay_inside_the_corpus_are_read(tmp_path):
    corpus, _ = _corpus(tmp_path)
    (corpus / "beta").symlink_to(corpus / "acme", target_is_directory=True)
    (corpus / "acme" / "again.txt").symlink_to(corpus / "acme" / "policy.txt")
    scan = scan_corpus(corpus)
    assert scan.refused == []
    assert sorted((d.lab, d.path.name) for d in scan.documents) == [
        ("acme", "again.txt"),
        ("acme", "policy.txt"),
        ("beta", "again.txt"),
        ("beta", "policy.txt"),
    ]


def test_a_corpus_reached_through_a_link_is_still_its_own_box(tmp_path):
    corpus, outside = _corpus(tmp_path)
    (corpus / "acme" / "secret.txt").symlink_to(outside / "secret.txt")
    (tmp_path / "via-link").symlink_to(corpus, target_is_directory=True)
    scan = scan_corpus(tmp_path / "via-link")
    assert [d.path.name for d in scan.documents] == ["policy.txt"]
    assert [r.path.name for r in scan.refused] == ["secret.txt"]


def test_a_broken_link_is_named(tmp_path):
    corpus, _ = _corpus(tmp_path)
    (corpus / "acme" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    assert "leads nowhere" in scan_corpus(corpus).refused[0].reason


@pytest.mark.parametrize("names", [("Ελληνικά", "日本語"), ("Acme AI", "acme-ai"), ("Acme.", "acme")])
def test_two_lab_folders_with_one_id_are_an_error_naming_both(tmp_path, names):
    for i, name in enumerate(names):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"doc{i}.txt").write_text("We will test.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="both become lab id") as err:
        discover_corpus(tmp_path)
    assert all(os.fspath(tmp_path / n) in str(err.value) for n in names)


@pytest.mark.model
@pytest.mark.slow
def test_a_run_records_the_refused_link_as_a_warning_and_stores_nothing_from_outside(tmp_path):
    from labwatch.warehouse.db import Warehouse

    corpus, outside = _corpus(tmp_path)
    (corpus / "acme" / "secret.txt").symlink_to(outside / "secret.txt")
    db = tmp_path / "w.duckdb"
    summary = invoke_json("run", "--corpus", corpus, "--db", db)
    assert summary["new_versions"] == 1 and summary["warnings"] == 1 and summary["failed"] == 0
    (warning,) = summary["failures"]
    assert warning["severity"] == "warning" and "secret.txt" in warning["reason"]
    with Warehouse(db).read() as con:
        assert con.execute("SELECT count(*) FROM statements WHERE text LIKE '%vault%'").fetchone()[0] == 0
        assert con.execute("SELECT severity, stage FROM failures").fetchall() == [("warning", "corpus")]
