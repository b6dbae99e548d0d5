"""The README a newcomer follows: two setup commands, commands that exist, and sample outputs
that are what a real run prints (scripts/readme_outputs.py writes them; numbers may differ)."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SETUP = ("bash scripts/setup.sh && .venv/bin/labwatch run", "bash scripts/setup.sh && .venv/bin/python -m pytest")


def _script():
    spec = importlib.util.spec_from_file_location("readme_outputs", REPO / "scripts" / "readme_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_keeps_exactly_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if "scripts/setup.sh" in line and not line.startswith("#")]
    assert lines == list(SETUP)


def _readme_commands() -> list[list[str]]:
    """Every `labwatch ...` line of the README's code blocks, as words (comments dropped)."""
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```(?:bash|text)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith(("labwatch ", ".venv/bin/labwatch ")):
                words = shlex.split(line.split("  #")[0].replace("…", "x"))
                found.append(words[1:])
    return found


def test_every_readme_command_and_option_exists():
    from labwatch.flows.cli import app

    root = typer.main.get_command(app)
    commands = _readme_commands()
    assert len(commands) >= 12
    for words in commands:
        cmd, rest = root, list(words)
        while hasattr(cmd, "commands") and rest and rest[0] in cmd.commands:
            cmd, rest = cmd.commands[rest[0]], rest[1:]
        assert cmd is not root or rest == ["run"], f"labwatch {' '.join(words)}: no such command"
        options = {o for p in cmd.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
        for flag in (w for w in rest if w.startswith("--")):
            assert flag.split("=")[0] in options, f"labwatch {' '.join(words)}: {flag} is not an option"


def test_every_block_the_script_writes_is_marked_once():
    module = _script()
    names = [m["name"] for m in module.BLOCK.finditer(README.read_text(encoding="utf-8"))]
    assert sorted(names) == sorted({"run", "timing", "changes", "review", "decide", "feeds"})


def test_structure_ignores_numbers_and_spacing_but_not_words():
    s = _script().structure
    assert s("│ 6    │ 10.95 │ m_2e96b1ef │") == s("│ 7 │ 9.1    │ m_1d10aa76 │")
    assert s("counted criteria 1") != s("credited criteria 1")


@pytest.mark.slow
@pytest.mark.model
def test_readme_outputs_are_what_a_real_tour_prints():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "readme_outputs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
