"""Printing for the CLI: tables for people, one JSON document for scripts, errors on one line."""

from __future__ import annotations

import csv
import io
import json
import sys
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
# wide enough for the tables when stdout is a pipe or a file (rich would assume 80 columns)
out = Console(highlight=False, soft_wrap=True, markup=False, width=None if sys.stdout.isatty() else 160)


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
    title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, wrap: Sequence[str] = ()
) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold", max_width=90 if c in wrap else None)
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


def shorten(text: str | None, n: int = 140) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
