"""Connections to a DuckLake warehouse: the packaged extensions, attaching, and taking turns.

The extensions come from the ``duckdb-extension-ducklake`` and ``duckdb-extension-postgres``
packages and are loaded from their files; nothing is ever downloaded. Writers take turns on a
PostgreSQL advisory lock (``take_turn``), since DuckLake lets two transactions that insert the
same key both commit.
"""

from __future__ import annotations

import importlib.util
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from labwatch.warehouse.exceptions import WarehouseBusy, WarehouseError
from labwatch.warehouse.lakeurl import LakeAddress, LakeAddressError, redact

LAKE_PREFIX = "ducklake:"
CATALOG = "lake"
LOCK_CATALOG = "lake_lock"
# the PostgreSQL advisory lock a lake's labwatch writers take turns on (any fixed 64-bit number)
LOCK_KEY = 0x6C61627761746368
_CONFLICT_MARKERS = ("failed to commit", "conflict", "transactioncontext")


class LakeError(WarehouseError):
    """A DuckLake warehouse that cannot be opened or written as asked (named in the message,
    with any password redacted: DuckDB's own messages echo the connection string)."""

    def __init__(self, message: str):
        super().__init__(redact(message))


def address(url: str) -> LakeAddress:
    """The parsed address (``lakeurl``), with a bad one as a one-line ``LakeError``."""
    try:
        return LakeAddress.parse(url)
    except LakeAddressError as exc:
        raise LakeError(str(exc)) from None


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
    """Attach the lake at ``url`` to ``con`` as catalog ``lake`` and make it the default
    (``data_path``, else the address's own ``data_path=``, is used when the lake is new)."""
    where = address(url)
    data_path = data_path or where.data_path
    load_extensions(con, where.catalog_url)
    options = f" (DATA_PATH {_quote(str(data_path))})" if data_path else ""
    for attempt in range(_ATTACH_TRIES):
        try:
            con.execute(f"ATTACH {_quote(where.catalog_url)} AS {CATALOG}{options}")
            break
        except duckdb.Error as exc:
            if _initialising_elsewhere(exc) and attempt + 1 < _ATTACH_TRIES:
                time.sleep(0.2 * (attempt + 1))  # another process is creating the new lake's catalog
                continue
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            hint = "" if data_path else " (a new lake needs a data path: --lake-data DIR)"
            raise LakeError(f"{url}: cannot attach the DuckLake warehouse: {first}{hint}") from exc
    con.execute(f"USE {CATALOG}")


_ATTACH_TRIES = 8


def _initialising_elsewhere(exc: Exception) -> bool:
    """True when ATTACH failed because another process was creating the same new lake's
    metadata tables at that moment (PostgreSQL refuses the second CREATE): attaching again
    once it is done succeeds."""
    text = str(exc)
    return "Failed to initialize DuckLake" in text and (
        "duplicate key value violates unique constraint" in text or "already exists" in text
    )


def attach_lock(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Attach the lake's PostgreSQL catalog database itself as ``lake_lock`` (read-only), the
    session through which writers take turns (``take_turn``)."""
    con.execute(f"ATTACH {_quote(address(url).conninfo)} AS {LOCK_CATALOG} (TYPE postgres, READ_ONLY)")


def take_turn(cur: duckdb.DuckDBPyConnection, timeout: float) -> None:
    """Begin a transaction on ``cur`` holding the lake's advisory lock (waiting at most
    ``timeout`` s, then ``WarehouseBusy``). The lock is PostgreSQL's, so it serialises writers
    on every machine, and it is released when ``cur`` commits or rolls back, or when the process
    dies. Commit ``cur`` only after the lake's own transaction has committed."""
    cur.execute("BEGIN TRANSACTION")
    try:
        ms = max(1, int(timeout * 1000))
        cur.execute(f"CALL postgres_execute('{LOCK_CATALOG}', 'SET LOCAL lock_timeout = {ms}')")
        cur.execute(f"SELECT * FROM postgres_query('{LOCK_CATALOG}', 'SELECT pg_advisory_xact_lock({LOCK_KEY})::text')")
        cur.fetchall()
    except duckdb.Error as exc:
        cur.execute("ROLLBACK")
        if "lock timeout" in str(exc).lower():
            raise WarehouseBusy(
                f"DuckLake: another labwatch writer held the lake for more than {timeout:.0f} s; "
                "try again, or raise LABWATCH_DB_TIMEOUT"
            ) from exc
        raise LakeError(f"DuckLake: cannot take a turn to write: {str(exc).splitlines()[0]}") from exc


def connect_lake_read_only(url: str) -> duckdb.DuckDBPyConnection:
    """The lake attached read-only, for ad-hoc SQL (`labwatch sql`): no writes to the lake, no
    file access outside its data folder, no extensions, configuration locked. DuckDB allows
    writing into the data folder it may read, so ``sql.run_query`` checks every statement first
    (``sql.check_lake_query``: COPY ... TO, EXPORT and ATTACH there are refused)."""
    where = address(url)
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        load_extensions(con, where.catalog_url)
        try:
            con.execute(f"ATTACH {_quote(where.catalog_url)} AS {CATALOG} (READ_ONLY)")
        except duckdb.Error as exc:
            raise LakeError(
                f"{where.catalog_url}: cannot attach the DuckLake warehouse: {str(exc).splitlines()[0]}"
            ) from None
        con.execute(f"USE {CATALOG}")
        row = con.execute(f"SELECT value FROM ducklake_options('{CATALOG}') WHERE option_name = 'data_path'").fetchone()
        con.execute(f"SET allowed_directories = [{_quote(row[0])}]" if row else "SET allowed_directories = []")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def turn(con: duckdb.DuckDBPyConnection, timeout: float) -> Iterator[None]:
    """Hold the lake's write lock (``take_turn``) on a cursor of ``con`` (which has
    ``lake_lock`` attached) while the body runs; released after the body's commit."""
    lock = con.cursor()
    try:
        take_turn(lock, timeout)
        try:
            yield
        finally:
            lock.execute("COMMIT")
    finally:
        lock.close()


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
