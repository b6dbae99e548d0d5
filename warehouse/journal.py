"""The review journal: one small JSON file per decision, written before the database.

A decision is durable the moment its file is renamed into place (write to a temporary file,
fsync, rename, fsync the folder), whether or not the warehouse is busy. Every write transaction
then loads the events it has not seen yet, so the warehouse catches up on its own; deleting the
database and re-running loses no decision either, since the journal replays into a new file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

DECISIONS = ("confirmed", "rejected", "withdrawn")


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One reviewer decision about one match (lab, document, statement text, criterion)."""

    event_id: str
    match_id: str
    lab: str
    document_id: str
    norm_hash: str
    text: str
    criterion_id: str
    reviewer: str
    decision: str
    credit: float | None
    note: str | None
    created_at: str  # ISO 8601, UTC, microseconds
    origin: str = "cli"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> ReviewEvent:
        """Validate an event read from a file or an import (its fields name files on disk)."""
        fields = {f: data.get(f) for f in cls.__dataclass_fields__}
        if fields["decision"] not in DECISIONS:
            raise ValueError(f"unknown decision {fields['decision']!r}")
        if not isinstance(fields["event_id"], str) or not _EVENT_ID.fullmatch(fields["event_id"]):
            raise ValueError(f"bad event id {fields['event_id']!r}")
        _parse_time(fields["created_at"])
        return cls(**fields)


_EVENT_ID = re.compile(r"[0-9A-Za-z_]{1,64}")


def _parse_time(value) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"bad created_at {value!r}") from exc


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _file_name(event: ReviewEvent) -> str:
    if not _EVENT_ID.fullmatch(event.event_id):
        raise ValueError(f"bad event id {event.event_id!r}")
    stamp = _parse_time(event.created_at).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{event.event_id}.json"


def append_event(journal_dir: Path, event: ReviewEvent) -> Path:
    """Write one event durably; returns its file. Never overwrites an existing event."""
    journal_dir.mkdir(parents=True, exist_ok=True)
    target = journal_dir / _file_name(event)
    if target.parent != journal_dir:  # never write outside the journal
        raise ValueError(f"event {event.event_id!r} would be written outside {journal_dir}")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=journal_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(event.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(journal_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target


def event_id_of(path: Path) -> str:
    return path.stem.split("-", 1)[1]


def list_event_files(journal_dir: Path) -> list[Path]:
    if not journal_dir.is_dir():
        return []
    return sorted(p for p in journal_dir.glob("*.json") if not p.name.startswith("."))


def read_events(paths: list[Path]) -> tuple[list[ReviewEvent], list[str]]:
    """Parse event files; unreadable ones are reported, never fatal."""
    events, problems = [], []
    for path in paths:
        try:
            events.append(ReviewEvent.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError) as exc:
            problems.append(f"{path}: unreadable review event ({exc})")
    return events, problems
