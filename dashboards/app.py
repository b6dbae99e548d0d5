"""labwatch review dashboard: the entry point of ``streamlit run`` (``labwatch dashboard`` starts it).

The warehouse comes from ``LABWATCH_DB``. Pages: review queue, scores, evidence and history,
changes, runs. Streamlit answers ``GET /_stcore/health`` with ``ok`` once the server is up.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from labwatch.dashboards import data
from labwatch.dashboards.views import changes, history, review, runs, scores
from labwatch.warehouse.exceptions import WarehouseBusy, WarehouseError
from labwatch.warehouse.lakeurl import redact

PAGES = {
    "Review queue": review.show,
    "Scores": scores.show,
    "Evidence and history": history.show,
    "Changes": changes.show,
    "Runs": runs.show,
}


def main() -> None:
    """Draw the sidebar (page, reviewer name, warehouse) and the chosen page."""
    st.set_page_config(page_title="labwatch", page_icon=None, layout="wide")
    path = data.db_path()
    with st.sidebar:
        st.title("labwatch")
        page = st.radio("Page", list(PAGES), key="page")
        st.text_input("Reviewer name", key="reviewer", placeholder="required to decide")
        st.caption(f"Warehouse: {redact(path)}")
        if st.button("Refresh data", key="refresh"):
            st.cache_data.clear()
    if not Path(path).exists():
        st.error(f"No warehouse at {redact(path)}: run `labwatch run` first, or pass `--db` to `labwatch dashboard`.")
        return
    try:
        PAGES[page](path)
    except WarehouseBusy as exc:
        st.warning(f"{exc}. Your decisions so far are safe; reload the page in a moment.")
    except WarehouseError as exc:
        st.error(str(exc))


main()
