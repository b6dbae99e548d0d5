"""What a newcomer meets first at the CLI: where the warehouse is, help examples that run,
`review --db`, unknown labs, `import` into a mistyped path, `--version`. No models: a small
hand-made warehouse (the dashboard tests' fixture) stands in for the demo one."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import typer

from labwatch.corpus.local import bundled_corpus, discover_corpus
from labwatch.corpus.registry import DEFAULT_SOURCES_DIR, load_registry
from labwatch.flows.cli import app
from tests.dashboards.conftest import build_warehouse

from .conftest import invoke


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "small.duckdb").path


@pytest.fixture
def in_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory like a fresh clone: no LABWATCH_DB, no data/ yet."""
    monkeypatch.delenv("LABWATCH_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_missing_default_warehouse_names_the_demo_one_when_it_exists(in_clone):
    bare = invoke("changes", check=False)
    assert bare.exit_code == 1
    assert "no warehouse here yet" in bare.stderr and "demo.duckdb" not in bare.stderr
    build_warehouse(in_clone / "data" / "demo.duckdb")  # what `labwatch run` leaves behind
    for args in (["changes"], ["score"], ["review", "list"], ["status", "--no-models"]):
        result = invoke(*args, check=False)
        if args[0] == "status":  # status reports a missing warehouse rather than failing
            continue
        assert result.exit_code == 1, args
        assert "--db data/demo.duckdb" in " ".join(result.stderr.split()), (args, result.stderr)
    # the advice works: the same command with the --db it names
    assert invoke("changes", "--db", "data/demo.duckdb").exit_code == 0


def test_review_group_db_reaches_every_sub_command(small_db, in_clone):
    items = json.loads(invoke("review", "--db", small_db, "list", "--format", "json").stdout)["items"]
    assert items, "the group's --db was not used"
    first = items[0]["id"]
    invoke("review", "--db", small_db, "confirm", first, "--reviewer", "ana")
    left = json.loads(invoke("review", "--db", small_db, "list", "--format", "json").stdout)["items"]
    assert first not in {i["id"] for i in left}
    invoke("review", "--db", small_db, "undo", first, "--reviewer", "ana")
    invoke("review", "--db", small_db, "reject", first, "--reviewer", "ana")
    # a sub-command's own --db still wins over the group's
    other = in_clone / "missing.duckdb"
    result = invoke("review", "--db", small_db, "list", "--db", other, check=False)
    assert result.exit_code == 1 and "missing.duckdb" in result.stderr


@pytest.mark.parametrize("args", [["changes"], ["score"], ["review", "list"]])
def test_an_unknown_lab_is_an_error_naming_the_labs(small_db, args):
    result = invoke(*args, "--lab", "aurora-labs", "--db", small_db, check=False)
    assert result.exit_code == 1
    assert "aurora-labs" in result.stderr and "alpha-lab, beta-lab" in result.stderr


def _commands(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


def _help(path) -> str:
    return invoke(*path, "--help").stdout


def test_every_help_example_is_one_line_of_an_existing_command_and_a_real_lab():
    labs = {d.lab for d in discover_corpus(bundled_corpus())} | {r.lab for r in load_registry(DEFAULT_SOURCES_DIR)}
    root = typer.main.get_command(app)
    seen = 0
    for path, _ in _commands():
        text = _help(path)
        lines = [line.strip() for line in text.splitlines()]
        assert text.count("Example:") == sum(line.startswith("Example:") for line in lines), (path, text)
        assert "\b" not in text  # click consumed every no-rewrap marker
        for line in lines:
            if not line.startswith("Example:"):
                continue
            seen += 1
            words = shlex.split(line.removeprefix("Example:").split("   (")[0].split(" > ")[0])
            words = [w for w in words if not re.fullmatch(r"[A-Z_]+=\S*", w)]  # VAR=value prefixes
            assert words[0] == "labwatch", line
            cmd, rest = root, words[1:]
            while hasattr(cmd, "commands") and rest and rest[0] in cmd.commands:
                cmd, rest = cmd.commands[rest[0]], rest[1:]
            assert cmd is not root, f"{line}: no such command"
            options = {o for p in cmd.params for o in getattr(p, "opts", [])}
            if hasattr(cmd, "commands"):  # a group's example may pass group options only
                assert all(w in options or not w.startswith("--") for w in rest), line
            for flag in (w for w in rest if w.startswith("--")):
                assert flag.split("=")[0] in options, f"{line}: {flag} is not an option of {' '.join(path)}"
            for i, w in enumerate(rest[:-1]):
                if w == "--lab" and path != ("ingest",):  # ingest's --lab may name a new lab
                    assert rest[i + 1] in labs, f"{line}: no lab {rest[i + 1]!r} in the sample corpus or registry"
    assert seen >= 20


def test_import_into_a_missing_warehouse_needs_create(small_db, tmp_path):
    invoke("review", "confirm", "--db", small_db, _first_id(small_db), "--reviewer", "ana")
    invoke("export", tmp_path / "backup", "--format", "csv", "--db", small_db)
    typo = tmp_path / "smal.duckdb"
    refused = invoke("import", tmp_path / "backup", "--db", typo, check=False)
    assert refused.exit_code == 1 and "--create" in refused.stderr
    assert not typo.exists()
    invoke("import", tmp_path / "backup", "--db", typo, "--create")
    assert typo.exists()
    fresh = invoke("score", "--db", typo).stdout
    assert "(None)" not in fresh and "no rubric yet" in fresh


def _first_id(db: Path) -> str:
    return json.loads(invoke("review", "list", "--db", db, "--format", "json").stdout)["items"][0]["id"]


def test_version_is_printed():
    result = invoke("--version")
    from importlib.metadata import version

    assert result.stdout.strip() == f"labwatch {version('labwatch')}"


def test_eval_table_names_what_a_blank_cell_meant(capsys):
    from labwatch.flows.reports import print_eval_table

    print_eval_table(
        {
            "gold": "g.jsonl",
            "n": 3,
            "matching": {
                "recall_at_1": 1,
                "recall_at_3": 1,
                "precision": 1,
                "recall": 1,
                "f1": 1,
                "false_match_rate": 0,
            },
            "confusions": [
                {"gold": "a.b", "predicted": None, "count": 2},
                {"gold": None, "predicted": "c.d", "count": 1},
            ],
        }
    )
    shown = capsys.readouterr().out
    assert "(nothing predicted)" in shown and "(no gold criterion)" in shown
