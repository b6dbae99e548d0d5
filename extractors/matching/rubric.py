"""Rubrics as data: load, validate and flatten a rubric YAML file.

A rubric file names its categories (with weights that add up to 1, except unscored ones such
as ``context``) and its criteria (weights within their category as "n/d" fractions or
numbers, an optional parent, a description, exemplar phrasings, regex cues and near-miss
negatives). Adding another rubric means adding another YAML file next to this one's
``rubrics/risk-assessment.yaml``; no code changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from labwatch.extractors.exceptions import RubricError

RUBRIC_DIR = Path(str(resources.files("labwatch.extractors.matching") / "rubrics"))
DEFAULT_RUBRIC = "risk-assessment"
_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Category:
    """A weighted group of criteria; ``scored`` is False for context-only categories."""

    id: str
    weight: float
    title: str = ""
    scored: bool = True


@dataclass(frozen=True, slots=True)
class Criterion:
    """One rubric item. ``weight`` is its share of its category (0..1)."""

    id: str
    category: str
    weight: float
    parent: str | None
    description: str
    exemplars: tuple[str, ...]
    cues: tuple[str, ...]
    negatives: tuple[str, ...] = ()
    scored: bool = True
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Rubric:
    """A versioned rubric: categories and criteria in file order."""

    id: str
    version: str
    categories: tuple[Category, ...]
    criteria: tuple[Criterion, ...]
    title: str = ""
    background: tuple[str, ...] = field(default=())
    source: str = ""

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id; KeyError naming the rubric if unknown."""
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(f"rubric {self.id} has no criterion {criterion_id!r}")

    def category(self, category_id: str) -> Category:
        """The category with this id; KeyError if unknown."""
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(f"rubric {self.id} has no category {category_id!r}")

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per criterion, ready for a table: rubric, criterion_id, category,
        category_weight, weight, parent, scored, description (plus rubric_version)."""
        rows = []
        for c in self.criteria:
            cat = self.category(c.category)
            rows.append(
                {
                    "rubric": self.id,
                    "rubric_version": self.version,
                    "criterion_id": c.id,
                    "category": c.category,
                    "category_weight": cat.weight,
                    "weight": c.weight,
                    "parent": c.parent,
                    "scored": c.scored,
                    "description": c.description,
                }
            )
        return rows


def list_rubrics() -> list[str]:
    """Names of the rubrics packaged with labwatch."""
    return sorted(p.stem for p in RUBRIC_DIR.glob("*.yaml"))


def load_rubric(path_or_name: str | Path = DEFAULT_RUBRIC) -> Rubric:
    """Load and validate a rubric by packaged name ("risk-assessment") or by file path.

    Raises RubricError naming the file and the problem when the file is absent or invalid.
    """
    path = Path(path_or_name)
    if not path.suffix and not path.exists():
        path = RUBRIC_DIR / f"{path_or_name}.yaml"
    if not path.is_file():
        known = ", ".join(list_rubrics())
        raise RubricError(f"{path_or_name}: no such rubric file (packaged rubrics: {known})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path.name}: not valid YAML ({exc})") from exc
    return parse_rubric(data, source=path.name)


def parse_rubric(data: Any, source: str = "<rubric>") -> Rubric:
    """Build a validated Rubric from the parsed YAML mapping; RubricError if invalid."""
    if not isinstance(data, dict):
        raise RubricError(f"{source}: expected a mapping with rubric, version, categories, criteria")
    for key in ("rubric", "version", "categories", "criteria"):
        if key not in data:
            raise RubricError(f"{source}: missing key {key!r}")
    categories = _parse_categories(data["categories"], source)
    by_cat = {c.id: c for c in categories}
    raw_criteria = data["criteria"]
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise RubricError(f"{source}: 'criteria' must be a non-empty list")
    criteria = tuple(_parse_criterion(item, i, by_cat, source) for i, item in enumerate(raw_criteria))
    rubric = Rubric(
        id=str(data["rubric"]),
        version=str(data["version"]),
        categories=categories,
        criteria=criteria,
        title=str(data.get("title", "")),
        background=_strings(data.get("background", []), f"{source}: background"),
        source=source,
    )
    _validate(rubric, source)
    return rubric


def _parse_categories(raw: Any, source: str) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        raise RubricError(f"{source}: 'categories' must be a non-empty list")
    out = []
    for item in raw:
        if not isinstance(item, dict) or "id" not in item:
            raise RubricError(f"{source}: each category needs an id (got {item!r})")
        scored = bool(item.get("scored", True))
        weight = _parse_weight(item.get("weight", 0), f"{source}: category {item['id']}") if scored else 0.0
        out.append(Category(id=str(item["id"]), weight=weight, title=str(item.get("title", "")), scored=scored))
    total = sum(c.weight for c in out if c.scored)
    if abs(total - 1) > _TOLERANCE:
        raise RubricError(f"{source}: category weights add up to {round(total, 6):g}, expected 1")
    return tuple(out)


def _parse_criterion(item: Any, index: int, categories: dict[str, Category], source: str) -> Criterion:
    if not isinstance(item, dict) or not item.get("id"):
        raise RubricError(f"{source}: criterion #{index + 1} has no id")
    cid = str(item["id"])
    where = f"{source}: criterion {cid}"
    category = str(item.get("category") or cid.split(".", 1)[0])
    if category not in categories:
        raise RubricError(f"{where} names unknown category {category}")
    description = str(item.get("description") or "").strip()
    if not description:
        raise RubricError(f"{where} has no description")
    exemplars = _strings(item.get("exemplars", []), f"{where}: exemplars")
    cues = _strings(item.get("cues", []), f"{where}: cues")
    for cue in cues:
        try:
            re.compile(cue)
        except re.error as exc:
            raise RubricError(f"{where} has an invalid cue regex {cue!r}: {exc}") from exc
    threshold = item.get("threshold")
    scored = categories[category].scored
    return Criterion(
        id=cid,
        category=category,
        weight=_parse_weight(item.get("weight", 0), where) if scored else 0.0,
        parent=str(item["parent"]) if item.get("parent") else None,
        description=description,
        exemplars=exemplars,
        cues=cues,
        negatives=_strings(item.get("negatives", []), f"{where}: negatives"),
        scored=scored,
        threshold=float(threshold) if threshold is not None else None,
    )


def _parse_weight(value: Any, where: str) -> float:
    try:
        weight = float(Fraction(str(value).replace(" ", "")))
    except (ValueError, ZeroDivisionError) as exc:
        raise RubricError(f"{where} has weight {value!r}, expected a number or a fraction like 6/26") from exc
    if not 0 <= weight <= 1:
        raise RubricError(f"{where} has weight {value!r}, expected between 0 and 1")
    return weight


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RubricError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _validate(rubric: Rubric, source: str) -> None:
    seen: set[str] = set()
    for c in rubric.criteria:
        if c.id in seen:
            raise RubricError(f"{source}: duplicate criterion id {c.id}")
        seen.add(c.id)
    for c in rubric.criteria:
        if c.parent is not None and c.parent not in seen:
            raise RubricError(f"{source}: criterion {c.id} names unknown parent {c.parent}")
        if c.parent == c.id:
            raise RubricError(f"{source}: criterion {c.id} is its own parent")
    for cat in rubric.categories:
        members = [c for c in rubric.criteria if c.category == cat.id]
        if not cat.scored or not members:
            continue
        total = sum(c.weight for c in members)
        if abs(total - 1) > _TOLERANCE:
            raise RubricError(
                f"{source}: criterion weights in category {cat.id} add up to {round(total, 6):g}, expected 1"
            )
