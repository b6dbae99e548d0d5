"""A DuckLake warehouse address, as ``--db`` and ``LABWATCH_DB`` take it.

    ducklake:postgres:<libpq connection string> [data_path=DIR|URL] [home=DIR]

The part after ``ducklake:postgres:`` is PostgreSQL's own ``key=value`` connection string (the
catalog: ``host=db.internal port=5432 user=lab dbname=lake``; a password is best kept in
``~/.pgpass`` or ``PGPASSWORD``, which libpq reads itself). A ``password=`` in the address works
but is never shown: everything that prints or stores the address prints ``redact(address)``. Two keys are labwatch's and are taken out before PostgreSQL sees the string:

- ``data_path``: where the lake's Parquet files go, a folder or an object-store URL. Needed only
  by the first write, which creates the lake; DuckLake then keeps it in the catalog.
- ``home``: this machine's own folder for the lake: the review journal (every decision is
  written there first), raw snapshots of a crawl, and feeds. Default
  ``~/.local/share/labwatch/lakes/<dbname>-<hash of the catalog address>/``.

Values may be single-quoted as in libpq (``home='/srv/my lake'``). A command line hands
``--db`` over as a path, which turns ``s3://bucket`` into ``s3:/bucket``; the scheme's ``//``
is restored here.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from labwatch.warehouse.exceptions import WarehouseError

PREFIX = "ducklake:"
POSTGRES = "ducklake:postgres:"
_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")
_OWN_KEYS = ("data_path", "home")
_SCHEME_LOST_SLASH = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/(?!/)")


# libpq's secret keys (``password``, ``sslpassword``) with their values, and a URI's user:password@
_SECRET_PAIR = re.compile(r"(?i)(?<![A-Za-z0-9_])((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)")
_URI_SECRET = re.compile(r"(?i)(postgres(?:ql)?:/{1,2}[^:/@\s]*):[^@\s]*@")
REDACTED = "***"


def redact(text: str | os.PathLike) -> str:
    """``text`` with every PostgreSQL password in it (``password=...``, ``sslpassword=...``,
    quoted or not, and the ``:password@`` of a ``postgresql://`` URI) replaced by ``***``.

    Applied to every DuckLake address labwatch prints, stores or passes on to be shown (run
    summaries, ``status``, errors, the dashboard), and to error messages that may echo one."""
    text = _SECRET_PAIR.sub(lambda m: m.group(1) + REDACTED, str(text))
    return _URI_SECRET.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)


def has_secret(text: str | os.PathLike) -> bool:
    """True when ``text`` holds a password ``redact`` would hide."""
    return redact(text) != str(text)


class LakeAddressError(WarehouseError, ValueError):
    """An address that is not a DuckLake warehouse labwatch can use (the message says why; any
    password in it is redacted)."""

    def __init__(self, message: str):
        super().__init__(redact(message))


def is_lake_url(value: str | os.PathLike) -> bool:
    """True for a DuckLake address (``ducklake:postgres:dbname=... host=...``)."""
    return str(value).startswith(PREFIX)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _restore_scheme(value: str) -> str:
    return _SCHEME_LOST_SLASH.sub(r"\1://", value)


@dataclass(frozen=True)
class LakeAddress:
    """What an address names: the catalog (``catalog_url``, what DuckLake attaches), the libpq
    connection string, and labwatch's own ``data_path`` and ``home``."""

    catalog_url: str
    conninfo: str
    data_path: str | None
    home: Path

    @classmethod
    def parse(cls, text: str | os.PathLike) -> LakeAddress:
        text = str(text)
        if not text.startswith(PREFIX):
            raise LakeAddressError(f"{text}: not a DuckLake address (expected {POSTGRES}dbname=... host=...)")
        if not text.startswith(POSTGRES):
            raise LakeAddressError(
                f"{text}: labwatch keeps a DuckLake catalog in PostgreSQL only (expected {POSTGRES}dbname=... host=...)"
            )
        rest, pos, kept, own = text[len(POSTGRES) :], 0, [], {}
        while pos < len(rest):
            m = _PAIR.match(rest, pos)
            if m is None or m.end() == pos:
                if rest[pos:].strip():
                    raise LakeAddressError(f"{text}: cannot read {rest[pos:].strip()!r} (expected key=value pairs)")
                break
            key, value = m.group(1), m.group(2)
            if key in _OWN_KEYS:
                own[key] = _unquote(value)
            else:
                kept.append(f"{key}={value}")
            pos = m.end()
        conninfo = " ".join(kept)
        if not conninfo:
            raise LakeAddressError(f"{text}: names no PostgreSQL catalog (add dbname=... host=...)")
        data_path = _restore_scheme(own["data_path"]) if own.get("data_path") else None
        home = Path(own["home"]).expanduser() if own.get("home") else default_home(conninfo)
        return cls(POSTGRES + conninfo, conninfo, data_path, home)


_SECRET_KEYS = ("password", "sslpassword")


def default_home(conninfo: str) -> Path:
    """``~/.local/share/labwatch/lakes/<dbname>-<hash>/`` (``$XDG_DATA_HOME`` if set).

    The hash is of the catalog address without its password, so moving a password from the
    address to ``~/.pgpass`` or ``PGPASSWORD`` (or changing it) keeps the same home, and the
    folder's name says nothing about the password. A home named by an earlier labwatch, whose
    hash included the password, is adopted (renamed) when the new one does not exist yet."""
    pairs = dict((m.group(1), _unquote(m.group(2))) for m in _PAIR.finditer(conninfo))
    public = {k: v for k, v in pairs.items() if k.lower() not in _SECRET_KEYS}
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", pairs.get("dbname", "lake"))
    lakes = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "labwatch" / "lakes"
    home = lakes / f"{name}-{_digest(public)}"
    if len(public) < len(pairs) and not home.exists():
        old = lakes / f"{name}-{_digest(pairs)}"
        if old.is_dir():
            try:
                os.rename(old, home)
            except OSError:
                pass  # another process adopted it first, or it cannot be moved: the new name stands
    return home


def _digest(pairs: dict[str, str]) -> str:
    return hashlib.sha256(" ".join(sorted(f"{k}={v}" for k, v in pairs.items())).encode()).hexdigest()[:10]
