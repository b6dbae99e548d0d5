"""Cached reads and the one write path (review events) of the dashboard.

Every read opens the warehouse for one short read-only connection and closes it (DuckDB admits
one writing process per file, and a crawl or a CLI reviewer may need it next). Results are cached
for a few seconds so that reruns of the script do not reopen the file on every click; every
decision clears the cache so the reviewer sees its effect at once.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import streamlit as st

from labwatch.warehouse import bulk, queries, reviews, scoring
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.journal import ReviewEvent

DEFAULT_DB = "data/labwatch.duckdb"
READ_TIMEOUT = 20.0  # seconds a read waits for a writer before the page says "busy"
TTL = 10  # seconds other reviewers' decisions may take to show up


def db_path() -> str:
    """The warehouse the app reviews: ``LABWATCH_DB`` (set by ``labwatch dashboard``)."""
    return str(Path(os.environ.get("LABWATCH_DB", DEFAULT_DB)).expanduser())


@st.cache_resource(show_spinner=False)
def warehouse(path: str) -> Warehouse:
    """One Warehouse object per file and process, so migrations are checked once."""
    return Warehouse(path, timeout=READ_TIMEOUT)


def _read(path: str, fn, *args, **kwargs):
    with warehouse(path).read() as con:
        return fn(con, *args, **kwargs)


@st.cache_data(ttl=TTL, show_spinner=False)
def queue(
    path: str,
    lab: str | None,
    criterion: str | None,
    document: str | None,
    limit: int | None = 500,
    order: str = "score",
) -> list[dict]:
    """Undecided suggestions in ``order`` (queries.review_queue: score = best first, as the CLI)."""
    return _read(path, queries.review_queue, lab=lab, criterion=criterion, document=document, limit=limit, order=order)


@st.cache_data(ttl=TTL, show_spinner=False)
def other_criteria(path: str, statement_id: str, criterion_id: str) -> list[dict]:
    """The matcher's other candidate criteria for a passage, best first."""
    return _read(path, queries.other_criteria, statement_id, criterion_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def criteria(path: str) -> list[dict]:
    """The rubric's criteria with descriptions."""
    return _read(path, queries.rubric_criteria)


@st.cache_data(ttl=TTL, show_spinner=False)
def labs(path: str) -> list[str]:
    """Lab ids in the warehouse."""
    return _read(path, queries.lab_ids)


@st.cache_data(ttl=TTL, show_spinner=False)
def documents(path: str, lab: str | None) -> list[dict]:
    """Documents, optionally of one lab."""
    return _read(path, queries.documents, lab=lab)


@st.cache_data(ttl=TTL, show_spinner=False)
def passage(path: str, statement_id: str) -> dict | None:
    """A passage with provenance and its neighbours in the same version."""
    return _read(path, queries.passage_detail, statement_id, before=1, after=2)


@st.cache_data(ttl=TTL, show_spinner=False)
def search(path: str, text: str, lab: str | None, document: str | None) -> list[dict]:
    """Passages of current versions containing ``text``."""
    return _read(path, queries.search_passages, text, lab=lab, document=document, limit=50)


@st.cache_data(ttl=TTL, show_spinner=False)
def scores(path: str, as_of: date) -> dict:
    """Scores per lab as computed in the warehouse, with evidence."""
    return _read(path, scoring.scores, as_of=as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def evidence(path: str, lab: str, criterion_id: str, as_of: date) -> list[dict]:
    """Confirmed quotes of one lab x criterion cell."""
    return _read(path, queries.evidence, lab, criterion_id, as_of=as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def history(path: str, lab: str | None) -> list[dict]:
    """Review events with what each replaced."""
    return _read(path, queries.review_history, lab=lab)


@st.cache_data(ttl=TTL, show_spinner=False)
def disagreements(path: str, lab: str | None) -> list[dict]:
    """Matches where reviewers disagree."""
    return _read(path, queries.disagreements, lab=lab)


@st.cache_data(ttl=TTL, show_spinner=False)
def changes(path: str, lab: str | None, since: date | None) -> list[dict]:
    """Commitment changes between consecutive versions."""
    return _read(path, queries.changes, lab=lab, since=since)


@st.cache_data(ttl=TTL, show_spinner=False)
def runs(path: str) -> list[dict]:
    """Recent runs."""
    return _read(path, queries.recent_runs, limit=30)


@st.cache_data(ttl=TTL, show_spinner=False)
def failures(path: str, run_id: str | None) -> list[dict]:
    """Failures of one run, or of every run."""
    return _read(path, queries.run_failures, run_id=run_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def bulk_plan(path: str, target: float, lab: str | None, criterion: str | None, document: str | None) -> bulk.BulkPlan:
    """The undecided suggestions at probability >= ``target`` (warehouse.bulk.plan_bulk_confirm)."""
    return _read(path, bulk.plan_bulk_confirm, target, lab=lab, document=document, criterion=criterion)


@st.cache_data(ttl=TTL, show_spinner=False)
def latest_bulk_batch(path: str) -> dict | None:
    """The newest bulk batch with decisions still standing."""
    return _read(path, bulk.latest_batch)


def confirm_above(path: str, plan: bulk.BulkPlan, reviewer: str) -> tuple[str, int, bool]:
    """Confirm every suggestion of ``plan`` (origin bulk), then drop cached reads."""
    try:
        return bulk.record_bulk_confirm(warehouse(path), plan, reviewer)
    finally:
        st.cache_data.clear()


def withdraw_batch(path: str, batch: str, reviewer: str) -> tuple[int, bool]:
    """Withdraw the standing decisions of a bulk batch, then drop cached reads."""
    try:
        return bulk.withdraw_batch(warehouse(path), batch, reviewer)
    finally:
        st.cache_data.clear()


def ref_of(row: dict, criterion_id: str | None = None) -> reviews.MatchRef:
    """The match a row (a queue item or a passage) stands for, built without opening the file, so
    a decision is journaled even while another process holds the warehouse."""
    return reviews.ref_from_text(row["lab"], row["document_id"], row["text"], criterion_id or row["criterion_id"])


def record(path: str, events: list[ReviewEvent]) -> bool:
    """Journal the events durably, load them, and drop cached reads.

    Returns True when the warehouse holds them now, False when it was busy (they are safe in the
    journal and load on the next write).
    """
    try:
        return reviews.record_events(warehouse(path), events)
    finally:
        st.cache_data.clear()
