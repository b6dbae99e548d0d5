"""The review journal: one small JSON file per decision, written before the database.

A decision is durable the moment its file is renamed into place (write to a temporary file,
fsync, rename, fsync the folder), whether or not the warehouse is busy. Every write transaction
then loads the events it has not seen yet, so the warehouse catches up on its own; deleting the
database and re-running loses no decision either, since the journal replays into a new file.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from labwatch.extractors.records import make_match_id

# "carried": labwatch carried a decision to the reworded counterpart of a decided statement
# (warehouse/carry.py); its credit is the source's (0 for a rejection), its note names the source
DECISIONS = ("confirmed", "rejected", "withdrawn", "carried")


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

    def time(self) -> datetime:
        """The event's recorded time, aware UTC."""
        return _parse_time(self.created_at)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict, *, now: datetime | None = None) -> ReviewEvent:
        """Validate an event read from a file or an import; ValueError says what is wrong.

        An event is refused unless: its decision is one of ``DECISIONS``; its credit is empty or
        a number in 0..1; it names a reviewer; its time parses and is not later than ``now``
        plus ``CLOCK_SKEW`` (a claimed future time would outrank every real decision); and its
        match id is the hash of its own lab, document, text and criterion (a forged id cannot
        attach a decision to another statement). Whether a current match has that id is not
        asked: after re-matching, or on replay into a fresh warehouse, it may not exist yet.
        """
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        fields = {f: data.get(f) for f in cls.__dataclass_fields__}
        if fields["origin"] is None:
            fields["origin"] = "cli"
        for name in ("event_id", "match_id", "lab", "document_id", "norm_hash", "text", "criterion_id", "origin"):
            if not isinstance(fields[name], str):
                raise ValueError(f"{name} {fields[name]!r} is not a string")
        if not _EVENT_ID.fullmatch(fields["event_id"]):
            raise ValueError(f"bad event id {fields['event_id']!r}")
        if fields["decision"] not in DECISIONS:
            raise ValueError(f"unknown decision {fields['decision']!r} (one of {', '.join(DECISIONS)})")
        if not isinstance(fields["reviewer"], str) or not fields["reviewer"].strip():
            raise ValueError("no reviewer")
        fields["credit"] = check_credit(fields["credit"])
        if fields["note"] is not None and not isinstance(fields["note"], str):
            raise ValueError(f"note {fields['note']!r} is not a string")
        when = _parse_time(fields["created_at"])
        latest = (now or datetime.now(UTC)) + CLOCK_SKEW
        if when > latest:
            raise ValueError(
                f"created_at {fields['created_at']} is in the future (later than {latest:%Y-%m-%dT%H:%M}Z)"
            )
        expected = make_match_id(fields["lab"], fields["document_id"], fields["text"], fields["criterion_id"])
        if fields["match_id"] != expected:
            raise ValueError(
                f"match id {fields['match_id']!r} is not the id of its own lab, document, text and "
                f"criterion ({expected})"
            )
        return cls(**fields)


_EVENT_ID = re.compile(r"[0-9A-Za-z_]{1,64}")
CLOCK_SKEW = timedelta(minutes=5)  # clocks of reviewers' machines may run a little ahead


def check_credit(value) -> float | None:
    """A credit as stored: empty (the decision's default) or a finite number in 0..1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"credit {value!r} is not a number")
    if not 0 <= value <= 1:
        raise ValueError(f"credit {value!r} is outside 0..1")
    return float(value)


def _parse_time(value) -> datetime:
    """An aware UTC time from ISO 8601 (a time without an offset is read as UTC)."""
    if not isinstance(value, str):
        raise ValueError(f"bad created_at {value!r}")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"bad created_at {value!r}") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


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
    """The event id a journal file's name claims (``<stamp>-<event id>.json``); "" if none."""
    parts = path.stem.split("-", 1)
    return parts[1] if len(parts) == 2 else ""


def list_event_files(journal_dir: Path) -> list[Path]:
    if not journal_dir.is_dir():
        return []
    return sorted(p for p in journal_dir.glob("*.json") if not p.name.startswith("."))


def stray_files(journal_dir: Path) -> list[Path]:
    """Files in the journal that are not events by their name (hidden files, such as a write
    in progress, excepted)."""
    if not journal_dir.is_dir():
        return []
    return sorted(
        p for p in journal_dir.iterdir() if not p.name.startswith(".") and p.suffix != ".json" and not p.is_dir()
    )


def read_event(path: Path) -> ReviewEvent:
    """One event file, validated (``ReviewEvent.from_dict``) and checked against its name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from exc
    event = ReviewEvent.from_dict(data)
    if event.event_id != event_id_of(path):
        raise ValueError(f"its name claims event {event_id_of(path)!r} but it holds event {event.event_id!r}")
    return event


def read_events(paths: list[Path]) -> tuple[list[ReviewEvent], list[str]]:
    """Parse event files; unreadable or invalid ones are reported, never fatal."""
    events, problems = [], []
    for path in paths:
        try:
            events.append(read_event(path))
        except (OSError, ValueError, TypeError) as exc:
            problems.append(f"{path}: unreadable review event ({exc})")
    return events, problems


# -- quarantine ----------------------------------------------------------------------------------
def quarantine_dir(journal_dir: Path) -> Path:
    """Where invalid journal files are moved: beside the journal, ``<db>.journal.quarantine/``."""
    return journal_dir.with_name(journal_dir.name + ".quarantine")


def quarantine(journal_dir: Path, path: Path, reason: str) -> Path:
    """Move an invalid file out of the journal (never deleted), with ``<name>.reason`` beside it
    saying why; returns its new place. A later file of the same name does not overwrite it."""
    folder = quarantine_dir(journal_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        target, n = folder / f"{path.stem}.{n}{path.suffix}", n + 1
    os.replace(path, target)
    target.with_name(target.name + ".reason").write_text(reason + "\n", encoding="utf-8")
    return target


def quarantined(journal_dir: Path) -> list[dict]:
    """The files in quarantine, oldest first: ``{"file", "reason", "quarantined_at"}``."""
    folder = quarantine_dir(journal_dir)
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir(), key=lambda q: (q.stat().st_mtime, q.name)):
        if p.name.endswith(".reason"):
            continue
        why = p.with_name(p.name + ".reason")
        out.append(
            {
                "file": str(p),
                "reason": why.read_text(encoding="utf-8").strip() if why.exists() else "(no reason recorded)",
                "quarantined_at": datetime.fromtimestamp(p.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return out
