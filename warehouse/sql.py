"""Ad-hoc SQL over the warehouse (`labwatch sql`): read-only, no file-system access, patient.

The connection is opened ``read_only`` with ``enable_external_access=false`` and the
configuration locked at connect time, so a query can read the tables, the contract views and
the as-of macros but cannot write the warehouse, read other files (``read_text``, ``read_csv``,
``glob``), write files (``COPY ... TO``, ``EXPORT DATABASE``), attach databases or install
extensions, and cannot switch any of that back on with ``SET``. On a DuckLake warehouse, whose
data folder DuckDB must be allowed (to read and so also to write), every statement is checked
first (``check_lake_query``): SELECT only, without functions that write or reach PostgreSQL.

DuckDB lets no other process open a file while a writer has it. Instead of failing at once, the
open is retried with backoff until ``timeout`` seconds have passed, and ``on_wait`` is told once
so a person at a terminal knows why nothing happens yet.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from labwatch.warehouse.db import DEFAULT_TIMEOUT, _is_lock_error
from labwatch.warehouse.exceptions import WarehouseBusy, WarehouseError

SAFE_CONFIG = {"enable_external_access": False, "lock_configuration": True}


class QueryError(WarehouseError):
    """The SQL could not run (syntax, unknown column, a refused file access ...)."""


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query, in the order DuckDB returned them."""

    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, keyed by column name."""
        return [dict(zip(self.columns, r)) for r in self.rows]


def connect_read_only(
    path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, on_wait: Callable[[str], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection without external access, retried while a writer holds the file.

    Raises WarehouseError when the file does not exist, WarehouseBusy after ``timeout`` seconds
    of waiting; ``on_wait(message)`` is called once, on the first refusal.
    """
    if str(path).startswith("ducklake:"):
        from labwatch.warehouse.lakeconn import connect_lake_read_only

        return connect_lake_read_only(str(path))
    path = Path(path)
    if not path.is_file():
        raise WarehouseError(f"{path}: no warehouse here (run `labwatch run` or pass --db)")
    deadline = time.monotonic() + timeout
    delay, told = 0.05, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=True, config=dict(SAFE_CONFIG))
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"{path}: cannot open: {str(exc).splitlines()[0]}") from None
            if time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"{path}: a writer held the warehouse for more than {timeout:.0f} s; "
                    "try again, or raise LABWATCH_DB_TIMEOUT"
                ) from None
            if on_wait and not told:
                on_wait(f"{path}: another labwatch process is writing; waiting (up to {timeout:.0f} s) ...")
                told = True
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 1.6, 1.0)


def run_query(
    path: str | Path,
    sql: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    on_wait: Callable[[str], None] | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """Run ``sql`` (one or more statements; the last one's result is returned) read-only.

    Raises QueryError with DuckDB's first message line when the SQL fails or is refused.
    """
    if not sql.strip():
        raise QueryError("no SQL given")
    # on a lake, the statements that were checked are the ones that run, one by one
    statements = check_lake_query(sql) if str(path).startswith("ducklake:") else [sql]
    con = connect_read_only(path, timeout=timeout, on_wait=on_wait)
    try:
        try:
            for statement in statements:
                cur = con.execute(statement)
        except duckdb.Error as exc:
            raise QueryError(f"sql: {_first_line(exc)}") from None
        if cur.description is None:  # a statement without a result (e.g. SET, PRAGMA)
            return QueryResult([], [])
        columns = [d[0] for d in cur.description]
        rows = cur.fetchmany(max_rows) if max_rows else cur.fetchall()
        return QueryResult(columns, rows)
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# On a lake, DuckDB must be allowed the lake's data folder to read its Parquet files, and then
# allows writing there too (COPY ... TO, EXPORT DATABASE, ATTACH of a new file), and the
# extensions the lake needs bring functions that reach PostgreSQL or rewrite the lake's files.
# So a query on a lake is checked before it runs: SELECT statements only, none of these functions.
_LAKE_READERS = {
    "current_snapshot", "last_committed_snapshot", "list_files", "options", "scan", "settings",
    "snapshots", "table_changes", "table_deletions", "table_info", "table_insertions",
}  # fmt: skip
_LAKE_WRITERS = {
    "add_data_files", "cleanup_old_files", "commit", "delete_orphaned_files", "expire_snapshots",
    "flush_inlined_data", "merge_adjacent_files", "rewrite_data_files", "set_commit_message", "set_option",
}  # fmt: skip
_REFUSED_FUNCTIONS = {
    "checkpoint", "force_checkpoint", "pg_clear_cache", "query", "query_table", "json_execute_serialized_sql",
    "enable_logging", "disable_logging", "truncate_duckdb_logs", "enable_profiling", "disable_profiling",
}  # fmt: skip
_LAKE_REFUSAL = "refused on a DuckLake warehouse, where `labwatch sql` runs reading SELECT queries only"


def check_lake_query(sql: str) -> list[str]:
    """Refuse, before anything runs, SQL that could write files or change state on a lake: any
    statement but SELECT (COPY ... TO, EXPORT, ATTACH, INSTALL/LOAD, SET, CALL, PRAGMA, ...),
    and a SELECT calling a function that reaches PostgreSQL (``postgres_*``), changes the lake
    (DuckLake's maintenance functions) or runs SQL from a string (``query``). QueryError says
    which statement or function was refused; returns the statements, to be run in order."""
    parser = duckdb.connect()  # parsing binds no names: an empty in-memory database is enough
    try:
        try:
            statements = parser.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(f"sql: {_first_line(exc)}") from None
        for statement in statements:
            words = " ".join(statement.query.split())[:60]
            if statement.type != duckdb.StatementType.SELECT:
                raise QueryError(f"sql: {statement.type.name} ({words}) {_LAKE_REFUSAL}")
            tree = json.loads(parser.execute("SELECT json_serialize_sql(?)", [statement.query]).fetchone()[0])
            if tree.get("error"):  # a PRAGMA read as a SELECT, which cannot be inspected
                raise QueryError(f"sql: {words!r} cannot be checked, so it is {_LAKE_REFUSAL} (write it as a SELECT)")
            for name, qualified in _functions(tree):
                if _writes(name, qualified):
                    raise QueryError(f"sql: function {name}() {_LAKE_REFUSAL}")
        return [statement.query for statement in statements]
    finally:
        parser.close()


def _functions(node) -> list[tuple[str, bool]]:
    """(name, qualified by a schema or catalog) of every function a parsed statement calls."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("function_name"), str):
                found.append((item["function_name"].lower(), bool(item.get("schema") or item.get("catalog"))))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _writes(name: str, qualified: bool) -> bool:
    base = name.removeprefix("ducklake_")
    if name.startswith("postgres_") or name in _REFUSED_FUNCTIONS:
        return True
    if name.startswith("ducklake_"):
        return base not in _LAKE_READERS  # a DuckLake function added later is refused until known
    return qualified and base in _LAKE_WRITERS  # lake.merge_adjacent_files() and the like
