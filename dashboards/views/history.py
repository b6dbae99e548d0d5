"""Evidence and history: every decision with who, when and what it replaced; disagreements."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from labwatch.dashboards import data
from labwatch.dashboards.views.common import lab_filter

COLUMNS = [
    "created_at",
    "reviewer",
    "decision",
    "credit",
    "replaced",
    "criterion_id",
    "lab",
    "document_id",
    "text",
    "note",
    "origin",
    "match_id",
]


def show(path: str) -> None:
    """Draw the evidence and history page."""
    st.header("Evidence and history")
    lab = lab_filter(path, "h_lab")
    split = data.disagreements(path, lab)
    st.subheader("Reviewers disagree: take a second look")
    if split:
        st.warning(f"{len(split)} matches where reviewers' latest decisions differ.")
        st.dataframe(
            pd.DataFrame(split)[
                ["criterion_id", "lab", "document_id", "decision", "stances", "text", "decided_at", "match_id"]
            ],
            hide_index=True,
            key="h_split",
        )
    else:
        st.success("No disagreement between reviewers.")
    st.subheader("Every decision, newest first")
    events = data.history(path, lab)
    if not events:
        st.info("No decision recorded yet.")
        return
    frame = pd.DataFrame(events)
    frame["replaced"] = [_replaced(e) for e in events]
    # a confirmation without a credit counts in full
    frame.loc[frame["decision"].eq("confirmed") & frame["credit"].isna(), "credit"] = 1.0
    st.dataframe(frame[COLUMNS], hide_index=True, key="h_events")


def _replaced(event: dict) -> str:
    if not event.get("prev_decision"):
        return ""
    credit = f" ({event['prev_credit']:g})" if event.get("prev_credit") is not None else ""
    return f"{event['prev_decision']}{credit} by {event['prev_reviewer']} at {event['prev_at']:%Y-%m-%d %H:%M}"
