"""Announced or silent: change-log entries found in a version, and changes linked to them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labwatch.extractors.changes.changelog import (
    changelog_entries,
    in_changelog,
    is_changelog_heading,
    link_changes,
    mention_score,
)
from labwatch.extractors.changes.classification import Change, diff_statements
from labwatch.extractors.records import Features, Passage, Statement

TITLE = "Aurora Labs Frontier Safety Policy"


def statement(
    seq: int,
    text: str,
    section: str = "Evaluations",
    *,
    modality: str | None = "will",
    lead_in: str | None = None,
    kind: str = "sentence",
) -> Statement:
    firm = modality in ("will", "must", "present tense")
    features = Features(
        is_commitment=modality is not None and firm,
        strength="firm" if firm else ("hedged" if modality else "none"),
        category="commitment" if firm else ("hedge" if modality else "description"),
        modality=modality,
    )
    return Statement(Passage(seq=seq, text=text, kind=kind, section=(TITLE, section), lead_in=lead_in), features)


V1 = [
    statement(0, "We will evaluate every frontier model for cyber offence capabilities before deployment."),
    statement(1, "We will repeat these evaluations at least every three months while a model is deployed."),
    statement(
        2,
        "We will give at least two external evaluators access to each frontier model before release.",
        "External access",
    ),
    statement(3, "Our board approves every change to this policy.", "Transparency", modality="present tense"),
    statement(4, "We will publish a summary of each risk assessment within 30 days of completing it.", "Transparency"),
]
ENTRIES = [
    "Deployed models are now re-evaluated every six months rather than every three months.",
    "Pre-release access now goes to one external evaluator instead of two.",
    "Corrected typos and tidied the formatting of several headings.",
]
V2 = [
    V1[0],
    statement(1, "We will repeat these evaluations every six months while a model is deployed."),
    statement(
        2,
        "We will give at least one external evaluator access to each frontier model before release.",
        "External access",
    ),
    V1[3],
    statement(
        4,
        "We may publish a summary of each risk assessment within 90 days of completing it.",
        "Transparency",
        modality="may",
    ),
] + [statement(5 + i, e, "Changes in this version", modality=None, kind="list_item") for i, e in enumerate(ENTRIES)]


@pytest.mark.parametrize(
    "heading",
    [
        "Change log",
        "Changelog",
        "CHANGELOG",
        "Revision history",
        "Version history",
        "Updates and changes",
        "What changed",
        "What's changed",
        "Summary of changes",
        "Changes in this version",
        "Appendix C: Change log",
        "7. Revision History",
        "Changes since version 2.0",
        "Key changes from the previous version",
    ],
)
def test_change_log_headings_are_recognised(heading):
    assert is_changelog_heading(heading)


@pytest.mark.parametrize(
    "heading",
    [
        "Governance",
        "Evaluations",
        "Changes to this policy",
        "Capability thresholds",
        "",
        "We will describe what changed in each version of this policy in a public note on our website",
    ],
)
def test_other_headings_are_not_change_logs(heading):
    assert not is_changelog_heading(heading)


def test_entries_are_the_passages_under_the_change_log_heading_in_order():
    assert changelog_entries(V2) == ENTRIES
    assert changelog_entries(V1) == []


def test_a_lead_in_can_open_a_change_log_inside_another_section():
    items = [
        statement(0, "Our board approves every change to this policy.", "Governance", modality="present tense"),
        statement(
            1,
            "The review interval moved from twelve to six months.",
            "Governance",
            modality=None,
            lead_in="Summary of changes:",
            kind="list_item",
        ),
    ]
    assert changelog_entries(items) == ["The review interval moved from twelve to six months."]
    assert in_changelog(items[1]) and not in_changelog(items[0])


def test_two_announced_changes_are_linked_and_the_third_is_silent():
    changes = [c for c in diff_statements(V1, V2) if not in_changelog(c.new or c.old)]
    assert len(changes) == 3
    linked = dict((c.new.text.split()[2], entry) for c, entry in link_changes(changes, changelog_entries(V2)))
    assert linked["repeat"] == ENTRIES[0]
    assert linked["give"] == ENTRIES[1]
    assert linked["publish"] is None  # "within 30 days" -> "may ... within 90 days": nobody said so


def test_changes_inside_the_change_log_are_announced_by_themselves():
    added = Change(
        "added",
        "new firm commitment ('will')",
        None,
        statement(9, "We will now publish red-team results.", "Change log"),
        (),
    )
    [(change, entry)] = link_changes([added], [])
    assert change is added and entry == "We will now publish red-team results."


def test_vague_entries_do_not_announce_a_specific_change():
    change = diff_statements(V1, V2)[0]  # the evaluation interval
    vague = [
        "Updated the evaluations section.",
        "Minor edits throughout the policy.",
        "We revised several commitments in this version.",
    ]
    assert [entry for _, entry in link_changes([change], vague)] == [None]


def test_a_shared_topic_without_the_changed_detail_is_not_enough():
    interval = diff_statements(V1, V2)[0]
    # about the same evaluations, but says nothing about the interval that changed
    assert mention_score(interval, "Evaluations of deployed models now cover cyber offence capabilities.") == 0


def test_a_change_log_page_entry_announces_an_added_commitment():
    new = statement(7, "We will give external evaluators access to base models before deployment.", "External access")
    added = Change("added", "new firm commitment ('will')", None, new, ())
    page = [
        "Fixed broken links in the appendix.",
        "Added a commitment to give external evaluators access to base models.",
    ]
    assert link_changes([added], page) == [(added, page[1])]
    # an entry about another topic that shares only generic words does not
    assert link_changes([added], ["Added a commitment to publish model cards."]) == [(added, None)]


def test_quarterly_in_an_entry_matches_every_three_months_in_the_policy():
    old = statement(0, "We will repeat these evaluations every year.")
    new = statement(0, "We will repeat these evaluations at least every three months.")
    change = Change("strengthened", "interval", old, new, ())
    assert link_changes([change], ["Evaluations are now repeated quarterly."]) == [
        (change, "Evaluations are now repeated quarterly.")
    ]


def test_the_best_entry_wins_and_one_entry_may_announce_two_changes():
    changes = [c for c in diff_statements(V1, V2) if not in_changelog(c.new or c.old)][:2]
    entries = ["Evaluators: one external evaluator instead of two; re-evaluation every six months instead of three."]
    assert [e for _, e in link_changes(changes, entries)] == entries * 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=80), max_size=5))
def test_linking_never_invents_an_entry(entries):
    changes = diff_statements(V1, V2)
    linked = link_changes(changes, entries)
    assert [c for c, _ in linked] == changes
    for change, entry in linked:
        own = (change.new or change.old).text
        assert entry is None or entry in entries or entry == own
