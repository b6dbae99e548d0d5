"""The import direction of DESIGN.md holds, and every command documents an example."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "labwatch"

# package -> labwatch packages it may import
ALLOWED = {
    "extractors": {"extractors", "corpus.records"},
    "corpus": {"corpus", "extractors.records"},
    "warehouse": {"warehouse", "extractors.records", "corpus.records"},
    "dashboards": {"dashboards", "warehouse", "extractors.records"},
    "flows": {"flows", "corpus", "extractors", "warehouse", "dashboards"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_direction(package):
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            if name.split(".")[0] == "prefect" and package != "flows":
                bad.append(f"{path.name} imports prefect")
            if not name.startswith("labwatch."):
                continue
            target = name[len("labwatch."):]
            if not any(target == a or target.startswith(a + ".") for a in ALLOWED[package]):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_extractors_touch_no_database_or_network():
    for path in (ROOT / "extractors").rglob("*.py"):
        mods = {n.split(".")[0] for n in _imports(path)}
        assert not mods & {"duckdb", "httpx", "requests", "urllib3"}, path


def _commands(group, prefix=()):
    import typer.main

    cmd = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, sub in getattr(cmd, "commands", {}).items():
        if hasattr(sub, "commands"):
            yield from _commands(sub, prefix + (name,))
            if sub.callback is not None:
                yield prefix + (name,), sub
        else:
            yield prefix + (name,), sub


def test_every_command_has_help_with_an_example():
    from labwatch.flows.cli import app

    missing = [" ".join(n) for n, c in _commands(app) if "Example:" not in (c.help or "")]
    assert not missing, f"commands without an example in --help: {missing}"
