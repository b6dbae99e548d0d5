"""The warehouse shared outside labwatch: the `dashboard`, `export` and `import`."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

import typer

from labwatch.flows.commands.base import DB_OPT, LAKE_DATA_OPT, TO_LAKE_OPT, domain_errors, open_warehouse, resolve_db
from labwatch.flows.output import err, fail, print_table


def dashboard(
    port: int = typer.Option(8501, "--port"), host: str = typer.Option("127.0.0.1", "--host"), db: Path | None = DB_OPT
):
    """Start the Streamlit review dashboard (127.0.0.1 by default).

    \b
    Example: labwatch dashboard --db data/demo.duckdb --port 8501
    """
    app_path = Path(str(resources.files("labwatch.dashboards") / "app.py"))
    where = resolve_db(db)
    env = {**os.environ, "LABWATCH_DB": str(where if str(where).startswith("ducklake:") else where.resolve())}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    # replace this process: a supervisor's SIGTERM then reaches streamlit itself, and no orphan
    # keeps the port when the command is stopped
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)


@domain_errors
def export_(
    directory: Path | None = typer.Argument(None, help="Folder to write (omit with --to-ducklake)."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv"),
    db: Path | None = DB_OPT,
    to_ducklake: str | None = TO_LAKE_OPT,
    lake_data: str | None = LAKE_DATA_OPT,
    replace: bool = typer.Option(False, "--replace", help="With --to-ducklake: overwrite a lake's derived rows."),
):
    """Write every contract view and the review events to a folder, or copy the warehouse into DuckLake.

    \b
    Example: labwatch export backup/ --format parquet
    Example: labwatch export --to-ducklake "ducklake:postgres:dbname=lake host=127.0.0.1" --lake-data /srv/lake/
    """
    if to_ducklake is not None:
        from labwatch.warehouse.lake import Lake, export_to_lake

        if directory is not None:
            fail("pass either a folder or --to-ducklake, not both")
        counts = export_to_lake(open_warehouse(resolve_db(db)), Lake(to_ducklake, lake_data), replace=replace)
        print_table("copied to DuckLake", list(counts), [list(counts.values())])
        return
    from labwatch.warehouse.backup import export_warehouse

    if directory is None:
        fail("labwatch export: name a folder (or pass --to-ducklake URL)")
    if fmt not in ("parquet", "csv"):
        fail(f"--format {fmt!r}: use parquet or csv")
    counts = export_warehouse(open_warehouse(resolve_db(db)), directory, fmt)
    print_table(f"exported to {directory}", list(counts), [list(counts.values())])


@domain_errors
def import_(
    directory: Path | None = typer.Argument(None, help="An export folder (omit with --from-ducklake)."),
    db: Path | None = DB_OPT,
    create: bool = typer.Option(
        False, "--create", help="Create the warehouse if it does not exist (else a mistyped --db is an error)."
    ),
    from_ducklake: str | None = typer.Option(
        None, "--from-ducklake", metavar="URL", help="Copy a DuckLake warehouse into a new --db file."
    ),
    lake_data: str | None = LAKE_DATA_OPT,
):
    """Restore review events from an export folder into a warehouse (duplicates are ignored),
    or copy a whole DuckLake warehouse into a new file.

    \b
    Example: labwatch import backup/ --db data/labwatch.duckdb
    Example: labwatch import backup/ --db data/fresh.duckdb --create   (then `labwatch run --db data/fresh.duckdb`)
    Example: labwatch import --from-ducklake "ducklake:postgres:dbname=lake host=127.0.0.1" --db data/copy.duckdb
    """
    target = resolve_db(db)
    if from_ducklake is not None:
        from labwatch.warehouse.lake import Lake, import_from_lake

        if directory is not None:
            fail("pass either a folder or --from-ducklake, not both")
        counts = import_from_lake(Lake(from_ducklake, lake_data), open_warehouse(target, must_exist=False))
        print_table(f"copied from DuckLake to {target}", list(counts), [list(counts.values())])
        return
    from labwatch.warehouse.backup import import_events

    if directory is None:
        fail("labwatch import: name an export folder (or pass --from-ducklake URL)")
    if not create and not target.exists():
        fail(f"{target}: no warehouse here (check --db, or pass --create to start a new one from the export)")
    n = import_events(open_warehouse(target, must_exist=False), directory)
    err.print(f"imported {n} review events")
