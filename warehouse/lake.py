"""DuckLake: a shared warehouse whose catalog is in PostgreSQL and whose data is Parquet files.

A DuckDB file allows one writing process; a DuckLake warehouse takes many at once (each commit
is a PostgreSQL transaction plus new Parquet files). What works today (docs/scale-out.md):

- ``export_to_lake`` copies a warehouse file (every table, the contract views and as-of macros)
  into a DuckLake warehouse; review events already in the lake are kept and merged.
- ``import_from_lake`` copies it back into a new warehouse file; review events go through the
  file's journal, as every decision does.
- ``Lake.record_events`` lets many reviewer processes write review events at once: each
  decision is written to the reviewer's journal first, then inserted; nothing is lost or doubled.

DuckLake has no PRIMARY KEY or UNIQUE constraints, so nothing in the lake refuses a second copy
of a row. Writes here take the same turns as every labwatch writer of the lake (``lakeconn``:
a PostgreSQL advisory lock), and those that must stay unique (review events, decisions) also
update the one row of ``lake_write_guard``, which DuckLake refuses to commit twice at once, for
writers that do not take turns. ``--db`` on a lake is ``lakehouse.LakeWarehouse``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.decisions import EVENT_COLUMNS, rebuild_decisions
from labwatch.warehouse.journal import ReviewEvent, append_event, list_event_files
from labwatch.warehouse.lakeconn import (
    CATALOG,
    LOCK_CATALOG,
    LakeError,
    address,
    attach,
    attach_lock,
    in_transaction,
    load_extensions,
    turn,
)
from labwatch.warehouse.lakehouse import migrate_lake
from labwatch.warehouse.lakeurl import is_lake_url
from labwatch.warehouse.schema import SCHEMA_VERSION, migrations

GUARD_TABLE = "lake_write_guard"
# Tables whose rows are decisions (kept and merged), not derivations of the corpus (replaced).
_NOT_COPIED = ("schema_migrations", "decisions", "review_events", GUARD_TABLE)


def contract_statements() -> list[str]:
    """Every CREATE VIEW / CREATE MACRO of the migrations, in order (later ones replace earlier)."""
    found = []
    for _, _, sql in migrations():
        for stmt in duckdb.extract_statements(sql):
            text = stmt.query.strip()
            code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
            head = " ".join(code.split()[:4]).upper()
            if head.startswith(("CREATE OR REPLACE VIEW", "CREATE OR REPLACE MACRO", "CREATE VIEW", "CREATE MACRO")):
                found.append(text)
    return found


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND NOT temporary ORDER BY table_name",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [catalog, table],
    ).fetchall()
    return dict(rows)


def lake_schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The migration number the lake's tables were copied at (None: an empty lake)."""
    if "schema_migrations" not in _tables(con, CATALOG):
        return None
    return con.execute(f"SELECT max(version) FROM {CATALOG}.main.schema_migrations").fetchone()[0]


def _check_not_newer(url: str, version: int | None) -> None:
    if version is not None and version > SCHEMA_VERSION:
        raise LakeError(f"{url}: written by a newer labwatch (schema {version}, this one knows {SCHEMA_VERSION})")


def _ensure_table(con, src: str, table: str) -> None:
    """The lake's table shaped like ``src``'s (created, or widened by the columns it lacks)."""
    want = _columns(con, src, table)
    have = _columns(con, CATALOG, table)
    if not have:
        cols = ", ".join(f'"{c}" {t}' for c, t in want.items())
        con.execute(f'CREATE TABLE {CATALOG}.main."{table}" ({cols})')
        return
    for col, typ in want.items():
        if col not in have:
            con.execute(f'ALTER TABLE {CATALOG}.main."{table}" ADD COLUMN "{col}" {typ}')


def _ensure_guard(con) -> None:
    if GUARD_TABLE not in _tables(con, CATALOG):
        con.execute(f"CREATE TABLE {CATALOG}.main.{GUARD_TABLE} (n BIGINT)")
        con.execute(f"INSERT INTO {CATALOG}.main.{GUARD_TABLE} VALUES (0)")


def _take_turn(con) -> None:
    """Update the guard row: two transactions doing this at once cannot both commit."""
    con.execute(f"UPDATE {CATALOG}.main.{GUARD_TABLE} SET n = n + 1")


# -- review events ---------------------------------------------------------------------------
def _events_frame(events: list[ReviewEvent]) -> pd.DataFrame:
    df = pd.DataFrame([{c: getattr(e, c) for c in EVENT_COLUMNS} for e in events], columns=EVENT_COLUMNS)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True).dt.tz_localize(None)
    df["credit"] = df["credit"].astype("float64")
    return df


def _insert_new_events(con, frame_sql: str) -> int:
    """Insert the rows of ``frame_sql`` whose event id the lake lacks and rebuild their matches'
    decisions (inside the caller's transaction); returns how many events were new."""
    cols = ", ".join(EVENT_COLUMNS)
    new = f"SELECT {cols} FROM ({frame_sql}) e WHERE e.event_id NOT IN (SELECT event_id FROM {CATALOG}.main.review_events)"
    rows = con.execute(f"SELECT DISTINCT event_id, match_id FROM ({new})").fetchall()
    if rows:
        con.execute(f"INSERT INTO {CATALOG}.main.review_events ({cols}) {new}")
        rebuild_decisions(con, sorted({m for _, m in rows}))
    _take_turn(con)
    return len(rows)


def _event_from_row(row: dict) -> ReviewEvent:
    data = dict(row)
    if isinstance(data["created_at"], datetime):
        data["created_at"] = data["created_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return ReviewEvent.from_dict(data)


class Lake:
    """A DuckLake warehouse at ``url`` (its data under ``data_path`` when it is first created)."""

    def __init__(self, url: str, data_path: str | Path | None = None, *, timeout: float = 120.0):
        address(url)  # a bad address fails here, on one line
        self.url = url
        self.data_path = str(data_path) if data_path else None
        self.timeout = timeout
        self._session: duckdb.DuckDBPyConnection | None = None
        self._schema_checked = False

    def _new_connection(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            }
        )
        try:
            con.execute("SET enable_progress_bar = false")
            attach(con, self.url, self.data_path)
            attach_lock(con, self.url)
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB connection with the lake attached as the default catalog."""
        con = self._new_connection()
        try:
            yield con
        finally:
            con.close()

    def session(self) -> duckdb.DuckDBPyConnection:
        """The connection this object keeps for its writes. Unlike a DuckDB file, a lake locks
        nothing while a connection is open, and opening one costs about a second (loading the
        extensions, reaching the catalog), so a reviewer's process opens it once."""
        if self._session is None:
            self._session = self._new_connection()
        return self._session

    def close(self) -> None:
        """Close the kept connection (the next write opens a new one)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def record_events(self, events: list[ReviewEvent], journal_dir: Path) -> int:
        """Write events to ``journal_dir`` first (durable whatever the lake does), then into the
        lake with their decisions, however many processes do the same at once; returns how many
        events were new to the lake. Replaying the same events inserts nothing."""
        for ev in events:
            append_event(Path(journal_dir), ev)
        return self._insert(events)

    def sync_journal(self, journal_dir: Path) -> int:
        """Insert the journal's events the lake lacks (after a lake outage); returns how many."""
        from labwatch.warehouse.journal import read_event

        events = []
        for path in list_event_files(Path(journal_dir)):
            try:
                events.append(read_event(path))
            except (OSError, ValueError, TypeError) as exc:
                raise LakeError(f"{path}: not a valid review event ({exc})") from exc
        return self._insert(events)

    def _insert(self, events: list[ReviewEvent]) -> int:
        if not events:
            return 0
        con = self.session()
        if not self._schema_checked:
            self._require_schema(con)
            self._schema_checked = True

        con.register("_lake_events", _events_frame(events))
        try:
            with turn(con, self.timeout):  # the same turns as every labwatch writer of the lake
                return in_transaction(
                    con, lambda c: _insert_new_events(c, "SELECT * FROM _lake_events"), timeout=self.timeout
                )
        finally:
            con.unregister("_lake_events")

    def _require_schema(self, con) -> None:
        version = lake_schema_version(con)
        if version is None:
            raise LakeError(f"{self.url}: an empty DuckLake warehouse (fill it first: labwatch export --to-ducklake)")
        _check_not_newer(self.url, version)


# -- moving a warehouse ----------------------------------------------------------------------
@contextmanager
def _file_and_lake(wh: Warehouse, lake: Lake) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """The warehouse file's connection (held, so no other process writes it meanwhile) with the
    lake attached; yields it and the file's catalog name. DuckDB cannot attach a writable lake to
    a read-only connection, nor inside a transaction, so this steps out of ``write``'s
    transaction and back in before ``write`` commits (it then loads the journal as always)."""
    with wh.write() as con:
        name = con.execute("SELECT current_database()").fetchone()[0]
        con.execute("COMMIT")
        try:
            attach(con, lake.url, lake.data_path)
            attach_lock(con, lake.url)
            try:
                with turn(con, lake.timeout):
                    yield con, name
            finally:
                con.execute(f'USE "{name}"')
                con.execute(f"DETACH {LOCK_CATALOG}")
                con.execute(f"DETACH {CATALOG}")
        finally:
            con.execute("BEGIN TRANSACTION")


def export_to_lake(wh: Warehouse, lake: Lake, *, replace: bool = False) -> dict[str, int]:
    """Copy the warehouse file into the lake: every table (review events merged by event id,
    decisions rebuilt from the lake's events), then the contract views and macros. A lake that
    already holds versions is refused unless ``replace`` (its derived rows are then replaced;
    its review events are always kept). Returns the lake's row count per table."""
    with _file_and_lake(wh, lake) as (con, src):
        version = lake_schema_version(con)
        _check_not_newer(lake.url, version)
        if version is None:  # a new lake: labwatch's own tables first (defaults and all)
            migrate_lake(con, lake.url)
        if not replace and version is not None:
            n = con.execute(f"SELECT count(*) FROM {CATALOG}.main.versions").fetchone()[0]
            if n:
                raise LakeError(f"{lake.url}: already holds {n} versions (pass --replace to overwrite derived rows)")
        tables = _tables(con, src)

        def work(c):
            _ensure_guard(c)
            for table in tables:
                _ensure_table(c, src, table)
                if table in ("review_events", "decisions"):
                    continue
                c.execute(f'DELETE FROM {CATALOG}.main."{table}"')
                c.execute(f'INSERT INTO {CATALOG}.main."{table}" BY NAME SELECT * FROM "{src}".main."{table}"')
            _insert_new_events(c, f'SELECT * FROM "{src}".main.review_events')
            rebuild_decisions(c)  # from every event in the lake, not only the file's
            for stmt in contract_statements():
                c.execute(stmt)
            return {t: c.execute(f'SELECT count(*) FROM {CATALOG}.main."{t}"').fetchone()[0] for t in tables}

        return in_transaction(con, work, timeout=lake.timeout)


def import_from_lake(lake: Lake, wh: Warehouse) -> dict[str, int]:
    """Copy the lake into a warehouse file that holds no versions yet (a new file): derived
    tables row for row, review events through the file's journal. Returns rows per table."""
    with _file_and_lake(wh, lake) as (con, dst):
        if con.execute(f'SELECT count(*) FROM "{dst}".main.versions').fetchone()[0]:
            raise LakeError(f"{wh.path}: already holds a warehouse; import a DuckLake warehouse into a new file")
        lake._require_schema(con)
        con.execute(f'USE "{dst}"')

        def work(c):
            counts = {}
            for table in _tables(c, dst):
                if table in _NOT_COPIED or not _columns(c, CATALOG, table):
                    continue
                shared = [col for col in _columns(c, dst, table) if col in _columns(c, CATALOG, table)]
                cols = ", ".join(f'"{col}"' for col in shared)
                c.execute(f'DELETE FROM "{table}"')
                c.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM {CATALOG}.main."{table}"')
                counts[table] = c.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            return counts

        counts = in_transaction(con, work, timeout=lake.timeout)
        rows = con.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM {CATALOG}.main.review_events").fetchall()
        known = {p.stem.split("-", 1)[1] for p in list_event_files(wh.journal_dir)}
        for row in rows:
            ev = _event_from_row(dict(zip(EVENT_COLUMNS, row)))
            if ev.event_id not in known:
                append_event(wh.journal_dir, ev)  # the journal stays the first write of a decision
        counts["review_events"] = len(rows)
    return counts  # ``write`` has loaded the journal's new events (and their decisions) on commit


__all__ = ["Lake", "LakeError", "export_to_lake", "import_from_lake", "is_lake_url", "load_extensions"]
