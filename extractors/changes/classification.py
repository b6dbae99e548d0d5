"""Commitment-level changes between two versions of one policy.

``diff_versions`` aligns the statements of the two versions (``alignment.align_texts``: by
wording, meaning when vectors are given, and section) and reports, for every statement that
carries an obligation on either side (``obligations.carries_obligation``: commitments, hedged
and recommended practice, embedded commitments, thresholds, definitions), whether it was added,
removed, reworded, strengthened or weakened, with a reason a policy analyst can read and the
dimensions that moved (``aspects``): "modality: 'will' -> 'aim to'", "effective compute
multiple: '4x' -> '6x' (weaker)", "condition added: 'unless a competitor ...'", "actor dropped:
'...'". A change that moves in both directions is weakened (the codebook's rule), with both
named. A wording change that moves no dimension is ``reworded``, never an alarm. Edits that
do not change wording -- reflow, renumbering, reordering, case, punctuation, whitespace, typo
fixes -- are not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labwatch.extractors.changes.alignment import (
    Alignment,
    align_texts,
    compare_text,
    is_noise_edit,
    merge_statements,
    strip_numbering,
)
from labwatch.extractors.changes.aspects import compare_aspects, modality_of
from labwatch.extractors.changes.details import detail_changes
from labwatch.extractors.changes.obligations import carries_obligation, obligation_label
from labwatch.extractors.changes.reasons import Reason
from labwatch.extractors.changes.wording import describe_wording, shared_content
from labwatch.extractors.exceptions import DiffInputError
from labwatch.extractors.records import Statement

CHANGES_VERSION = "changes-20"

ChangeKind = str  # "added" | "removed" | "reworded" | "strengthened" | "weakened"
# Aspects read from cues around the obligation rather than from the obligation itself.
WEAK_ASPECTS = frozenset({"scope", "hedge", "content"})


@dataclass(frozen=True, slots=True)
class Change:
    """One commitment-level change. ``old`` is None when added, ``new`` is None when removed.

    When a sentence was split or merged, the side with several statements is given as one
    Statement whose text joins them (at the first passage's position).
    """

    kind: ChangeKind
    reason: str
    old: Statement | None
    new: Statement | None
    criteria: tuple[str, ...]
    moved: tuple[Reason, ...] = ()  # the aspects that moved, each on one of DIMENSIONS

    @property
    def dimensions(self) -> dict[str, int]:
        """Each dimension that moved and its net direction (-1 weaker wins over +1: a dimension
        moved both ways is weaker); 0 when no reason gives a direction."""
        out: dict[str, int] = {}
        for r in self.moved:
            now = out.get(r.dimension)
            out[r.dimension] = r.direction if now is None else min(now, r.direction) if r.direction else now
        return out

    def as_dict(self) -> dict:
        """The contract's JSON shape: kind, reason, old/new text (None when absent), criteria;
        plus ``dimensions`` (dimension, direction, reason for each aspect that moved)."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "old": self.old.text if self.old is not None else None,
            "new": self.new.text if self.new is not None else None,
            "criteria": list(self.criteria),
            "dimensions": [{"dimension": r.dimension, "direction": r.direction, "reason": r.text} for r in self.moved],
        }


@dataclass(frozen=True, slots=True)
class Diff:
    """The changes of a diff, and the alignment they come from (indices into the inputs)."""

    changes: tuple[Change, ...]
    alignment: Alignment


def diff_statements(
    old: Sequence[Statement],
    new: Sequence[Statement],
    *,
    vectors_old: np.ndarray | None = None,
    vectors_new: np.ndarray | None = None,
    threshold: float | None = None,
) -> list[Change]:
    """The changes of ``diff_versions`` only."""
    return list(diff_versions(old, new, vectors_old=vectors_old, vectors_new=vectors_new, threshold=threshold).changes)


def diff_versions(
    old: Sequence[Statement],
    new: Sequence[Statement],
    *,
    vectors_old: np.ndarray | None = None,
    vectors_new: np.ndarray | None = None,
    threshold: float | None = None,
) -> Diff:
    """Changes from ``old`` to ``new``, in the reading order of ``new``, with the alignment.

    Only statements that carry an obligation on at least one side are reported; statements
    whose text is unchanged up to case, whitespace, punctuation, list or section numbering,
    hyphenation and typo-level edits are never reported, wherever they moved. Vectors are
    optional sentence embeddings (one row per statement; used only when both are given) that
    pair paraphrases; ``threshold`` is the alignment's (``align_texts``). Raises
    DiffInputError when vectors do not fit the statements.
    """
    _check_vectors(old, vectors_old, "vectors_old")
    _check_vectors(new, vectors_new, "vectors_new")
    both = vectors_old is not None and vectors_new is not None
    alignment = align_texts(
        [s.text for s in old],
        [s.text for s in new],
        vectors_old=vectors_old if both else None,
        vectors_new=vectors_new if both else None,
        sections_old=[_heading(s) for s in old],
        sections_new=[_heading(s) for s in new],
        threshold=threshold,
    )
    found: list[tuple[float, Change]] = []
    unchanged: set[tuple[int, int]] = set()
    for pair in alignment.pairs:
        change = None
        if not pair.exact:
            a = merge_statements([old[i] for i in pair.old])
            b = merge_statements([new[j] for j in pair.new])
            change = classify_pair(a, b, regrouped=len(pair.old) + len(pair.new) > 2)
        if change is not None and _status_only(change) and shared_content(a.text, b.text) < MIN_SHARED_FOR_STATUS:
            # paired by meaning, yet about other things, and only the commitment status moved:
            # two different statements, one gone and one new
            found += [(float(pair.new[0]), _one_sided("removed", a))] if carries_obligation(a) else []
            found += [(float(pair.new[0]), _one_sided("added", b))] if carries_obligation(b) else []
        elif change is not None:
            found.append((float(pair.new[0]), change))
        elif len(pair.old) == 1 and len(pair.new) == 1:
            unchanged.add((pair.old[0], pair.new[0]))
    details, taken_old, taken_new = detail_changes(old, new, alignment, unchanged)
    for at, a, b, reason in details:
        kind = "strengthened" if reason.direction > 0 else "weakened"
        found.append((at, Change(kind, reason.text, a, b, tuple(dict.fromkeys(a.criteria + b.criteria)), (reason,))))
    anchor = _anchors(alignment, len(old))
    found += [
        (anchor[i], _one_sided("removed", old[i]))
        for i in alignment.removed
        if i not in taken_old and carries_obligation(old[i])
    ]
    found += [
        (float(j), _one_sided("added", new[j]))
        for j in alignment.added
        if j not in taken_new and carries_obligation(new[j])
    ]
    found.sort(key=lambda item: item[0])
    return Diff(tuple(change for _, change in found), alignment)


def classify_pair(old: Statement, new: Statement, *, regrouped: bool = False) -> Change | None:
    """Kind and reason of the change from ``old`` to its counterpart ``new``, or None.

    None when neither carries an obligation or the wording is the same up to noise. Reasons
    that all point one way make it strengthened or weakened; reasons both ways make it
    weakened (both named); none make it reworded.
    """
    if not (carries_obligation(old) or carries_obligation(new)):
        return None
    # A list item is judged by its own words: a change of its lead-in is the lead-in's change.
    a, b = strip_numbering(old.text), strip_numbering(new.text)
    if is_noise_edit(a, b, regrouped=regrouped):
        return None
    found = compare_aspects(a, b, old.features, new.features)
    kind, mixed = decide_kind(found)
    reasons = [r.text for r in found]
    if mixed:
        reasons.insert(0, "mixed: stronger in part, weaker in part")
    if not found:
        reasons.append(describe_wording(a, b))
    criteria = tuple(dict.fromkeys(old.criteria + new.criteria))
    return Change(kind, "; ".join(reasons), old, new, criteria, tuple(found))


def decide_kind(found: Sequence[Reason]) -> tuple[ChangeKind, bool]:
    """The kind the reasons call for, and whether they point both ways.

    Reasons read from the obligation itself (modality, negation, numbers with a known sense,
    conditions, commitment status) decide first: any weaker one makes the change weakened
    (the codebook codes a change in both directions as weakened), else stronger ones make it
    strengthened. Only without them do the weaker cues (scope words, hedging adverbs, runs of
    words dropped or added) decide, and then only when they agree: cues that disagree inside
    a rewording are no evidence of a direction, so it stays reworded.
    """
    strong = {r.direction for r in found if r.direction and r.aspect not in WEAK_ASPECTS}
    weak = {r.direction for r in found if r.direction and r.aspect in WEAK_ASPECTS}
    if strong:
        return ("weakened" if -1 in strong else "strengthened"), len(strong | weak) > 1
    if len(weak) == 1:
        return ("weakened" if -1 in weak else "strengthened"), False
    return "reworded", len(weak) > 1


# --- helpers --------------------------------------------------------------------------

# A pair whose only direction is the commitment status ("a description became a commitment")
# must share at least this much of its content words to be one statement reworded.
MIN_SHARED_FOR_STATUS = 0.3


def _status_only(change: Change) -> bool:
    directed = [r for r in change.moved if r.direction]
    status = [r for r in change.moved if r.aspect == "status"]
    if not directed:  # a status change without a direction (a plain statement) counts too
        return bool(status) and all(r.aspect in ("status", "strength") for r in change.moved)
    return all(r.aspect in ("status", "strength") for r in directed)


def _one_sided(kind: ChangeKind, statement: Statement) -> Change:
    modality = modality_of(compare_text(statement), statement.features)
    what = obligation_label(statement) + (f" ('{modality}')" if modality not in ("none", "") else "")
    reason = f"new {what}" if kind == "added" else f"{what} no longer in the policy"
    old, new = (None, statement) if kind == "added" else (statement, None)
    return Change(kind, reason, old, new, tuple(dict.fromkeys(statement.criteria)))


def _anchors(alignment: Alignment, n_old: int) -> dict[int, float]:
    """Where each removed old statement sits in new reading order: after its predecessor."""
    new_of = {i: p.new[-1] for p in alignment.pairs for i in p.old}
    anchors: dict[int, float] = {}
    last = -1.0
    for i in range(n_old):
        if i in new_of:
            last = float(new_of[i])
        else:
            anchors[i] = last + 0.5
    return anchors


def _heading(statement: Statement) -> str:
    section = statement.passage.section
    return section[-1] if section else ""


def _check_vectors(statements: Sequence[Statement], vectors: np.ndarray | None, name: str) -> None:
    if vectors is None:
        return
    shape = getattr(vectors, "shape", None)
    if shape is None or len(shape) != 2 or shape[0] != len(statements):
        raise DiffInputError(
            f"{name} must be a 2-D array with one row per statement ({len(statements)} rows), got shape {shape}"
        )
