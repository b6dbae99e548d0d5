"""Scoring a commitment diff against human-traced commitments (``labwatch eval-changes``).

The measure is the one of ``../shared/eval/changes-dev/README.md``, so that figures from any
diff (labwatch's, a baseline's) are comparable:

- a change's side *covers* a unit's wording when the overlap coefficient of their word sets
  (lowercase ``[a-z0-9]+`` tokens; the intersection divided by the smaller set, counted as at
  least ``MIN_WORDS`` words) is at least ``COVER_OVERLAP`` and the side has at most
  ``3 x`` the unit's words ``+ 20`` (a whole section covers nothing);
- a change covers a unit when its old side covers the unit's old wording and its new side the
  new wording (a side the trace marks absent is skipped);
- only *alarmed* changes count (added, removed, weakened, strengthened; ``reworded`` says that
  no alarm is due).

Figures: material found (material units covered by an alarmed change), direction right (of
those, units whose best-covering alarmed change has the coded kind), retained alarmed
(retained units covered by an alarmed change). Each comes per pair and pooled, with a
bootstrap 95% interval over units, and broken down by outcome and category.

Pure code: traces and changes come in as records, figures go out as plain dicts.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from labwatch.extractors.exceptions import DiffInputError

COVER_OVERLAP = 0.6
MIN_WORDS = 6
LENGTH_FACTOR = 3
LENGTH_SLACK = 20
ALARMS = frozenset({"added", "removed", "weakened", "strengthened"})
# The coded outcome -> the kinds that call it right ("L": moved to a companion document or a
# non-binding section, which is material and counts as removed or weakened).
EXPECTED_KINDS = {
    "W": frozenset({"weakened"}),
    "S": frozenset({"strengthened"}),
    "A": frozenset({"added"}),
    "X": frozenset({"removed"}),
    "L": frozenset({"removed", "weakened"}),
}
OUTCOMES = ("R", *EXPECTED_KINDS)
_ABSENT = frozenset({"", "none", "(none)", "n/a", "null"})
_WORD = re.compile(r"[a-z0-9]+")
_REQUIRED = ("pair_id", "commitment_id", "v_i_text", "v_next_text", "outcome")


class TraceError(DiffInputError):
    """A trace row that cannot be scored (missing field, unknown outcome)."""


@dataclass(frozen=True, slots=True)
class TracedUnit:
    """One commitment traced by coders across a revision pair. ``old``/``new`` is None when absent."""

    pair_id: str
    unit_id: str
    outcome: str  # R S W X A L
    old: str | None
    new: str | None
    category: str = ""
    v_i: str = ""
    v_next: str = ""

    @property
    def material(self) -> bool:
        return self.outcome != "R"


@dataclass(frozen=True, slots=True)
class ListedChange:
    """A change as a diff lists it: kind and the wording of each side (None when absent)."""

    kind: str
    old: str | None
    new: str | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class UnitResult:
    """How one traced unit fared: the alarmed changes covering it, best first."""

    unit: TracedUnit
    covering: tuple[int, ...]  # indices into the pair's changes, best overlap first
    best_kind: str | None

    @property
    def found(self) -> bool:
        return bool(self.covering)

    @property
    def right(self) -> bool:
        """The best-covering alarmed change has the coded kind (only meaningful when found)."""
        return self.best_kind in EXPECTED_KINDS.get(self.unit.outcome, frozenset())


@dataclass(frozen=True, slots=True)
class PairResult:
    """One revision pair scored: per unit, and the changes that cover no traced unit."""

    pair_id: str
    units: tuple[UnitResult, ...]
    changes: tuple[ListedChange, ...]
    uncovered: tuple[int, ...] = field(default=())  # alarmed changes covering no unit at all


def read_traces(rows: Iterable[Mapping], source: str = "traces") -> list[TracedUnit]:
    """Traced units from parsed JSONL rows; raises TraceError naming the row and what is wrong."""
    units = []
    for n, row in enumerate(rows, 1):
        missing = [k for k in _REQUIRED if k not in row]
        if missing:
            raise TraceError(f"{source}:{n}: missing {', '.join(missing)}")
        outcome = str(row["outcome"]).strip().upper()
        if outcome not in OUTCOMES:
            raise TraceError(f"{source}:{n}: outcome {row['outcome']!r} is not one of {', '.join(OUTCOMES)}")
        old, new = _present(row["v_i_text"]), _present(row["v_next_text"])
        if old is None and new is None:
            raise TraceError(f"{source}:{n}: both v_i_text and v_next_text are absent")
        units.append(
            TracedUnit(
                pair_id=str(row["pair_id"]),
                unit_id=str(row["commitment_id"]),
                outcome=outcome,
                old=old,
                new=new,
                category=str(row.get("category") or ""),
                v_i=str(row.get("v_i") or ""),
                v_next=str(row.get("v_next") or ""),
            )
        )
    return units


def _present(text) -> str | None:
    if text is None or str(text).strip().lower() in _ABSENT:
        return None
    return str(text)


def words(text: str) -> list[str]:
    """The measure's tokens: lowercase runs of ``[a-z0-9]``."""
    return _WORD.findall(text.lower())


def side_overlap(side: str | None, unit: str) -> float | None:
    """Overlap of a change side with a unit's wording when the side covers it, else None."""
    if side is None:
        return None
    side_words, unit_words = words(side), words(unit)
    if len(side_words) > LENGTH_FACTOR * len(unit_words) + LENGTH_SLACK:
        return None
    a, b = set(side_words), set(unit_words)
    if not a or not b:
        return None
    score = len(a & b) / max(min(len(a), len(b)), MIN_WORDS)
    return score if score >= COVER_OVERLAP else None


def change_overlap(change: ListedChange, unit: TracedUnit) -> float | None:
    """Mean overlap of the sides a unit has, when the change covers the unit; else None."""
    scores = []
    for side, text in ((change.old, unit.old), (change.new, unit.new)):
        if text is None:
            continue
        s = side_overlap(side, text)
        if s is None:
            return None
        scores.append(s)
    return sum(scores) / len(scores)


def score_pair(pair_id: str, units: Sequence[TracedUnit], changes: Sequence[ListedChange]) -> PairResult:
    """Which alarmed changes cover which traced units of one pair."""
    alarmed = [k for k, c in enumerate(changes) if c.kind in ALARMS]
    results = []
    touched: set[int] = set()
    for unit in units:
        hits = [(s, k) for k in alarmed if (s := change_overlap(changes[k], unit)) is not None]
        hits.sort(key=lambda h: (-h[0], h[1]))
        touched.update(k for _, k in hits)
        covering = tuple(k for _, k in hits)
        results.append(UnitResult(unit, covering, changes[covering[0]].kind if covering else None))
    uncovered = tuple(k for k in alarmed if k not in touched)
    return PairResult(pair_id, tuple(results), tuple(changes), uncovered)


# --- figures ----------------------------------------------------------------------------


def figures(results: Sequence[UnitResult]) -> dict:
    """The three figures (None where a denominator is empty) with their counts."""
    material = [r for r in results if r.unit.material]
    found = [r for r in material if r.found]
    retained = [r for r in results if not r.unit.material]
    alarmed = [r for r in retained if r.found]
    weakened = [r for r in material if r.unit.outcome == "W"]
    return {
        "material": len(material),
        "material_found": _share(len(found), len(material)),
        "found": len(found),
        "direction_right": _share(sum(r.right for r in found), len(found)),
        "right": sum(r.right for r in found),
        "retained": len(retained),
        "retained_alarmed": _share(len(alarmed), len(retained)),
        "alarmed": len(alarmed),
        "weakened_found": _share(sum(r.found for r in weakened), len(weakened)),
    }


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


_FIGURES = ("material_found", "direction_right", "retained_alarmed", "weakened_found")


def bootstrap(
    groups: Sequence[Sequence[UnitResult]], *, n: int = 2000, seed: int = 0, level: float = 0.95
) -> dict[str, tuple[float, float] | None]:
    """Percentile intervals of each figure, resampling units with replacement within each group
    (a pair keeps its size, so the pooled interval keeps the pairs' mix)."""
    rng = random.Random(seed)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(n):
        drawn = [r for g in groups if g for r in rng.choices(g, k=len(g))]
        for name, value in figures(drawn).items():
            if name in _FIGURES and value is not None:
                samples[name].append(value)
    out: dict[str, tuple[float, float] | None] = {}
    for name in _FIGURES:
        values = sorted(samples.get(name, ()))
        if not values:
            out[name] = None
            continue
        lo = values[int((1 - level) / 2 * (len(values) - 1))]
        hi = values[int((1 + level) / 2 * (len(values) - 1))]
        out[name] = (lo, hi)
    return out


def breakdown(results: Sequence[UnitResult], key: Callable[[TracedUnit], str]) -> dict[str, dict]:
    """Units, found and right per value of ``key`` (outcome, category)."""
    by: dict[str, list[UnitResult]] = defaultdict(list)
    for r in results:
        by[key(r.unit)].append(r)
    out = {}
    for name in sorted(by):
        rs = by[name]
        found = [r for r in rs if r.found]
        out[name] = {
            "units": len(rs),
            "material": sum(r.unit.material for r in rs),
            "covered": len(found),
            "right": sum(r.right for r in found if r.unit.material),
        }
    return out


def summarise(pairs: Sequence[PairResult], *, n_boot: int = 2000, seed: int = 0) -> dict:
    """Per pair and pooled figures with bootstrap intervals, breakdowns, and change counts."""
    doc: dict = {"pairs": {}, "pooled": {}}
    for p in pairs:
        f = figures(p.units)
        f["ci"] = bootstrap([p.units], n=n_boot, seed=seed)
        f["changes_listed"] = len(p.changes)
        f["changes_alarmed"] = sum(c.kind in ALARMS for c in p.changes)
        f["alarmed_covering_no_unit"] = len(p.uncovered)
        doc["pairs"][p.pair_id] = f
    every = [r for p in pairs for r in p.units]
    pooled = figures(every)
    pooled["ci"] = bootstrap([p.units for p in pairs], n=n_boot, seed=seed)
    pooled["changes_listed"] = sum(len(p.changes) for p in pairs)
    pooled["changes_alarmed"] = sum(c.kind in ALARMS for p in pairs for c in p.changes)
    pooled["alarmed_covering_no_unit"] = sum(len(p.uncovered) for p in pairs)
    doc["pooled"] = pooled
    doc["by_outcome"] = breakdown(every, lambda u: u.outcome)
    doc["by_category"] = breakdown(every, lambda u: u.category or "?")
    doc["errors"] = error_classes(pairs)
    return doc


def error_classes(pairs: Sequence[PairResult]) -> list[dict]:
    """Every unit the diff got wrong, by id and class (no texts): missed, wrong direction
    (with the kind given), or a retained unit alarmed."""
    out = []
    for p in pairs:
        for r in p.units:
            u = r.unit
            if u.material and not r.found:
                out.append({"id": u.unit_id, "outcome": u.outcome, "class": "missed"})
            elif u.material and not r.right:
                out.append({"id": u.unit_id, "outcome": u.outcome, "class": "direction", "got": r.best_kind})
            elif not u.material and r.found:
                out.append({"id": u.unit_id, "outcome": u.outcome, "class": "retained alarmed", "got": r.best_kind})
    return out


# --- the pairing itself --------------------------------------------------------------------


def pairing_quality(units: Sequence[TracedUnit], pairs: Sequence[tuple[str, str]]) -> dict:
    """Precision and recall of an alignment's pairs against the traced units.

    ``pairs`` are (old text, new text) of every pair the alignment made (unchanged ones too).
    Recall: units with both wordings whose wordings one pair covers. Precision: of the pairs
    whose old side covers some unit's old wording, those whose new side covers that unit's new
    wording, or whose new side covers an added unit's wording (pairing a removed unit's wording
    with anything is wrong; so is pairing anything with an added unit's wording).
    """
    two_sided = [u for u in units if u.old is not None and u.new is not None]
    recalled = sum(
        any(side_overlap(a, u.old) is not None and side_overlap(b, u.new) is not None for a, b in pairs)
        for u in two_sided
    )
    judged = right = 0
    for a, b in pairs:
        by_old = [u for u in units if u.old is not None and side_overlap(a, u.old) is not None]
        by_new = [u for u in units if u.old is None and side_overlap(b, u.new) is not None]
        if not by_old and not by_new:
            continue
        judged += 1
        right += any(u.new is not None and side_overlap(b, u.new) is not None for u in by_old)
    return {
        "two_sided_units": len(two_sided),
        "recall": _share(recalled, len(two_sided)),
        "pairs_judged": judged,
        "precision": _share(right, judged),
    }
