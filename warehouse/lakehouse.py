"""A warehouse in DuckLake: what ``Warehouse("ducklake:postgres:...")`` returns.

The same contract as a DuckDB file (``db.Warehouse``): ``write()`` is one transaction that also
loads the review journal, ``read()`` a connection, the same numbered migrations, the same tables,
views and macros. What differs, and why:

- **One connection kept per process.** Attaching a lake costs a load of two extensions and a
  round trip to PostgreSQL, and a lake locks nothing while it is attached, so the process keeps
  one in-memory DuckDB with the lake attached and hands out a cursor per ``read``/``write``.
- **Writers take turns on a PostgreSQL advisory lock**, held from before the lake transaction
  begins until after it commits. DuckLake lets two transactions that insert the same key both
  commit, so without turns "insert where missing" (``rows``) could double a row; with them every
  write sees the one before it, on every machine. Readers never wait.
- **Migrations in DuckLake's dialect**: DuckLake refuses PRIMARY KEY and UNIQUE constraints and
  indexes, so they are taken out of each migration's SQL (``lake_sql``); uniqueness is kept by
  the writes themselves (``rows``), which both backends share.
- **Local folders** (journal, snapshots, feeds) live in the address's ``home`` on this machine
  (``lakeurl``); ``path`` is ``<home>/lake``, so they are named as beside a file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from labwatch.warehouse.decisions import load_journal
from labwatch.warehouse.exceptions import MigrationError, WarehouseBusy
from labwatch.warehouse.lakeconn import (
    CATALOG,
    LakeError,
    _is_conflict,
    address,
    attach,
    attach_lock,
    take_turn,
)
from labwatch.warehouse.lakeurl import redact
from labwatch.warehouse.schema import DEFAULT_TIMEOUT, lake_sql, migrations

_roots: dict[tuple[int, str, str | None], duckdb.DuckDBPyConnection] = {}
_roots_lock = threading.Lock()
_turns = threading.local()
_migrated: set[tuple[int, str]] = set()  # lakes this process has migrated (a migration check is a catalog write)


def _root(url: str, data_path: str | None) -> duckdb.DuckDBPyConnection:
    """This process's DuckDB with the lake (and its lock session) attached, made once."""
    key = (os.getpid(), url, data_path)  # a forked child never uses its parent's DuckDB
    with _roots_lock:
        con = _roots.get(key)
        if con is None:
            con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
            try:
                con.execute("SET enable_progress_bar = false")
                attach(con, url, data_path)
                attach_lock(con, url)
            except BaseException:
                con.close()
                raise
            _roots[key] = con
        return con


class LakeWarehouse:
    """A DuckLake warehouse (catalog in PostgreSQL, data as Parquet) behind ``db.Warehouse``'s
    API (what ``Warehouse(address)`` returns)."""

    def __init__(self, path: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT):
        self.url = str(path)
        self.address = address(self.url)
        self.timeout = timeout
        self.path = self.address.home / "lake"

    @property
    def _migrated(self) -> bool:
        return (os.getpid(), self.url) in _migrated

    @property
    def journal_dir(self) -> Path:
        """This machine's review journal for the lake: ``<home>/lake.journal/``."""
        return self.path.with_name(self.path.name + ".journal")

    @property
    def snapshot_dir(self) -> Path:
        """Raw snapshots a crawl on this machine stores: ``<home>/snapshots/``."""
        return self.path.parent / "snapshots"

    def with_timeout(self, timeout: float) -> LakeWarehouse:
        return LakeWarehouse(self.url, timeout=timeout)

    def __repr__(self) -> str:
        return f"LakeWarehouse({redact(self.address.catalog_url)!r})"

    def __str__(self) -> str:
        """The catalog's address as shown: without its password."""
        return redact(self.address.catalog_url)

    @property
    def exists(self) -> bool:
        """True when the lake holds a labwatch warehouse (its migrations table)."""
        try:
            cur = _root(self.url, self.address.data_path).cursor()
        except LakeError:
            return False
        try:
            return bool(
                cur.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'schema_migrations'",
                    [CATALOG],
                ).fetchone()[0]
            )
        finally:
            cur.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = _root(self.url, self.address.data_path).cursor()
        cur.execute(f"USE {CATALOG}")
        return cur

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the lake's write lock (re-entrant within a thread, as a file's writer is)."""
        depth = getattr(_turns, "depth", {})
        _turns.depth = depth
        if depth.get(self.url):
            depth[self.url] += 1
            try:
                yield
            finally:
                depth[self.url] -= 1
            return
        lock = _root(self.url, self.address.data_path).cursor()
        try:
            take_turn(lock, self.timeout)
            depth[self.url] = 1
            try:
                yield
            finally:
                depth[self.url] = 0
                lock.execute("COMMIT")  # after the lake's commit: the next writer sees it
        finally:
            lock.close()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction, taken in turn with every other writer of the lake: committed
        on success, rolled back on any error; also loads this machine's journal."""
        with self._turn():
            con = self._cursor()
            try:
                if not self._migrated:
                    self._migrate(con)
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                    load_journal(con, self.journal_dir)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                try:
                    con.execute("COMMIT")
                except duckdb.Error as exc:
                    if _is_conflict(exc):  # a writer that did not take turns (not labwatch)
                        raise WarehouseBusy(f"{self}: a concurrent commit conflicted; try again") from exc
                    raise
            finally:
                con.close()

    def ensure(self) -> None:
        """Create the lake's tables and apply pending migrations."""
        with self.write():
            pass

    def schema_version(self) -> int:
        with self.read() as con:
            return con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection reading the lake (never waits for writers); migrates a new lake first."""
        if not self._migrated:
            self.ensure()
        con = self._cursor()
        try:
            yield con
        finally:
            con.close()

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        """Apply pending migrations in DuckLake's dialect (inside the caller's turn)."""
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER, name VARCHAR, applied_at TIMESTAMP)"
        )
        applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for number, name, sql in migrations():
            if number in applied:
                continue
            try:
                con.execute("BEGIN TRANSACTION")
                for stmt in lake_sql(sql):
                    con.execute(stmt)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [number, name])
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                raise MigrationError(f"{self}: migration {number:04d}_{name} failed: {exc}") from exc
        _migrated.add((os.getpid(), self.url))


def migrate_lake(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Apply labwatch's migrations to the lake attached to ``con`` as ``lake`` (the caller's
    connection, e.g. a file's during an export); the current catalog is restored after."""
    here = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"USE {CATALOG}")
    try:
        LakeWarehouse(url)._migrate(con)
    finally:
        con.execute(f'USE "{here}"')


__all__ = ["LakeWarehouse", "lake_sql", "migrate_lake"]
