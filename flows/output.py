"""Printing for the CLI: tables for people, one JSON document for scripts, errors on one line."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import textwrap
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from labwatch.warehouse.lakeurl import redact

# markup off: what is printed is mostly untrusted text (document passages, reviewer names, file
# names, criterion ids in brackets), which rich would otherwise read as styles and hyperlinks.
# A caller that styles passes markup=True and escapes what it interpolates.
err = Console(stderr=True, highlight=False, markup=False)


def _width() -> int | None:
    """The terminal's width; when stdout is a pipe or a file, ``LABWATCH_COLUMNS`` if set, else
    160 (wide enough for the tables: rich would assume 80). Not ``COLUMNS``: parents such as
    test runners export it (often 80) where no terminal is."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("LABWATCH_COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 40 else 160


out = Console(highlight=False, soft_wrap=True, markup=False, width=_width())


def _default(o: Any):
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def print_json(doc: Any) -> None:
    """Exactly one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(doc, default=_default, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    wrap: Sequence[str] = (),
    keep: Sequence[str] = (),
    max_widths: dict[str, int] | None = None,
) -> None:
    """A table on stdout. ``wrap`` columns wrap at 90 characters; ``keep`` columns never wrap
    a line of a cell (an id stays whole, or ends in an ellipsis when the terminal is too narrow
    for it); ``max_widths`` caps any column."""
    if title and len(title) > out.width:  # the console soft-wraps, which would let a long title run over
        title = "\n".join(textwrap.wrap(title, out.width))
    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        limit = (max_widths or {}).get(c, 90 if c in wrap else None)
        if c in keep:
            t.add_column(c, no_wrap=True, overflow="ellipsis", max_width=limit)
        else:
            t.add_column(c, overflow="fold", max_width=limit)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    out.print(t)


def print_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    sys.stdout.write(buf.getvalue())


def fail(message: str, code: int = 1) -> None:
    """A one-line reason on stderr and a non-zero exit, never a traceback. A password of a
    DuckLake address the message may echo is redacted (``lakeurl.redact``)."""
    err.print(f"[red]error:[/red] {escape(redact(message))}", markup=True, soft_wrap=True)
    raise SystemExit(code)


def shown_db(db) -> str:
    """A warehouse address as printed: a DuckLake address without its password."""
    return redact(db)


# The alarms first, in the order a reader triages them; "reworded" is never an alarm.
_KIND_ORDER = ("weakened", "removed", "strengthened", "added", "reworded")


def kind_counts(rows: Iterable[dict]) -> str:
    """ ": 11 weakened, 70 removed, 7 strengthened" for a title, when more than one kind is listed."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    parts = [f"{counts[k]} {k}" for k in _KIND_ORDER if counts.get(k)]
    return f": {', '.join(parts)}" if len(parts) > 1 else ""


def shorten(text: str | None, n: int = 140) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
