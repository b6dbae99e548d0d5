"""What every command shares: --db and where it points, output formats, the one-line error wrapper,
opening the warehouse, dates from flags."""

from __future__ import annotations

import functools
import os
from datetime import date
from enum import Enum
from pathlib import Path

import typer

from labwatch.flows.output import err, fail, shown_db

DEMO_DB = Path("data/demo.duckdb")
REAL_DB = Path("data/labwatch.duckdb")


class Fmt(str, Enum):
    table = "table"
    json = "json"


def resolve_db(db: Path | None, *, demo: bool = False) -> Path:
    """--db, else $LABWATCH_DB, else data/demo.duckdb for the bundled corpus, else data/labwatch.duckdb."""
    if db:
        return db
    if os.environ.get("LABWATCH_DB"):
        return Path(os.environ["LABWATCH_DB"])
    return DEMO_DB if demo else REAL_DB


def domain_errors(fn):
    """Turn labwatch's own errors (any ``LabwatchError``: bad input, busy warehouse) and file
    errors into one-line messages; anything else is a bug and keeps its traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from labwatch.errors import LabwatchError

        try:
            return fn(*args, **kwargs)
        except LabwatchError as exc:
            fail(str(exc))
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            fail(f"{exc.filename}: {exc.strerror}")

    return wrapper


def open_warehouse(db: Path, *, must_exist: bool = True):
    """The warehouse at ``db``; when it must exist and does not, a one-line error saying how to make it."""
    from labwatch.warehouse.db import Warehouse

    wh = Warehouse(db)
    if must_exist and not wh.exists:
        fail(missing_warehouse_message(db))
    return wh


def missing_warehouse_message(db: Path) -> str:
    """Why there is no warehouse at ``db``, and the --db to use when the demo warehouse (the one
    `labwatch run` writes from the bundled corpus) exists and is not the one asked for."""
    if str(db).startswith("ducklake:"):
        return f"{shown_db(db)}: no labwatch warehouse in this DuckLake yet (run `labwatch run --db ...` to create it)"
    if DEMO_DB.exists() and db.resolve() != DEMO_DB.resolve():
        return (
            f"{db}: no warehouse here yet; `labwatch run` on the bundled corpus wrote {DEMO_DB}: "
            f"add --db {DEMO_DB} (or export LABWATCH_DB={DEMO_DB})"
        )
    return f"{db}: no warehouse here yet (run `labwatch run` or `labwatch ingest` first, or pass --db)"


def known_lab(con, lab: str | None) -> None:
    """Fail with the warehouse's lab ids when ``lab`` is given and not one of them (an unknown
    lab would otherwise give an empty table and exit 0)."""
    if lab is None:
        return
    from labwatch.warehouse.queries import lab_ids

    labs = lab_ids(con)
    if lab not in labs:
        fail(f"--lab {lab!r}: no such lab in this warehouse (labs: {', '.join(labs) or 'none yet'})")


DB_OPT = typer.Option(
    None,
    "--db",
    help="Warehouse file, or a DuckLake warehouse 'ducklake:postgres:<conninfo> [data_path=DIR]' "
    "(docs/scale-out.md); default: $LABWATCH_DB, else data/labwatch.duckdb.",
)
# DuckLake (warehouse/lake.py, docs/scale-out.md): a catalog address and where its Parquet lives.
TO_LAKE_OPT = typer.Option(
    None, "--to-ducklake", metavar="URL", help="Copy the warehouse into DuckLake (ducklake:postgres:dbname=...)."
)
LAKE_DATA_OPT = typer.Option(
    None, "--lake-data", metavar="DIR", help="Where a new DuckLake keeps its Parquet files (a folder or URL)."
)


def parse_date(value: str | None, flag: str) -> date | None:
    """``value`` (YYYY-MM-DD) as a date, None when absent; a one-line error naming ``flag`` otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} {value!r} is not a date (YYYY-MM-DD)")


CHANGE_KINDS = ("added", "removed", "weakened", "strengthened", "reworded")
KIND_OPT = typer.Option(
    None,
    "--kind",
    help="Only these kinds, comma-separated: added, removed, weakened, strengthened, reworded "
    "(e.g. --kind weakened,removed).",
)


def parse_kinds(value: str | None) -> frozenset[str] | None:
    """The kinds of ``--kind`` ("weakened,removed"), None when absent; a one-line error naming
    the unknown kind and the known ones otherwise (checked before anything loads)."""
    if value is None:
        return None
    kinds = {k.strip().lower() for k in value.split(",") if k.strip()}
    unknown = sorted(kinds - set(CHANGE_KINDS))
    if unknown or not kinds:
        fail(f"--kind {value!r}: unknown kind {', '.join(unknown) or '(none given)'}; known: {', '.join(CHANGE_KINDS)}")
    return frozenset(kinds)


def sync_journal(wh) -> None:
    """Load waiting journal events if the warehouse is free within a second; never blocks long."""
    from labwatch.warehouse.exceptions import WarehouseBusy

    try:
        with wh.with_timeout(1.0).write():
            pass
    except WarehouseBusy:
        err.print("note: warehouse busy; decisions made in the last moments may not show yet")
