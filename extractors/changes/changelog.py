"""Announced or silent: link commitment changes to the change-log entries that mention them.

Labs often revise a commitment without saying so. When a new version carries its own account
of revisions (a section headed "Change log", "Revision history", "Summary of changes", ...) or
the registry links a change-log page, each entry of that account is compared with each detected
change; a change that no entry mentions is *silent*.

Matching is lexical and conservative: a change is linked to an entry only when the entry names
what changed -- a word or number that differs between the old and new wording (for an added or
removed commitment: its own words) -- and shares enough content words with the change overall.
Words every change log uses ("added", "updated", "policy", "section") and function words do not
count. A change whose statement itself sits in the change-log section is linked to itself: an
edit of the change log is, by definition, visible in the change log.

Pure code: no files, network or database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from labwatch.extractors.changes.classification import Change
from labwatch.extractors.records import Statement

# Headings that introduce a lab's own account of revisions. "Changes to this policy" is left
# out on purpose: it usually heads the governance rules for changing the policy, not a log.
_CHANGELOG_HEADING = re.compile(
    r"\b(?:change[\s-]?logs?|revision\s+(?:history|log|notes)|version\s+(?:history|log|notes)|"
    r"document\s+(?:history|revisions)|amendment\s+(?:history|log)|release\s+notes|"
    r"record\s+of\s+(?:changes|revisions|amendments)|updates\s+and\s+changes|changes\s+and\s+updates|"
    r"what(?:'s|\u2019s|\s+has|\s+have)?\s+changed|summary\s+of\s+(?:the\s+)?(?:key\s+)?"
    r"(?:changes|revisions|updates|amendments)|(?:key\s+|main\s+|notable\s+)?changes\s+"
    r"(?:in|since|from|made\s+in)\s+(?:this|the\s+(?:current|previous|last)|version|v?\d)|"
    r"changes\s+(?:made\s+)?to\s+(?:this\s+|the\s+)?(?:version|edition|revision|release))",
    re.IGNORECASE,
)
_MAX_HEADING_WORDS = 10  # a longer "heading" is a sentence that happens to mention changes

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100,
    "once": 1, "twice": 2, "quarterly": 3, "annually": 12, "annual": 12, "yearly": 12, "monthly": 1,
}  # fmt: skip
# Periodic words stand for a number of months, so "quarterly" meets "every three months".
_PERIODIC = {"quarterly", "annually", "annual", "yearly", "monthly"}

_STOPWORDS = frozenset(
    # function words
    "a an the of to in on for and or nor but with by at from as into onto over under about than then "
    "is are was were be been being has have had do does did it its this that these those there their "
    "they them we our us you your he she his her which who whom whose what when where while whether "
    "if so not no such any all each every some other others more most less least also only very "
    "will shall must may might should can could would "
    # the vocabulary of change logs themselves
    "add added adds adding remove removed removes removing delete deleted change changed changes "
    "changing update updated updates updating revise revised revision revisions amend amended "
    "amendment clarify clarified clarifies clarification edit edited edits minor replace replaced "
    "replaces move moved moves goes go going now new newly previous previously formerly instead "
    "rather longer version versions section sections policy policies document framework text "
    "wording language reflect reflects reflected include included includes including make made "
    "makes note noted describe described describes explain explained".split()
)
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


@dataclass(frozen=True, slots=True)
class _Terms:
    """Content terms of a text: stems of content words, and the numbers it names."""

    words: frozenset[str]
    numbers: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.words | self.numbers


def is_changelog_heading(heading: str) -> bool:
    """True when ``heading`` introduces a change log ("Change log", "Revision history", ...)."""
    text = heading.strip()
    return bool(text) and len(text.split()) <= _MAX_HEADING_WORDS and bool(_CHANGELOG_HEADING.search(text))


def in_changelog(statement: Statement) -> bool:
    """True when ``statement`` sits under a change-log heading or follows a change-log lead-in."""
    p = statement.passage
    return any(is_changelog_heading(h) for h in p.section) or bool(p.lead_in and is_changelog_heading(p.lead_in))


def changelog_entries(statements: Sequence[Statement]) -> list[str]:
    """Texts of the passages of one version that belong to its change log, in reading order.

    Entries are the passages (usually list items or table rows) under a change-log heading, or
    after a lead-in such as "Changes in this version:". Duplicates are kept once.
    """
    return list(dict.fromkeys(s.text for s in statements if in_changelog(s)))


def link_changes(changes: Sequence[Change], entries: Sequence[str]) -> list[tuple[Change, str | None]]:
    """Each change with the change-log entry that mentions it, or None when it is silent.

    When several entries qualify, the one with the strongest evidence wins (words and numbers
    that changed count double); ties go to the earlier entry. An entry may announce several
    changes ("Evaluation intervals and thresholds were revised" can name two).
    """
    prepared = [(entry, _terms(entry)) for entry in entries if entry and entry.strip()]
    linked: list[tuple[Change, str | None]] = []
    for change in changes:
        own = change.new if change.new is not None else change.old
        if own is not None and in_changelog(own):
            linked.append((change, own.text))
            continue
        best, best_score = None, 0.0
        for entry, terms in prepared:
            score = mention_score(change, terms)
            if score > best_score:
                best, best_score = entry, score
        linked.append((change, best))
    return linked


def mention_score(change: Change, entry: str | _Terms) -> float:
    """How strongly ``entry`` names ``change``: 0 when it does not, else a positive score.

    Required: the entry shares at least one changed word or changed number with the change (for
    an added or removed statement, any of its words), at least two content terms overall, and
    those shared terms make up a quarter or more of the entry's content terms.
    """
    e = entry if isinstance(entry, _Terms) else _terms(entry)
    if not e.all:
        return 0.0
    old = _terms(change.old.text) if change.old is not None else _Terms(frozenset(), frozenset())
    new = _terms(change.new.text) if change.new is not None else _Terms(frozenset(), frozenset())
    one_sided = change.old is None or change.new is None
    changed_words = (old.words | new.words) if one_sided else (old.words ^ new.words)
    changed_numbers = (old.numbers | new.numbers) if one_sided else (old.numbers ^ new.numbers)
    shared = (old.all | new.all) & e.all
    shared_changed = (changed_words & e.words) | (changed_numbers & e.numbers)
    coverage = len(shared) / len(e.all)
    if not shared_changed or len(shared) < 2 or coverage < 0.25:
        return 0.0
    if one_sided and (len(shared) < 3 or coverage < 0.4):
        return 0.0  # an added/removed statement has no "changed word" to anchor on: ask for more
    return 2.0 * len(shared_changed) + len(shared) + coverage


def _terms(text: str) -> _Terms:
    words, numbers = set(), set()
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'").replace("'s", "")):
        if token in _WORD_NUMBERS:
            numbers.add(str(_WORD_NUMBERS[token]))
            if token in _PERIODIC:
                words.add(_stem("months" if token != "monthly" else "month"))
            continue
        if token[0].isdigit():
            if not _YEAR.match(token):
                numbers.add(str(float(token)).removesuffix(".0"))
            continue
        if len(token) < 3 or token in _STOPWORDS:
            continue
        words.add(_stem(token))
    return _Terms(frozenset(words), frozenset(numbers))


def _stem(word: str) -> str:
    """A crude stem: plural dropped, then the first six letters ("evaluations", "evaluate" ->
    "evalua"). Crude on purpose: it must treat an entry's paraphrase and the policy alike."""
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:6]
