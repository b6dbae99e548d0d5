"""`labwatch sql`: one read-only query on the warehouse, printed as a table, JSON or CSV."""

from __future__ import annotations

from pathlib import Path

from labwatch.flows.output import err, print_csv, print_json, print_table
from labwatch.warehouse.sql import run_query

TABLE_TEXT_WIDTH = 120  # longer cells are folded, never cut: the table is for reading


def print_query(db: Path, sql: str, fmt: str) -> None:
    """Run ``sql`` on ``db`` and print its result.

    json: ``{"columns": [...], "rows": [{column: value}], "count": n}``; csv: a header line and one
    line a row; table: the same for people, with the row count in the title.
    """
    result = run_query(db, sql, on_wait=lambda message: err.print(message, soft_wrap=True))
    if fmt == "json":
        print_json({"columns": result.columns, "rows": result.records(), "count": len(result.rows)})
    elif fmt == "csv":
        print_csv(result.columns, ([_cell(v) for v in r] for r in result.rows))
    else:
        print_table(
            f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}",
            result.columns,
            ([_cell(v) for v in r] for r in result.rows),
            wrap=tuple(result.columns),
        )


def _cell(value):
    """Lists (criteria, sections) read as ``a, b``; everything else as DuckDB returned it."""
    if isinstance(value, (list, tuple)):
        return ", ".join("" if v is None else str(v) for v in value)
    return value
