"""Idempotent row writes in the SQL both backends accept (a DuckDB file and DuckLake).

DuckLake has no PRIMARY KEY or UNIQUE constraints, so it refuses ``INSERT OR IGNORE``,
``INSERT OR REPLACE`` and ``ON CONFLICT``. The same effects are written here as an anti-join
(insert the rows whose key is missing) and as delete-then-insert (replace the rows of the same
key). They are correct under concurrency because no two labwatch write transactions run at once
on either backend: a file has one writer, and a lake's writers take turns
(``lakehouse.LakeWarehouse.write`` holds a PostgreSQL advisory lock). On a file the primary keys
stay declared, so a bug here would still be refused there.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa


def _key_match(keys: Sequence[str], a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in keys)


def insert_missing(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    source: str,
    keys: Sequence[str],
    params: Sequence | None = None,
) -> None:
    """``INSERT OR IGNORE``: insert the rows of ``source`` (a SELECT, or the name of a registered
    relation, giving ``columns``) whose ``keys`` are not in ``table`` yet. Rows of ``source``
    sharing a key are inserted once (which of them is unspecified: callers pass one content per key)."""
    cols = ", ".join(columns)
    src = source if source.lstrip().upper().startswith(("SELECT", "VALUES", "WITH", "(")) else f"SELECT * FROM {source}"
    con.execute(
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ("
        f"SELECT DISTINCT ON ({', '.join(keys)}) {cols} FROM ({src}) _s0) _s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} _t WHERE {_key_match(keys, '_t', '_s')})",
        list(params or ()),
    )


def insert_row_missing(con: duckdb.DuckDBPyConnection, table: str, row: dict, keys: Sequence[str]) -> None:
    """``INSERT OR IGNORE`` of one row given as ``{column: value}``."""
    cols = list(row)
    where = " AND ".join(f"{k} = ?" for k in keys)
    con.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join('?' * len(cols))} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {where})",
        [*row.values(), *(row[k] for k in keys)],
    )


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    source: str,
    keys: Sequence[str],
    params: Sequence | None = None,
) -> None:
    """``INSERT OR REPLACE``: delete the rows of ``table`` whose ``keys`` appear in ``source``,
    then insert ``source``'s rows (``params`` are bound once per use of ``source``)."""
    src = source if source.lstrip().upper().startswith(("SELECT", "VALUES", "WITH", "(")) else f"SELECT * FROM {source}"
    key_cols = ", ".join(keys)
    p = list(params or ())
    con.execute(f"DELETE FROM {table} WHERE ({key_cols}) IN (SELECT ({key_cols}) FROM ({src}) _s)", p)
    cols = ", ".join(columns)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ({src}) _s", p)


def replace_row(con: duckdb.DuckDBPyConnection, table: str, row: dict, keys: Sequence[str]) -> None:
    """``INSERT OR REPLACE`` of one row given as ``{column: value}``."""
    con.execute(f"DELETE FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in keys)}", [row[k] for k in keys])
    cols = list(row)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(row.values()))


def insert_rows_missing(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """``INSERT OR IGNORE`` of many rows given as dicts with the same columns (through Arrow)."""
    if not rows:
        return
    cols = list(rows[0])
    tbl = pa.table({c: pa.array([r[c] for r in rows]) for c in cols})
    name = f"_rows_{table}"
    con.register(name, tbl)
    try:
        insert_missing(con, table, cols, name, keys)
    finally:
        con.unregister(name)
