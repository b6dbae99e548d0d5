"""The order of a document's versions: one definition, for SQL and for Python.

Versions are ordered by their effective date (``published``, else the day first seen), then by
the time the warehouse first stored them (so a re-upload carrying the same date comes after the
upload it replaced), then by content (the text hash) and the version id, so that the order is
total. SQL calls the ``version_order`` macro (migration 0009) through ``version_order()``;
Python sorts with ``version_sort_key``; tests/warehouse/test_lineage.py checks they agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

_last_stamp: list[datetime] = [datetime.min]


def version_order(alias: str = "") -> str:
    """The SQL expression that orders versions (``alias``: the versions table's alias)."""
    p = f"{alias}." if alias else ""
    return f"version_order({p}published, {p}seen_at, {p}text_hash, {p}version_id)"


def version_sort_key(published: date | None, seen_at: datetime, text_hash: str, version_id: str) -> tuple:
    """The same order as ``version_order`` in SQL, for versions held in memory."""
    return (published or seen_at.date(), seen_at, text_hash, version_id)


def first_seen_stamp() -> datetime:
    """Now (UTC, naive, as the warehouse stores it), strictly later than any stamp this process
    gave before: versions stored one after the other are first seen in that order even when the
    clock does not move between them."""
    stamp = datetime.now(UTC).replace(tzinfo=None)
    if stamp <= _last_stamp[0]:
        stamp = _last_stamp[0] + timedelta(microseconds=1)
    _last_stamp[0] = stamp
    return stamp
