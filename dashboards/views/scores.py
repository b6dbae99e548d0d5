"""Scores: labs x criteria credits, the weighted score per lab (computed in the warehouse), and
the quotes behind each cell."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from labwatch.dashboards import data
from labwatch.dashboards.render import escape_text


def show(path: str) -> None:
    """Draw the scores page."""
    st.header("Scores")
    as_of = st.date_input("As of", value=date.today(), key="s_as_of")
    result = data.scores(path, as_of)
    labs = result["labs"]
    if not labs:
        st.info("No lab in this warehouse yet.")
        return
    st.caption(
        f"Rubric {result['rubric']} {result.get('rubric_version') or ''}, as of {result['as_of']}. "
        "Scores are 0-100, computed in the warehouse from confirmed evidence."
    )
    board = pd.DataFrame([{"lab": lab["lab"], "score": lab["score"]} for lab in labs])
    chart = (
        alt.Chart(board)
        .mark_bar()
        .encode(
            x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="score (0-100)"),
            y=alt.Y("lab:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=["lab", "score"],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(_grid(labs), key="s_grid")
    st.caption(
        "Cells are credits from confirmed evidence. Criteria marked (unscored) or (weight 0) never move a "
        "score; a nested criterion's credit is 0 until its parent has confirmed credit."
    )
    _from_bulk(labs)
    _uncounted(labs)
    _evidence(path, labs, as_of)


def _from_bulk(labs: list[dict]) -> None:
    """Credit that stands on bulk decisions only: points no reviewer confirmed one by one."""
    rows = [
        {"lab": lab["lab"], "criterion": c["criterion_id"], "credit": c["raw_credit"], "points": c["points"]}
        for lab in labs
        for c in lab["criteria"]
        if c.get("from_bulk")
    ]
    if rows:
        st.subheader("Credit from bulk decisions only")
        st.caption(
            "Confirmed with review confirm --above (or the queue's confident-suggestions button), not one by one."
        )
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="s_bulk")


def _label(criterion: dict) -> str:
    """A grid column: the criterion id, marked when no credit for it can move a score."""
    if not criterion["scored"]:
        return f"{criterion['criterion_id']} (unscored)"
    if criterion["points"] == 0 and criterion["weight"] == 0:
        return f"{criterion['criterion_id']} (weight 0)"
    return criterion["criterion_id"]


def _grid(labs: list[dict]) -> pd.DataFrame:
    rows = []
    for lab in labs:
        row = {"lab": lab["lab"], "score": lab["score"]}
        row.update({_label(c): c["credit"] for c in lab["criteria"]})
        rows.append(row)
    return pd.DataFrame(rows).set_index("lab")


def _uncounted(labs: list[dict]) -> None:
    """Confirmed credit that adds nothing to a score, and why: so a 0 never looks like a bug."""
    rows = [
        {
            "lab": lab["lab"],
            "criterion": c["criterion_id"],
            "confirmed credit": c["raw_credit"],
            "why it does not count": c["why_not_counted"],
        }
        for lab in labs
        for c in lab["criteria"]
        if c.get("not_counted")
    ]
    if rows:
        st.subheader("Confirmed credit that does not count")
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="s_uncounted")


def _evidence(path: str, labs: list[dict], as_of: date) -> None:
    st.subheader("Evidence behind a cell")
    cols = st.columns(2)
    lab = cols[0].selectbox("Lab", [lab["lab"] for lab in labs], key="s_lab")
    criteria = next(x["criteria"] for x in labs if x["lab"] == lab)
    ids = [c["criterion_id"] for c in criteria]
    criterion = cols[1].selectbox("Criterion", ids, key="s_criterion")
    cell = next(c for c in criteria if c["criterion_id"] == criterion)
    st.markdown(
        f"Credit **{cell['credit']:g}** (best confirmed {cell['raw_credit']:g}"
        + ("; counts only when its parent has credit" if cell.get("parent") else "")
        + f"), {cell['points']:g} points"
    )
    if cell.get("why_not_counted"):
        st.warning(f"This credit does not count: {cell['why_not_counted']}.")
    quotes = data.evidence(path, lab, criterion, as_of)
    if not quotes:
        st.info("No confirmed evidence for this cell.")
    for q in quotes:
        where = " / ".join(
            str(x) for x in (q["document_id"], q.get("section"), q.get("page") and f"p. {q['page']}") if x
        )
        st.markdown(
            f"> {escape_text(q['text'])}  \n> <small>{escape_text(where)}, credit {q['credit']:g}, "
            f"confirmed by {escape_text(q.get('reviewer') or '?')}"
            + (" in bulk (review confirm --above)" if q.get("origin") == "bulk" else "")
            + "</small>",
            unsafe_allow_html=True,
        )
