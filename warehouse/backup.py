"""Export every contract view and the review events; import review events back.

Review events are the only thing a user cannot re-derive, so they are what import restores: in a
fresh warehouse, a re-run re-derives everything else and the decisions apply again (they are
keyed by content, not by row ids).
"""

from __future__ import annotations

import json
from pathlib import Path

from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.exceptions import ImportFailed
from labwatch.warehouse.journal import ReviewEvent, append_event, list_event_files, read_events
from labwatch.warehouse.queries import CONTRACT_VIEWS


def export_warehouse(wh: Warehouse, directory: Path, fmt: str = "parquet") -> dict[str, int]:
    """Write each contract view and ``review_events`` as DIR/<name>.<fmt>; returns row counts."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    with wh.read() as con:
        for name in (*CONTRACT_VIEWS, "review_events"):
            rel = con.sql(f"SELECT * FROM {name}")
            target = directory / f"{name}.{fmt}"
            if fmt == "parquet":
                rel.write_parquet(str(target))
            else:
                rel.write_csv(str(target))
            counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        events = con.execute("SELECT * FROM review_events ORDER BY created_at, event_id").fetchall()
        cols = [d[0] for d in con.description]
    with open(directory / "review_events.jsonl", "w", encoding="utf-8") as fh:
        for row in events:
            d = dict(zip(cols, row))
            d["created_at"] = d["created_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    (directory / "MANIFEST.json").write_text(json.dumps({"format": fmt, "counts": counts}, indent=2))
    return counts


def import_events(wh: Warehouse, directory: Path) -> int:
    """Append the export's review events to the warehouse journal and load them; returns how many were new."""
    src = Path(directory) / "review_events.jsonl"
    if not src.is_file():
        raise ImportFailed(f"{directory}: no review_events.jsonl (is this a `labwatch export` folder?)")
    known = {p.stem.split("-", 1)[1] for p in list_event_files(wh.journal_dir)}
    new = 0
    for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            ev = ReviewEvent.from_dict(json.loads(line))
        except (ValueError, TypeError) as exc:
            raise ImportFailed(f"{src}:{n}: not a review event ({exc})") from exc
        if ev.event_id in known:
            continue
        append_event(wh.journal_dir, ev)
        known.add(ev.event_id)
        new += 1
    with wh.write():
        pass  # loads the journal
    return new


__all__ = ["export_warehouse", "import_events", "read_events"]
