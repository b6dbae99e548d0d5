"""SECURITY.md names, for each point of the threat model, the tests that back it: they exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_REF = re.compile(r"((?:tests/[\w/]+/)?test_\w+\.py)?(?:::([\w:]+))?")


def _references() -> list[tuple[Path, str]]:
    """(test file, name) for every ``file.py::name`` and ``::name`` (same file as before) cited."""
    refs, current = [], None
    for line in (REPO / "SECURITY.md").read_text(encoding="utf-8").splitlines():
        for token in re.findall(r"`([^`]+)`", line):
            m = _REF.fullmatch(token)
            if m is None or not any(m.groups()):
                continue
            file, name = m.groups()
            if file:
                found = (
                    [file]
                    if file.startswith("tests/")
                    else [str(p.relative_to(REPO)) for p in REPO.glob(f"tests/**/{file}")]
                )
                assert len(found) == 1, f"SECURITY.md: {file} names no single test file ({found})"
                current = REPO / found[0]
            if name:
                assert current is not None, f"SECURITY.md: ::{name} without a file before it"
                refs.append((current, name))
    return refs


def test_every_test_security_md_cites_exists():
    refs = _references()
    assert len(refs) >= 40  # the threat model is backed point by point
    for path, name in refs:
        source = path.read_text(encoding="utf-8")
        for part in name.split("::"):
            assert re.search(rf"^\s*(def|class) {re.escape(part)}\b", source, re.M), f"{path.name}::{name} not found"
