"""Pieces shared by the pages: the reviewer's name, messages that survive a rerun, filters."""

from __future__ import annotations

import streamlit as st

from labwatch.dashboards import data

ALL = "(all)"


def reviewer() -> str:
    """The reviewer's name for this session ('' until entered in the sidebar)."""
    return str(st.session_state.get("reviewer") or "").strip()


def say(kind: str, text: str) -> None:
    """Queue a message for the next run (callbacks run before the page is drawn)."""
    st.session_state.setdefault("messages", []).append((kind, text))


def show_messages() -> None:
    """Show and forget queued messages."""
    for kind, text in st.session_state.pop("messages", []):
        getattr(st, kind)(text)


def pick(label: str, options: list[str], key: str) -> str | None:
    """A selectbox with an "(all)" choice; returns None for all."""
    choice = st.selectbox(label, [ALL, *options], key=key)
    return None if choice in (None, ALL) else choice


def lab_filter(path: str, key: str) -> str | None:
    """Pick one lab (or all)."""
    return pick("Lab", data.labs(path), key)
