"""Opening the DuckDB warehouse: short, retried connections and numbered migrations.

DuckDB allows one writing process per file, and while a process has the file open for writing,
no other process can open it at all. labwatch therefore never keeps a connection: every read or
write opens the file, does its work in one transaction and closes it, and an open that meets a
lock is retried with backoff until ``timeout`` seconds have passed (then ``WarehouseBusy``).
Heavy work (parsing, embedding) always happens outside these windows.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path

import duckdb

from labwatch.warehouse.decisions import load_journal
from labwatch.warehouse.exceptions import MigrationError, WarehouseBusy, WarehouseError
from labwatch.warehouse.schema import DEFAULT_TIMEOUT, SCHEMA_VERSION, migrations

_migrations = migrations  # the name lake.py and older callers use
__all__ = ["DEFAULT_TIMEOUT", "SCHEMA_VERSION", "Warehouse"]

_LOCK_MARKERS = ("lock", "conflicting", "being used", "resource temporarily unavailable")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(m in text for m in _LOCK_MARKERS)


# DuckDB keeps every block a query reads in its buffer cache, up to 80% of RAM by default: a
# run's per-batch lookups scan the whole embeddings table, so without a limit a process's memory
# grows with the warehouse file. Under the limit DuckDB evicts blocks and spills big joins, sorts
# and aggregates to ``<file>.tmp/`` beside the warehouse.
DEFAULT_DUCKDB_MEMORY = "128MB"
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


def duckdb_config() -> dict[str, str]:
    """The DuckDB settings of every warehouse-file connection: ``memory_limit`` from
    ``LABWATCH_DUCKDB_MEMORY`` (e.g. ``512MB``, ``2GB``; ``default`` leaves DuckDB's own limit).
    A value DuckDB cannot read is a WarehouseError naming the variable."""
    raw = os.environ.get("LABWATCH_DUCKDB_MEMORY", DEFAULT_DUCKDB_MEMORY).strip()
    if raw.lower() == "default":
        return {}
    if not _MEMORY.match(raw):
        raise WarehouseError(f"LABWATCH_DUCKDB_MEMORY={raw!r}: not a memory size (write e.g. 256MB or 2GB, or default)")
    return {"memory_limit": raw}


_NOT_WRITABLE = ("permission denied", "operation not permitted", "read-only file system")


def _open_error(path: Path, exc: Exception, read_only: bool) -> WarehouseError:
    """What an open that failed for another reason than a lock says, on one line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "not a valid duckdb database" in text.lower():
        return WarehouseError(f"{path}: not a DuckDB warehouse file (pass --db with a labwatch warehouse)")
    if not read_only and any(m in text.lower() for m in _NOT_WRITABLE):
        return WarehouseError(
            f"{path}: cannot be opened for writing ({text}); labwatch writes the warehouse on every "
            "command: make the file writable (not read-only or immutable), or copy it"
        )
    return WarehouseError(f"{path}: cannot open the warehouse ({text})")


DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of a DuckDB database file


def _is_duckdb_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def _adopt_old_journal(db: Path, journal: Path) -> None:
    """Rename ``<stem>.journal/`` (the name before 0.1's hardening) to ``journal`` when ``db``
    is the only warehouse that may own it: no other DuckDB file of the same stem beside it
    (``x.db`` beside ``x.duckdb`` would make the owner unknowable; then nothing is moved)."""
    old = db.with_suffix(".journal")
    if old == journal or journal.exists() or not old.is_dir():
        return
    claimants = [
        p
        for p in db.parent.glob(f"{glob_escape(db.stem)}.*")
        if p != db and p.stem == db.stem and p.is_file() and _is_duckdb_file(p)
    ]
    if claimants:
        return
    try:
        os.rename(old, journal)
    except OSError:  # another process adopted it a moment ago, or the folder is read-only
        pass


class Warehouse:
    """A warehouse file. Cheap to create; opens the database only inside ``read``/``write``.

    A DuckLake address (``ducklake:postgres:...``, see ``lakeurl``) gives a ``LakeWarehouse``
    instead: the same API over a shared warehouse (``lakehouse``)."""

    def __new__(cls, path: str | Path, **kwargs):
        if cls is Warehouse and str(path).startswith("ducklake:"):
            from labwatch.warehouse.lakehouse import LakeWarehouse

            return LakeWarehouse(path, **kwargs)  # not a subclass: Python calls no __init__ again
        return super().__new__(cls)

    def __init__(self, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT):
        self.path = Path(path)
        self.timeout = timeout
        self._migrated = False
        self._journal_checked = False

    def with_timeout(self, timeout: float) -> Warehouse:
        """The same warehouse with another wait for a busy writer."""
        return Warehouse(self.path, timeout=timeout)

    def __str__(self) -> str:
        return str(self.path)

    # -- derived locations -------------------------------------------------------------------
    @property
    def journal_dir(self) -> Path:
        """Append-only review journal beside the database, named after its whole file name:
        ``data/demo.duckdb.journal/`` (so ``x.db`` and ``x.duckdb`` never share one). A journal
        of the old name ``data/demo.journal/`` is adopted (renamed) when this is the only
        warehouse that can claim it."""
        journal = self.path.with_name(self.path.name + ".journal")
        if not self._journal_checked:
            self._journal_checked = True
            _adopt_old_journal(self.path, journal)
        return journal

    @property
    def snapshot_dir(self) -> Path:
        """Raw snapshots, content-addressed, shared by warehouses in the same folder."""
        return self.path.parent / "snapshots"

    @property
    def exists(self) -> bool:
        return self.path.exists()

    # -- connections ---------------------------------------------------------------------------
    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        config = duckdb_config()
        while True:
            try:
                # The limit is SET on the connection, not given as connect() configuration:
                # DuckDB refuses a second connection to one file in one process whose
                # configuration differs, so a caller's plain duckdb.connect(path, read_only=True)
                # beside a labwatch connection would fail.
                con = duckdb.connect(str(self.path), read_only=read_only)
                try:
                    for name, value in config.items():
                        con.execute(f"SET {name} = '{value}'")  # values checked by duckdb_config
                except duckdb.Error:
                    con.close()
                    raise
                return con
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise _open_error(self.path, exc, read_only) from exc
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"{self.path}: busy (another labwatch process is writing) for more "
                        f"than {self.timeout:.0f} s; try again, or raise LABWATCH_DB_TIMEOUT"
                    ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.6, 0.5)

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One short write transaction: committed on success, rolled back on any error."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._open(read_only=False)
        try:
            if not self._migrated:
                self._migrate(con)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                # Every write also loads decisions waiting in the review journal.
                load_journal(con, self.journal_dir)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection (creates and migrates the file first if needed)."""
        if not self.path.exists() or not self._migrated:
            self.ensure()
        con = self._open(read_only=True)
        try:
            yield con
        finally:
            con.close()

    def ensure(self) -> None:
        """Create the file and apply pending migrations."""
        with self.write():
            pass

    # -- migrations ----------------------------------------------------------------------------
    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
        )
        applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for number, name, sql in _migrations():
            if number in applied:
                continue
            try:
                con.execute("BEGIN TRANSACTION")
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [number, name])
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                raise MigrationError(f"{self.path}: migration {number:04d}_{name} failed: {exc}") from exc
        self._migrated = True

    def schema_version(self) -> int:
        with self.read() as con:
            return con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
