"""Changes: a timeline per lab of commitment changes, old and new wording side by side, each
side cited (document, page, section, version, snapshot) and linked to its page when crawled."""

from __future__ import annotations

import html

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
        doc = change["document_id"]
        if change.get("old_document_id") and change["old_document_id"] != doc:
            doc += f" (succeeds {change['old_document_id']})"  # compared across a declared succession
        head = " · ".join(x for x in (change.get("published") or "undated", doc) if x)
        flag = {True: " · announced in the change log", False: " · **silent** (not in the lab's change log)"}.get(
            change.get("announced"), ""
        )
        if change.get("silent_reupload"):
            flag += " · **re-uploaded under the same date**"
        st.markdown(
            f"**{escape_text(change['kind'])}** · {escape_text(head)} · {escape_text(change.get('reason'))}{flag}",
            unsafe_allow_html=True,
        )
        if change.get("dimensions"):
            st.markdown(dimension_badges(change["dimensions"]), unsafe_allow_html=True)
        old_html, new_html = word_diff(change.get("old"), change.get("new"))
        left, right = st.columns(2)
        left.caption(f"old ({change.get('old_version_id') or '-'})")
        left.markdown(old_html or "<em>(none: added)</em>", unsafe_allow_html=True)
        left.markdown(provenance(change, "old"), unsafe_allow_html=True)
        right.caption(f"new ({change.get('new_version_id') or '-'})")
        right.markdown(new_html or "<em>(none: removed)</em>", unsafe_allow_html=True)
        right.markdown(provenance(change, "new"), unsafe_allow_html=True)
        if change.get("criteria"):
            st.caption("criteria: " + ", ".join(change["criteria"]))
        if change.get("changelog_entry"):
            st.text("change log: " + change["changelog_entry"])  # crawled text: never as markdown


def dimension_badges(dimensions: list[dict]) -> str:
    """Each dimension that moved, its direction (an arrow) and its reason, as safe HTML."""
    arrow = {1: "▲ stronger", -1: "▼ weaker"}
    items = [
        f"<b>{escape_text(d['dimension'])}</b> {arrow.get(d.get('direction'), '● changed')}: "
        f"{escape_text(d.get('reason') or '')}"
        for d in dimensions
    ]
    return "<small>moved: " + " · ".join(items) + "</small>"


def provenance(change: dict, side: str) -> str:
    """One side's citation as safe HTML: document, page and section (a link to the page when the
    version was crawled), version, snapshot sha256 (shortened, full in the title)."""
    if not change.get(f"{side}_version_id"):
        return ""
    doc = change.get("old_document_id") if side == "old" else None
    where = [escape_text(doc or change["document_id"])]
    if change.get(f"{side}_page") is not None:
        where.append(f"p. {int(change[f'{side}_page'])}")
    if change.get(f"{side}_section"):
        where.append(escape_text(change[f"{side}_section"]))
    text = " · ".join(where)
    link = change.get(f"{side}_link")
    if link:
        href = html.escape(link, quote=True)
        text = f'<a href="{href}" target="_blank" rel="noopener noreferrer">{text}</a>'
    sha = change.get(f"{side}_snapshot_sha256") or ""
    snap = f' · snapshot <code title="{html.escape(sha, quote=True)}">{escape_text(sha[:12])}</code>' if sha else ""
    return f"<small>{text} · version <code>{escape_text(change[f'{side}_version_id'])}</code>{snap}</small>"
