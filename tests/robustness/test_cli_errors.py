"""Bad arguments and bad files end in one line naming what was wrong, never a traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
import subprocess

import pytest

from labwatch.corpus.exceptions import CorpusError, RegistryError
from labwatch.corpus.local import discover_corpus
from labwatch.corpus.registry import load_lab_file
from labwatch.errors import LabwatchError

from .conftest import invoke, seeded_warehouse

MARKUP_REVIEWER = "[bold red]ana[/bold red] [link=http://x]y[/link]"


def one_line_error(result, *words: str) -> str:
    """The CLI's stderr is one ``error:`` line holding every word; no traceback anywhere."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in result.stderr + result.stdout
    assert lines and lines[0].startswith("error:"), result.stderr
    text = " ".join(" ".join(lines).split())  # rich may fold one long line
    for w in words:
        assert w in text, (w, text)
    return text


def test_negative_limit_is_a_one_line_error(tmp_path):
    wh = seeded_warehouse(tmp_path / "w.duckdb")
    one_line_error(invoke("review", "list", "--limit", "-5", "--db", wh.path), "--limit -5")


@pytest.mark.parametrize("command", [("score",), ("review", "list")])
def test_an_unknown_lab_is_refused_naming_the_known_ones(tmp_path, command):
    wh = seeded_warehouse(tmp_path / "w.duckdb")
    one_line_error(invoke(*command, "--lab", "no-such-lab", "--db", wh.path), "no-such-lab", "aurora-labs")
    assert invoke(*command, "--lab", "aurora-labs", "--db", wh.path).exit_code == 0


def test_a_file_that_is_not_duckdb_is_named(tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("these are my notes, not a database\n", encoding="utf-8")
    one_line_error(invoke("status", "--db", bogus, "--no-models"), str(bogus), "not a DuckDB warehouse")
    assert bogus.read_text(encoding="utf-8").startswith("these are my notes")  # left as it was


def test_an_immutable_warehouse_is_named(tmp_path):
    wh = seeded_warehouse(tmp_path / "w.duckdb")
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(wh.path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available on this file system")
    try:
        one_line_error(invoke("score", "--db", wh.path), str(wh.path), "cannot be opened for writing")
    finally:
        subprocess.run(["chattr", "-i", str(wh.path)], check=True)


def test_an_impossible_date_in_a_sidecar_names_the_file(tmp_path):
    lab = tmp_path / "acme"
    lab.mkdir()
    (lab / "policy.txt").write_text("We will test every model.\n", encoding="utf-8")
    (lab / "policy.txt.meta.yaml").write_text("published: 2025-13-45\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"policy.txt.meta.yaml.*2025-13-45.*not a date"):
        discover_corpus(tmp_path)
    one_line_error(invoke("run", "--corpus", tmp_path, "--db", tmp_path / "w.duckdb"), "2025-13-45")


def test_an_impossible_date_in_the_registry_names_the_file_and_key(tmp_path):
    reg = tmp_path / "acme.yaml"
    reg.write_text(
        "lab: acme\nsources:\n  - url: https://acme.example/policy\n    document: policy\n    published: 2025-13-45\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match=r"acme.yaml.*published.*2025-13-45"):
        load_lab_file(reg)


def test_dates_with_a_time_still_read_as_dates(tmp_path):
    lab = tmp_path / "acme"
    lab.mkdir()
    (lab / "policy.txt").write_text("We will test every model.\n", encoding="utf-8")
    (lab / "policy.txt.meta.yaml").write_text("published: 2025-06-01 10:30:00\ntitle: Policy\n", encoding="utf-8")
    (doc,) = discover_corpus(tmp_path)
    assert str(doc.published) == "2025-06-01" and doc.title == "Policy"


LAUGHS = (
    "a: &a ["
    + ",".join(["x"] * 10)
    + "]\n"
    + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdefgh", "bcdefghi"))
)


@pytest.mark.timeout(30)  # a guard, not a measurement: unguarded, this took a minute and 2 GB
@pytest.mark.parametrize("name", ["labs.yaml", "acme/policy.txt.meta.yaml"])
def test_billion_laughs_yaml_is_refused_before_expansion(tmp_path, name):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "policy.txt").write_text("We will test every model.\n", encoding="utf-8")
    (tmp_path / name).write_text(LAUGHS + "labs: []\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"aliases .* are not allowed"):
        discover_corpus(tmp_path)


@pytest.mark.timeout(30)
def test_billion_laughs_registry_is_refused(tmp_path):
    (tmp_path / "acme.yaml").write_text(LAUGHS + "lab: acme\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="aliases"):
        load_lab_file(tmp_path / "acme.yaml")


def test_a_file_whose_sidecar_name_is_too_long_is_still_read(tmp_path):
    lab = tmp_path / "acme"
    lab.mkdir()
    name = "p" * 246 + ".txt"  # 250 bytes: legal; its sidecar name would be 260
    (lab / name).write_text("We will test every model.\n", encoding="utf-8")
    (lab / "short.txt").write_text("We will publish results.\n", encoding="utf-8")
    docs = discover_corpus(tmp_path)
    assert sorted(d.path.name for d in docs) == sorted([name, "short.txt"])


def test_reviewer_markup_is_printed_as_text(tmp_path):
    wh = seeded_warehouse(tmp_path / "w.duckdb")
    with wh.read() as con:
        (match_id,) = con.execute("SELECT match_id FROM matches LIMIT 1").fetchone()
    result = invoke("review", "confirm", match_id, "--reviewer", MARKUP_REVIEWER, "--db", wh.path)
    assert result.exit_code == 0, result.stderr
    line = " ".join(result.stderr.split())
    assert "[measuring.key_domains]" in line and MARKUP_REVIEWER in line  # as typed, criterion kept
    with wh.read() as con:
        assert con.execute("SELECT reviewer FROM decisions").fetchone()[0] == MARKUP_REVIEWER


def test_an_error_message_in_brackets_keeps_its_brackets(tmp_path):
    wh = seeded_warehouse(tmp_path / "w.duckdb")
    one_line_error(invoke("review", "list", "--lab", "[bold]x[/bold]", "--db", wh.path), "'[bold]x[/bold]'")


def test_every_project_error_class_derives_from_the_root():
    """A new error family cannot slip past the CLI's one-line translation."""
    found = []
    names = ["labwatch.errors"]
    for top in ("corpus", "extractors", "warehouse", "flows"):
        package = importlib.import_module(f"labwatch.{top}")
        names += [i.name for i in pkgutil.walk_packages(package.__path__, f"labwatch.{top}.")]
    for name in names:
        module = importlib.import_module(name)
        for cls_name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and issubclass(obj, Exception):
                found.append(obj)
                assert issubclass(obj, LabwatchError), (
                    f"{module.__name__}.{cls_name} does not derive from LabwatchError"
                )
    assert len(found) >= 25  # the families of corpus, extractors, warehouse and flows


def test_an_eval_error_is_one_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": 1, "text": "x"}\nnot json\n', encoding="utf-8")
    one_line_error(invoke("eval", gold), str(gold))
