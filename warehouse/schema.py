"""The warehouse's schema: the numbered migrations, in order, and their DuckLake dialect.

Both backends apply the same files (``db.Warehouse`` on a DuckDB file, ``lakehouse`` on DuckLake).
DuckLake refuses PRIMARY KEY and UNIQUE constraints and indexes, so ``lake_sql`` takes them out
of a migration's statements; the writes in ``rows`` keep keys unique on both backends.
"""

from __future__ import annotations

import os
import re
from importlib import resources

import duckdb

# how long a command waits for another writer (a file's lock, a lake's turn) before giving up
DEFAULT_TIMEOUT = float(os.environ.get("LABWATCH_DB_TIMEOUT", "120"))


def migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("labwatch.warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        m = re.match(r"^(\d{4})_(.+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


SCHEMA_VERSION = max(n for n, _, _ in migrations())


_TABLE_KEY = re.compile(r",\s*(?:PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.IGNORECASE)
_COLUMN_KEY = re.compile(r"\s+(?:PRIMARY\s+KEY|UNIQUE)\b(?!\s*\()", re.IGNORECASE)
_INDEX = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b", re.IGNORECASE)


def lake_sql(sql: str) -> list[str]:
    """A migration's statements as DuckLake accepts them: PRIMARY KEY and UNIQUE constraints
    taken out (column and table level), CREATE INDEX left out. Everything else is unchanged."""
    out = []
    for stmt in duckdb.extract_statements(sql):
        text = stmt.query
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        if _INDEX.match(code):
            continue
        out.append(_COLUMN_KEY.sub("", _TABLE_KEY.sub("", text)))
    return out
