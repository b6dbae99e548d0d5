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
of a row. Writes that must stay unique (review events, decisions) therefore also update the one
row of ``lake_write_guard``: DuckLake refuses to commit two concurrent transactions that update
the same row, so they take turns (the loser retries, and then sees the winner's rows).

The extensions come from the ``duckdb-extension-ducklake`` and ``duckdb-extension-postgres``
packages and are loaded from their files; nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from labwatch.warehouse.db import SCHEMA_VERSION, Warehouse, _migrations
from labwatch.warehouse.decisions import EVENT_COLUMNS, rebuild_decisions
from labwatch.warehouse.exceptions import WarehouseBusy, WarehouseError
from labwatch.warehouse.journal import ReviewEvent, append_event, list_event_files

LAKE_PREFIX = "ducklake:"
CATALOG = "lake"
GUARD_TABLE = "lake_write_guard"
# Tables whose rows are decisions (kept and merged), not derivations of the corpus (replaced).
_NOT_COPIED = ("schema_migrations", "decisions", "review_events", GUARD_TABLE)
_CONFLICT_MARKERS = ("failed to commit", "conflict", "transactioncontext")


class LakeError(WarehouseError):
    """A DuckLake warehouse that cannot be opened or written as asked (named in the message)."""


def is_lake_url(value: str | os.PathLike) -> bool:
    """True for a DuckLake address (``ducklake:postgres:dbname=... host=...``)."""
    return str(value).startswith(LAKE_PREFIX)


# -- extensions ------------------------------------------------------------------------------
def _packaged_extension(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(f"duckdb_extension_{package}")
    if spec is None or not spec.submodule_search_locations:
        raise LakeError(
            f"DuckLake needs the packaged extension {name!r}: pip install "
            f"duckdb-extension-{package}=={duckdb.__version__} (it is loaded from the package, never downloaded)"
        )
    path = (
        Path(spec.submodule_search_locations[0])
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{package}.duckdb_extension"
    )
    if not path.is_file():
        raise LakeError(f"{path}: missing; duckdb-extension-{package} must match duckdb {duckdb.__version__}")
    return path


def _as_named(path: Path, name: str) -> Path:
    """DuckDB finds an extension's entry point from its file name, and the postgres package ships
    ``postgres.duckdb_extension`` for the extension named ``postgres_scanner``: link it under its
    real name in a cache folder (a copy where links are not allowed)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "labwatch" / "duckdb-extensions"
    target = folder / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if target.exists() and target.resolve() == path.resolve():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        os.symlink(path, tmp)
    except OSError:
        tmp.write_bytes(path.read_bytes())
    os.replace(tmp, target)  # atomic, so concurrent processes never see half a file
    return target


def load_extensions(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Load DuckLake (and, for a PostgreSQL catalog, postgres_scanner) from the packages."""
    con.execute("SET autoinstall_known_extensions = false")
    if url.startswith(LAKE_PREFIX + "postgres:"):
        pg = _as_named(_packaged_extension("postgres", "postgres_scanner"), "postgres_scanner")
        con.execute(f"LOAD '{pg}'")
    con.execute(f"LOAD '{_packaged_extension('ducklake', 'ducklake')}'")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def attach(con: duckdb.DuckDBPyConnection, url: str, data_path: str | None = None) -> None:
    """Attach the lake at ``url`` to ``con`` as catalog ``lake`` and make it the default."""
    if not is_lake_url(url):
        raise LakeError(f"{url}: not a DuckLake address (expected ducklake:postgres:dbname=... host=...)")
    load_extensions(con, url)
    options = f" (DATA_PATH {_quote(str(data_path))})" if data_path else ""
    try:
        con.execute(f"ATTACH {_quote(url)} AS {CATALOG}{options}")
    except duckdb.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        hint = "" if data_path else " (a new lake needs a data path: --lake-data DIR)"
        raise LakeError(f"{url}: cannot attach the DuckLake warehouse: {first}{hint}") from exc
    con.execute(f"USE {CATALOG}")


def _is_conflict(exc: Exception) -> bool:
    return isinstance(exc, duckdb.TransactionException) or any(m in str(exc).lower() for m in _CONFLICT_MARKERS)


def in_transaction(con: duckdb.DuckDBPyConnection, work, *, timeout: float = 120.0):
    """Run ``work(con)`` in one transaction, retried with backoff while DuckLake reports a
    conflicting concurrent commit; returns what ``work`` returned. Other errors propagate."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        con.execute("BEGIN TRANSACTION")
        try:
            result = work(con)
            con.execute("COMMIT")
            return result
        except duckdb.Error as exc:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed commit has already ended the transaction
            if not _is_conflict(exc):
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(f"DuckLake: commits kept conflicting for more than {timeout:.0f} s") from exc
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 1.6, 0.5)


# -- schema ----------------------------------------------------------------------------------
def contract_statements() -> list[str]:
    """Every CREATE VIEW / CREATE MACRO of the migrations, in order (later ones replace earlier)."""
    found = []
    for _, _, sql in _migrations():
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
        if not is_lake_url(url):
            raise LakeError(f"{url}: not a DuckLake address (expected ducklake:postgres:dbname=... host=...)")
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
            try:
                yield con, name
            finally:
                con.execute(f'USE "{name}"')
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


__all__ = ["Lake", "LakeError", "export_to_lake", "import_from_lake", "is_lake_url"]
