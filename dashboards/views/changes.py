"""Changes: a timeline per lab of commitment changes, old and new wording side by side."""

from __future__ import annotations

import streamlit as st

from labwatch.dashboards import data
from labwatch.dashboards.render import escape_text, word_diff
from labwatch.dashboards.views.common import lab_filter


def show(path: str) -> None:
    """Draw the changes page."""
    st.header("Changes")
    lab = lab_filter(path, "c_lab")
    rows = data.changes(path, lab, None)
    if not rows:
        st.info("No commitment changed between versions yet.")
        return
    kinds = sorted({r["kind"] for r in rows})
    chosen = st.multiselect("Kinds", kinds, default=kinds, key="c_kinds")
    rows = [r for r in rows if r["kind"] in chosen]
    for lab_id in sorted({r["lab"] for r in rows}):
        st.subheader(lab_id)
        for change in (r for r in rows if r["lab"] == lab_id):
            _change(change)


def _change(change: dict) -> None:
    with st.container(border=True):
        head = " · ".join(x for x in (change.get("published") or "undated", change["document_id"]) if x)
        flag = {True: " · announced in the change log", False: " · **silent** (not in the lab's change log)"}.get(
            change.get("announced"), ""
        )
        st.markdown(
            f"**{escape_text(change['kind'])}** · {escape_text(head)} · {escape_text(change.get('reason'))}{flag}",
            unsafe_allow_html=True,
        )
        old_html, new_html = word_diff(change.get("old"), change.get("new"))
        left, right = st.columns(2)
        left.caption(f"old ({change.get('old_version_id') or '-'})")
        left.markdown(old_html or "<em>(none: added)</em>", unsafe_allow_html=True)
        right.caption(f"new ({change.get('new_version_id') or '-'})")
        right.markdown(new_html or "<em>(none: removed)</em>", unsafe_allow_html=True)
        if change.get("criteria"):
            st.caption("criteria: " + ", ".join(change["criteria"]))
        if change.get("changelog_entry"):
            st.text("change log: " + change["changelog_entry"])  # crawled text: never as markdown
