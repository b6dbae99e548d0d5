"""The layout of DESIGN.md holds: the card's folders at the root, installed under `labwatch`,
imports pointing one way with no circle, and every command documenting an example."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDERS = {
    "flows": "flows",
    "corpus": "corpus",
    "extractors": "extractors",
    "warehouse": "warehouse",
    "dashboards": "dashboards",
    "labwatch": "labwatch",
}

# package -> labwatch packages it may import
ALLOWED = {
    "extractors": {"extractors", "corpus.records", "errors"},
    "corpus": {"corpus", "extractors.records", "errors"},
    "warehouse": {"warehouse", "extractors.records", "corpus.records", "errors"},
    "dashboards": {"dashboards", "warehouse", "extractors.records", "errors"},
    "flows": {"flows", "corpus", "extractors", "warehouse", "dashboards", "errors"},
}
# Stage order inside extractors: a stage imports only earlier stages (and the shared records).
STAGES = ["parsing", "statements", "matching", "changes"]

# DuckDB connection methods: only warehouse/ runs SQL or reads results (flows and dashboards call
# its named queries and writes).
CONNECTION_CALLS = {
    "execute",
    "executemany",
    "sql",
    "query",
    "fetchall",
    "fetchone",
    "fetchmany",
    "fetchdf",
    "fetch_arrow_table",
    "register",
    "cursor",
}


def _modules() -> dict[str, Path]:
    """Every project module by dotted name, from the installed layout (package-dir)."""
    out = {}
    for pkg, folder in FOLDERS.items():
        base = REPO / folder
        dotted_root = "labwatch" if pkg == "labwatch" else f"labwatch.{pkg}"
        for path in base.rglob("*.py"):
            rel = path.relative_to(base).with_suffix("")
            if pkg == "labwatch" and rel.parts and rel.parts[0] == "sample_corpus":
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([dotted_root, *parts])] = path
    return out


def _imports(path: Path, dotted: str) -> list[str]:
    """Every imported module name, function-level imports included, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            names.append(mod)
            names += [f"{mod}.{a.name}" for a in node.names]  # `from pkg import module`
    return names


MODULES = _modules()


def _project_edges() -> dict[str, set[str]]:
    edges = {m: set() for m in MODULES}
    for mod, path in MODULES.items():
        for name in _imports(path, mod):
            if name in MODULES and name != mod:
                edges[mod].add(name)
    return edges


def test_the_cards_folders_are_at_the_root_and_installed_under_labwatch():
    conf = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for pkg in ("flows", "corpus", "extractors", "warehouse", "dashboards"):
        assert (REPO / pkg / "__init__.py").is_file(), pkg
        assert conf["package-dir"][f"labwatch.{pkg}"] == pkg
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages == set(conf["packages"]), "pyproject's package list differs from the tree"
    assert not (REPO / "labwatch" / "flows").exists()


def test_no_bare_top_level_import_of_a_project_folder():
    # `import flows` would load a second copy of labwatch.flows (repo root on sys.path)
    bare = {"flows", "corpus", "extractors", "warehouse", "dashboards"}
    bad = [f"{p.relative_to(REPO)}: {n}" for m, p in MODULES.items() for n in _imports(p, m) if n.split(".")[0] in bare]
    for path in (REPO / "tests").rglob("*.py"):
        bad += [f"{path.relative_to(REPO)}: {n}" for n in _imports(path, "tests.x") if n.split(".")[0] in bare]
    assert not bad, "\n".join(bad)


def test_importing_everything_loads_one_copy_of_each_package():
    import importlib

    for mod in ("labwatch.flows.cli", "labwatch.dashboards.data", "labwatch.extractors.matching.matcher"):
        importlib.import_module(mod)
    assert not {"flows", "corpus", "extractors", "warehouse", "dashboards"} & set(sys.modules)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_direction(package):
    bad = []
    for mod, path in MODULES.items():
        if not mod.startswith(f"labwatch.{package}"):
            continue
        for name in _imports(path, mod):
            if name.split(".")[0] == "prefect" and package != "flows":
                bad.append(f"{mod} imports prefect")
            if not name.startswith("labwatch.") or name not in MODULES and name.rpartition(".")[0] not in MODULES:
                continue
            target = name[len("labwatch.") :]
            if not any(target == a or target.startswith(a + ".") for a in ALLOWED[package]):
                bad.append(f"{mod} imports {name}")
    assert not bad, "\n".join(bad)


def test_extractor_stages_import_only_earlier_stages():
    bad = []
    for mod in MODULES:
        parts = mod.split(".")
        if len(parts) < 3 or parts[1] != "extractors" or parts[2] not in STAGES:
            continue
        mine = STAGES.index(parts[2])
        for dep in _project_edges()[mod]:
            dp = dep.split(".")
            if len(dp) > 2 and dp[1] == "extractors" and dp[2] in STAGES and STAGES.index(dp[2]) > mine:
                bad.append(f"{mod} imports {dep}")
    assert not bad, "\n".join(bad)


def test_the_import_graph_has_no_circle():
    edges = _project_edges()
    # a package's __init__ importing its own modules is not a circle of modules
    for mod in edges:
        edges[mod] = {d for d in edges[mod] if not mod.startswith(d + ".")}
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m) :] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(edges[m]):
            visit(d)
        stack.pop()

    for m in sorted(edges):
        visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_extractors_touch_no_database_or_network():
    for mod, path in MODULES.items():
        if mod.startswith("labwatch.extractors"):
            mods = {n.split(".")[0] for n in _imports(path, mod)}
            assert not mods & {"duckdb", "httpx", "requests", "urllib3"}, path


def test_nothing_outside_warehouse_imports_duckdb():
    users = sorted(
        str(p.relative_to(REPO))
        for m, p in MODULES.items()
        if not m.startswith("labwatch.warehouse") and any(n.split(".")[0] == "duckdb" for n in _imports(p, m))
    )
    assert not users, f"DuckDB used outside warehouse/: {users}"


def test_no_sql_outside_warehouse():
    calls = [
        f"{p.relative_to(REPO)}:{node.lineno}: .{node.func.attr}()"
        for m, p in MODULES.items()
        if not m.startswith("labwatch.warehouse")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONNECTION_CALLS
    ]
    assert not calls, "SQL outside warehouse/ (add a named query or write there):\n" + "\n".join(calls)


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
