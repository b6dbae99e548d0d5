"""Runs: recent pipeline runs and what failed in them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from labwatch.dashboards import data

ALL_RUNS = "(all runs)"


def show(path: str) -> None:
    """Draw the runs page."""
    st.header("Runs")
    _quarantined(path)
    runs = data.runs(path)
    if not runs:
        st.info("No run recorded yet.")
        return
    st.dataframe(
        pd.DataFrame(runs)[["run_id", "kind", "status", "started_at", "finished_at", "n_failures", "summary"]],
        hide_index=True,
        key="r_runs",
    )
    st.subheader("Failures")
    choice = st.selectbox("Run", [ALL_RUNS, *[r["run_id"] for r in runs]], key="r_run")
    failed = data.failures(path, None if choice == ALL_RUNS else choice)
    if failed:
        st.dataframe(pd.DataFrame(failed), hide_index=True, key="r_failures")
    else:
        st.success("No failure recorded.")


def _quarantined(path: str) -> None:
    """Journal files that were not valid review events, moved aside (they decide nothing)."""
    from labwatch.warehouse.db import Warehouse
    from labwatch.warehouse.journal import quarantined

    files = quarantined(Warehouse(path).journal_dir)
    if files:
        st.warning(
            f"{len(files)} review journal file(s) were not valid review events and were moved to "
            "quarantine; they change no decision. Check who wrote them."
        )
        st.dataframe(pd.DataFrame(files), hide_index=True, key="r_quarantine")
