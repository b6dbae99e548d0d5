"""Detail a revision adds to or drops from a commitment that stays.

A policy often keeps a commitment word for word and, in the same paragraph, adds a sentence
that spells out what it consists of ("We protect model weights against theft. *Practices
include encrypted storage and two-person access.*"), or drops one. On
its own such a sentence states no obligation (no modal, not the lab as subject), so it would
go unreported; read with the commitment it follows, it makes that commitment more specific
(added: strengthened) or less (dropped: weakened), which is how the codebook weighs it.

A sentence counts as detail when it opens by naming the parts of what came before ("Practices
include", "These measures consist of", "This involves", "Specifically, ...") and sits in the
same paragraph right after an obligation-bearing statement that both versions share unchanged.
Examples ("for example", "such as") illustrate and are left alone, as in ``wording``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from labwatch.extractors.changes.alignment import Alignment, merge_statements
from labwatch.extractors.changes.obligations import carries_obligation
from labwatch.extractors.changes.reasons import Reason, clip
from labwatch.extractors.changes.wording import dimension_of
from labwatch.extractors.records import Statement

_DETAIL = re.compile(
    r"^\W*(?:(?:specifically|in particular|concretely),"
    r"|(?:(?:these|such|our|its|the|this|that)\s+)?(?:\w+\s+)?"
    r"(?:practices|measures|safeguards|mitigations|controls|steps|procedures|processes|protections|"
    r"actions|requirements|commitments|this|these|they|it)\s+"
    r"(?:include|includes|including|consist|consists|comprise|comprises|involve|involves|entail|entails|cover|covers)\b)",
    re.IGNORECASE,
)
# Passages whose offsets are this close sit in one paragraph (a space or a wrapped line's newline
# between them); a blank line or a heading puts more between them.
_SAME_PARAGRAPH_GAP = 1


def is_detail(statement: Statement) -> bool:
    """True when ``statement`` opens by naming the parts of what precedes it."""
    return bool(_DETAIL.match(statement.text)) and not carries_obligation(statement)


def detail_changes(
    old: Sequence[Statement], new: Sequence[Statement], alignment: Alignment, unchanged: set[tuple[int, int]]
) -> tuple[list[tuple[float, Statement, Statement, Reason]], set[int], set[int]]:
    """Detail sentences added or dropped right after an unchanged obligation.

    ``unchanged`` holds the (old index, new index) of one-to-one pairs that report no change.
    Returns (position in the new version's order, old side, new side, reason) for each, and
    the old and new indices they take in (then not reported as removed or added on their own).
    """
    new_of = dict(unchanged)
    old_of = {j: i for i, j in unchanged}
    found: list[tuple[float, Statement, Statement, Reason]] = []
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for j in alignment.added:
        anchor = old_of.get(j - 1)
        if anchor is None or not _follows(new, j) or not is_detail(new[j]) or not carries_obligation(new[j - 1]):
            continue
        text = clip(new[j].text)
        reason = Reason("content", 1, f"detail added: '{text}'", dimension_of(new[j].text))
        found.append((float(j - 1), old[anchor], merge_statements([new[j - 1], new[j]]), reason))
        taken_new.add(j)
    for i in alignment.removed:
        anchor = new_of.get(i - 1)
        if anchor is None or not _follows(old, i) or not is_detail(old[i]) or not carries_obligation(old[i - 1]):
            continue
        text = clip(old[i].text)
        reason = Reason("content", -1, f"detail dropped: '{text}'", dimension_of(old[i].text))
        found.append((float(anchor), merge_statements([old[i - 1], old[i]]), new[anchor], reason))
        taken_old.add(i)
    return found, taken_old, taken_new


def _follows(statements: Sequence[Statement], k: int) -> bool:
    """True when statement ``k`` runs on in the paragraph of statement ``k - 1``."""
    if k == 0:
        return False
    a, b = statements[k - 1].passage, statements[k].passage
    if a.section != b.section or a.kind != "sentence" or b.kind != "sentence":
        return False
    return 0 <= b.start - a.end <= _SAME_PARAGRAPH_GAP
