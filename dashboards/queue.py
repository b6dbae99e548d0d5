"""The review queue's choices, as plain functions: in which order suggestions come, which of them
can move a score, what a decision on one would do to its lab's score, and which criterion a
reviewer most likely means when the suggested one is wrong."""

from __future__ import annotations

# label shown -> (review_queue order, what the order means)
ORDERS = {
    "Best first": ("score", "highest match score first, as `labwatch review list`"),
    "Most informative first": ("useful", "uncertain suggestions for heavily weighted criteria first"),
    "Document order": ("document", "passages in the order they stand in each document"),
}
DEFAULT_ORDER = "Best first"

SCOPES = {
    "All criteria": None,
    "Scored (a decision can move a score)": True,
    "Unscored or weight 0 (context)": False,
}


def can_score(criterion: dict | None) -> bool:
    """Whether credit for ``criterion`` can ever add points: scored, with a positive weight in a
    positively weighted category."""
    if not criterion:
        return False
    weight = (criterion.get("weight") or 0) * (criterion.get("category_weight") or 0)
    return bool(criterion.get("scored")) and weight > 0


def in_scope(item: dict, criteria: dict[str, dict], scope: bool | None) -> bool:
    """Whether a queue item passes the scored / unscored filter (None: every item)."""
    return scope is None or can_score(criteria.get(item["criterion_id"])) == scope


def score_effect(item: dict, criterion: dict | None, lab_credits: dict[str, dict]) -> tuple[bool, str]:
    """Whether confirming ``item`` (full credit) would move its lab's score now, and a sentence
    saying by how much or why not. ``lab_credits`` maps criterion ids to the lab's current
    ``credit``/``raw_credit`` (from the scores query)."""
    cid, lab = item["criterion_id"], item["lab"]
    if not criterion:
        return False, f"Does not move a score: {cid} is not in the stored rubric."
    if not criterion.get("scored"):
        return (
            False,
            "Does not move a score: an unscored criterion (context for reviewers); the decision is still kept.",
        )
    if not can_score(criterion):
        return False, "Does not move a score: its weight in the rubric is 0; the decision is still kept."
    parent = criterion.get("parent")
    if parent and (lab_credits.get(parent) or {}).get("raw_credit", 0) <= 0:
        return (
            False,
            f"Does not move a score yet: {cid} counts once its parent {parent} has confirmed credit for {lab}.",
        )
    have = (lab_credits.get(cid) or {}).get("raw_credit", 0) or 0
    if have >= 1:
        return False, f"Does not move the score: {lab} already has full credit for {cid}."
    points = 100 * criterion["weight"] * criterion["category_weight"] * (1 - have)
    return True, f"Moves a score: confirming adds up to {points:.1f} points to {lab}."


def next_best(item: dict, alternatives: list[dict], criteria: list[str]) -> str | None:
    """The criterion to offer for "confirm for another criterion": the card's own ``next_best``
    when the matcher put one there, else the best-scoring other candidate of the same passage
    that is in the rubric; None when there is none (the reviewer then picks one)."""
    known = set(criteria) - {item["criterion_id"]}
    offered = item.get("next_best")
    if isinstance(offered, list):
        offered = next((o if isinstance(o, str) else o.get("criterion_id") for o in offered), None)
    if offered in known:
        return offered
    return next((a["criterion_id"] for a in alternatives if a["criterion_id"] in known), None)
