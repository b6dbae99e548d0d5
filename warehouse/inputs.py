"""The corpus files a run has read (``inputs``): by path, their size, mtime, content hash and
the pipeline signature they were derived under, so that a re-run skips unchanged files before
opening them. ``store.record_input`` writes them."""

from __future__ import annotations

import duckdb


def known_inputs(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, str, str]]:
    """path -> (size, mtime_ns, sha256, pipeline signature) of every corpus file read before."""
    return {
        path: (size, mtime, sha, pipe)
        for path, size, mtime, sha, pipe in con.execute(
            "SELECT path, size, mtime_ns, sha256, pipeline FROM inputs"
        ).fetchall()
    }
