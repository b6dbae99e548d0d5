"""The text stage's work is bounded and what it could not do is named: caps on passages and
sentence length, content that is not what its name says, a document without passages."""

from __future__ import annotations

import pytest

from labwatch.extractors.statements.extraction import extract_document
from labwatch.flows.isolation import ParserPool

from . import hostile
from .conftest import invoke_json


@pytest.fixture(scope="module")
def pool():
    with ParserPool(timeout=60, memory_mb=1024) as p:
        yield p


def _sentences(n: int) -> bytes:
    return " ".join(f"We will test model number {i} before it is released." for i in range(n)).encode()


def test_passages_beyond_the_cap_are_dropped_and_named():
    ex = extract_document(_sentences(300), source="many.txt", max_passages=100)
    assert len(ex.passages) == len(ex.features) == 100
    assert ex.passages[-1].text.startswith("We will test model number 99 ")
    (warning,) = ex.warnings
    assert "many.txt" in warning and "300 passages" in warning and "100" in warning


def test_a_megabyte_sentence_is_cut_and_named(pool):
    """One 1 MB "sentence" (no full stop): through the worker, as a run reads it."""
    data = ("we will " + "evaluate and " * 80_000 + "publish").encode()
    ex = pool.extract(data, source="run-on.txt")
    assert ex.passages and max(len(p.text) for p in ex.passages) <= 2_000
    assert all(data.decode()[p.start : p.end] == p.text for p in ex.passages)  # offsets stay true
    assert any("longer than 2,000 characters" in w for w in ex.warnings)


def test_the_caps_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LABWATCH_MAX_PASSAGES", "7")
    with ParserPool(timeout=60, memory_mb=1024) as own:
        ex = own.extract(_sentences(20), source="env.txt")
    assert len(ex.passages) == 7 and "more than the 7 read" in ex.warnings[0]


@pytest.mark.parametrize(
    ("name", "build", "says"),
    [
        ("html-named.pdf", lambda: hostile.html_page("Safeguards", hostile.SENTENCES[4:9]), "content is HTML, not PDF"),
        ("pdf-named.html", lambda: hostile.good_pdf(hostile.SENTENCES[0:4]), "content is PDF, not HTML"),
        ("page-named.txt", lambda: hostile.html_page("Safeguards", hostile.SENTENCES[4:9]), "HTML, not plain text"),
    ],
)
def test_content_that_is_not_its_extension_is_read_by_content_and_named(pool, name, build, says):
    ex = pool.extract(build(), source=f"corpus/lab/{name}")
    assert ex.passages  # parsed by what the bytes are
    assert [w for w in ex.warnings if says in w and name in w]


def test_a_matching_extension_gives_no_warning(pool):
    assert pool.extract(hostile.good_pdf(hostile.SENTENCES[0:4]), source="policy.pdf").warnings == ()
    assert pool.extract(b"We will publish results.", source="https://x.example/policy.txt?v=2").warnings == ()


def test_a_pdf_without_passages_is_named_with_its_page_count(pool):
    ex = pool.extract(hostile.good_pdf(["* * *"]), source="cover.pdf")  # text, but no sentence
    assert ex.passages == []
    (warning,) = ex.warnings
    assert "cover.pdf" in warning and "no passages" in warning and "1 page" in warning


@pytest.mark.model
@pytest.mark.slow
def test_a_version_without_passages_does_not_replace_one_with_text(tmp_path):
    from labwatch.warehouse.db import Warehouse

    db = tmp_path / "w.duckdb"
    first = tmp_path / "v1.txt"
    first.write_text("We will evaluate every frontier model before release.\n", encoding="utf-8")
    second = tmp_path / "v2.txt"
    second.write_text("* * *\n", encoding="utf-8")
    common = ("--lab", "acme", "--document", "policy", "--db", db)
    assert invoke_json("ingest", first, *common)["new_versions"] == 1
    out = invoke_json("ingest", second, *common)
    assert out["new_versions"] == 0 and out["failed"] == 0 and out["warnings"] == 1 and out["unchanged"] == 1
    assert out["failures"][0]["severity"] == "warning" and "no passages" in out["failures"][0]["reason"]
    with Warehouse(db).read() as con:
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM passages").fetchone()[0] == 1
        assert con.execute("SELECT severity FROM failures").fetchall() == [("warning",)]


@pytest.mark.model
@pytest.mark.slow
def test_a_first_version_without_passages_is_stored_and_named(tmp_path):
    """With nothing to replace (a change-log page of headings, a cover sheet) it is kept as a
    version, so its text still counts, and named."""
    from labwatch.warehouse.db import Warehouse

    only = tmp_path / "cover.txt"
    only.write_text("* * *\n", encoding="utf-8")
    out = invoke_json("ingest", only, "--lab", "acme", "--document", "cover", "--db", tmp_path / "w.duckdb")
    assert out["new_versions"] == 1 and out["warnings"] == 1
    with Warehouse(tmp_path / "w.duckdb").read() as con:
        assert con.execute("SELECT n_passages FROM versions").fetchall() == [(0,)]


@pytest.mark.model
@pytest.mark.slow
def test_diff_reads_its_files_in_the_limited_worker(tmp_path, bomb_pdf, monkeypatch):
    """`labwatch diff` of a decompression bomb ends at the worker's memory or time limit, on one
    line, instead of inflating gigabytes in the command's own process."""
    from .conftest import HOSTILE_MEMORY_MB, HOSTILE_TIMEOUT, invoke

    monkeypatch.setenv("LABWATCH_PARSE_MEMORY_MB", HOSTILE_MEMORY_MB)
    monkeypatch.setenv("LABWATCH_PARSE_TIMEOUT", HOSTILE_TIMEOUT)
    other = tmp_path / "other.txt"
    other.write_text("We will evaluate every model.\n", encoding="utf-8")
    result = invoke("diff", bomb_pdf, other)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{HOSTILE_MEMORY_MB} MB" in result.stderr or f"longer than {HOSTILE_TIMEOUT} s" in result.stderr
