"""Ad-hoc SQL over the warehouse (`labwatch sql`): read-only, no file-system access, patient.

The connection is opened ``read_only`` with ``enable_external_access=false`` and the
configuration locked at connect time, so a query can read the tables, the contract views and
the as-of macros but cannot write the warehouse, read other files (``read_text``, ``read_csv``,
``glob``), write files (``COPY ... TO``, ``EXPORT DATABASE``), attach databases or install
extensions, and cannot switch any of that back on with ``SET``.

DuckDB lets no other process open a file while a writer has it. Instead of failing at once, the
open is retried with backoff until ``timeout`` seconds have passed, and ``on_wait`` is told once
so a person at a terminal knows why nothing happens yet.
"""

from __future__ import annotations

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
    con = connect_read_only(path, timeout=timeout, on_wait=on_wait)
    try:
        try:
            cur = con.execute(sql)
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
