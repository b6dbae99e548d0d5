"""The record every reader of a revision returns: one aspect that moved, on one dimension.

``aspects``, ``thresholds`` and ``wording`` each compare an old and a new wording and return
``Reason`` records; ``clip`` shortens the words a reason quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS = ("scope", "threshold", "actor", "strength", "disclosure", "consequence")


@dataclass(frozen=True, slots=True)
class Reason:
    """One aspect of a change: +1 stronger, -1 weaker, 0 direction unknown."""

    aspect: str
    direction: int
    text: str
    dimension: str = "strength"  # one of DIMENSIONS


def clip(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters (ending '...') for quoting in a reason."""
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."
