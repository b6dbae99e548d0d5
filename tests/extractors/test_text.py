"""Plain text and markdown -> blocks: headings, paragraphs, lists with lead-ins, tables."""

from __future__ import annotations

import pytest

from labwatch.extractors.exceptions import EmptyDocument, UnsupportedFormat
from labwatch.extractors.parsing.formats import parse_document
from labwatch.extractors.parsing.lines import join_hyphenated, rejoin_lines

POLICY_MD = """# Northwind Safety Framework

INTRODUCTION

Northwind Labs builds general-purpose models. This framework explains how
we decide whether a model is safe to train further and safe to release.

3. Governance

3.1 Reviews

The board reviews this framework every year. Before each release we will:
- run evaluations for autonomous replication;
- publish a summary of the results
  within thirty days of release;
* give external evaluators access to the model.

Incident Reporting

Staff can report concerns to the board without
revealing their names. Reports are answered
within two weeks.

Our teams must meet these obligations:
(a) record every red-team finding;
b) keep evaluation logs for five years.
1. Escalate high-risk findings at once.
2. Notify partners when a threshold is crossed.

| Tier | Response |
|---|---|
| One | Pause training |
"""


@pytest.fixture(scope="module")
def doc():
    return parse_document(POLICY_MD.encode(), source="framework.md")


def _block(doc, fragment):
    return next(b for b in doc.blocks if fragment in b.text)


def test_headings_become_section_paths(doc):
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings == [
        "Northwind Safety Framework",
        "INTRODUCTION",
        "3. Governance",
        "3.1 Reviews",
        "Incident Reporting",
    ]
    assert _block(doc, "general-purpose models").section == ("Northwind Safety Framework", "INTRODUCTION")
    assert _block(doc, "reviews this framework").section == ("3. Governance", "3.1 Reviews")
    assert _block(doc, "Staff can report").section[-1] == "Incident Reporting"
    assert doc.title == "Northwind Safety Framework"


def test_paragraph_lines_are_rejoined(doc):
    para = _block(doc, "Staff can report")
    assert para.kind == "paragraph"
    assert para.text == (
        "Staff can report concerns to the board without revealing their names. Reports are answered within two weeks."
    )


def test_list_items_carry_the_lead_in(doc):
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.text for b in items[:3]] == [
        "run evaluations for autonomous replication;",
        "publish a summary of the results within thirty days of release;",
        "give external evaluators access to the model.",
    ]
    assert {b.lead_in for b in items[:3]} == {"Before each release we will:"}
    later = [b for b in items if "red-team" in b.text or "Escalate" in b.text or "Notify" in b.text]
    assert len(later) == 3
    assert {b.lead_in for b in later} == {"Our teams must meet these obligations:"}
    assert _block(doc, "evaluation logs").kind == "list_item"


def test_markdown_table_rows(doc):
    rows = [b.text for b in doc.blocks if b.kind == "table_row"]
    assert rows == ["Tier | Response", "One | Pause training"]


def test_offsets_point_into_text(doc):
    for b in doc.blocks:
        assert doc.text[b.start : b.end] == b.text


def test_number_at_line_start_mid_sentence_is_not_a_list_item():
    text = "The board must approve changes listed in clause\n12. It meets every quarter to do so.\n"
    doc = parse_document(text.encode(), source="clause.txt")
    assert [b.kind for b in doc.blocks] == ["paragraph"]
    assert "clause 12. It meets" in doc.text


def test_hyphenation_rejoined_with_document_evidence():
    vocab = {"commitment", "third-party"}
    assert rejoin_lines(["our commit-", "ment to safety"], vocab) == "our commitment to safety"
    assert rejoin_lines(["a third-", "party audit"], vocab) == "a third-party audit"
    assert join_hyphenated("evalu", "ation", set()) == "evaluation"
    assert join_hyphenated("self", "reporting", set()) == "self-reporting"
    assert rejoin_lines(["inter\u00ad", "national"]) == "international"


def test_latin1_text_without_declared_encoding():
    data = "Our office in Z\u00fcrich reviews the caf\u00e9 policy.\n".encode("latin-1")
    doc = parse_document(data, source="notes.txt")
    assert "Z\u00fcrich" in doc.text and "caf\u00e9" in doc.text


def test_binary_in_txt_is_unsupported():
    junk = bytes(range(256)) * 20
    with pytest.raises(UnsupportedFormat) as err:
        parse_document(junk, source="notes.txt")
    assert str(err.value).startswith("notes.txt: ")


@pytest.mark.parametrize("data", [b"", b"   \n\n \t"])
def test_empty_text_is_named(data):
    with pytest.raises(EmptyDocument, match=r"^empty\.txt: "):
        parse_document(data, source="empty.txt")


def test_nested_text_list_lead_ins():
    text = "We will:\n- evaluate every model;\n- publish results:\n  - within 30 days;\n  - in full;\n- keep logs.\n"
    doc = parse_document(text.encode(), source="nested.txt")
    assert [(b.text, b.lead_in) for b in doc.blocks if b.kind == "list_item"] == [
        ("evaluate every model;", "We will:"),
        ("publish results:", "We will:"),
        ("within 30 days;", "publish results:"),
        ("in full;", "publish results:"),
        ("keep logs.", "We will:"),
    ]


def test_numbered_line_that_wraps_is_a_list_item_not_a_heading():
    doc = parse_document(b"1. We will publish\nreports every quarter.\n", source="wrap.txt")
    assert [(b.kind, b.text) for b in doc.blocks] == [("list_item", "We will publish reports every quarter.")]


def test_a_numbered_clause_wrapped_under_a_hanging_indent_is_one_passage():
    # the continuation starts with a capitalised defined term, so only the indent and the
    # line width show that the clause goes on
    text = (
        "4.2 The evaluations required by clause 4.1 shall be finished at least ten\n"
        "    Working Days before the planned launch of any Covered Model to the public.\n"
        "\n"
        "5. Security\n"
        "    The Lab keeps model weights in encrypted storage at all times, as follows.\n"
    )
    doc = parse_document(text.encode(), source="clauses.txt")
    kinds = [(b.kind, b.text[:40]) for b in doc.blocks]
    assert kinds[0][0] != "heading" and "ten Working Days before the planned launch" in doc.blocks[0].text, kinds
    # a short numbered heading over an indented body stays a heading
    assert ("heading", "5. Security") in kinds, kinds


PAGED = """# Harbor Labs Frontier Policy

[[page 1]]

Harbor Labs Policy

We will evaluate every frontier model before it is deployed, and we will share a summary of
the results with the

1

[[page 2]]

Harbor Labs Policy

government agencies that oversee our work. The board reviews this policy every year.

2

[[page 3]]

Harbor Labs Policy

## Security

We protect model weights with access controls.

3
"""


def test_page_markers_give_pages_drop_furniture_and_rejoin_a_cut_paragraph():
    doc = parse_document(PAGED.encode(), source="harbor.txt", kind="text")
    texts = [b.text for b in doc.blocks]
    # the sentence cut by the page break is one paragraph again, on the page where it starts
    cut = [b for b in doc.blocks if b.text.startswith("We will evaluate every frontier model")]
    assert len(cut) == 1 and "share a summary of the results with the government agencies" in cut[0].text
    assert cut[0].page == 1
    # page numbers, the markers and the running header repeated on every page are gone
    assert not any(t in {"1", "2", "3"} or t.startswith("[[page") for t in texts), texts
    assert "Harbor Labs Policy" not in texts
    security = next(b for b in doc.blocks if b.text.startswith("We protect model weights"))
    assert security.page == 3 and security.section[-1] == "Security"
    assert doc.n_pages == 3


FOOTNOTED = """[[page 1]]

Our testing partners are listed in the annex.3 Each partner receives access to a model at least
four weeks before

3 Partners are chosen under the Vetting Procedure of 2026, which the board approves.
4 Lists of this kind are updated quarterly.

Harbor Labs Policy

[[page 2]]

Harbor Labs Policy

its public release. A numbered list follows.

2 Items in it are not footnotes: nothing above refers to them.

Harbor Labs Policy

[[page 3]]

Harbor Labs Policy

The end.
"""


def test_footnotes_at_a_page_foot_leave_the_running_text_and_keep_their_page():
    doc = parse_document(FOOTNOTED.encode(), source="notes.txt", kind="text")
    texts = [b.text for b in doc.blocks]
    # the sentence the footnote interrupted is one paragraph again, with no footnote inside
    joined = next(t for t in texts if t.startswith("Our testing partners"))
    assert "four weeks before its public release." in joined and "Vetting" not in joined
    # the footnote is kept, as a paragraph of its own on the page it was on
    note = next(b for b in doc.blocks if b.text.startswith("3 Partners are chosen"))
    assert note.page == 1 and "4 Lists of this kind are updated quarterly." in note.text
    # a numbered paragraph that nothing references stays where it was
    assert texts.index("2 Items in it are not footnotes: nothing above refers to them.") < texts.index("The end.")


def test_text_without_page_markers_has_no_pages():
    doc = parse_document(b"We will test models.\n\n1\n\nWe publish results.", source="plain.txt", kind="text")
    assert [b.text for b in doc.blocks] == ["We will test models.", "1", "We publish results."]
    assert all(b.page is None for b in doc.blocks) and doc.n_pages is None


def test_white_circle_bullets_are_list_items():
    doc = parse_document(
        "We restrict answers about:\n○ pathogen enhancement\n○ toxin synthesis\n".encode(), source="b.txt"
    )
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.text for b in items] == ["pathogen enhancement", "toxin synthesis"]
    assert all(b.lead_in == "We restrict answers about:" for b in items)


def test_a_sentence_broken_by_an_empty_line_is_one_paragraph():
    text = "We will share benchmark results with\n\nregulators, upon each major release.\n\nnew paragraph? no.\n"
    doc = parse_document(text.encode(), source="broken.txt", kind="text")
    assert doc.blocks[0].text == "We will share benchmark results with regulators, upon each major release."
    # a closed sentence is not continued, even by a line in lower case
    assert doc.blocks[1].text == "new paragraph? no."


def test_a_heading_is_not_continued_by_the_paragraph_after_it():
    doc = parse_document(b"## Scope of this policy\n\nthis policy covers every model.\n", source="h.txt", kind="text")
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph"]


def test_a_name_with_inner_capitals_after_an_empty_line_starts_a_paragraph():
    # "qLab" starts with a small letter but is a name: the open line before it is a heading
    # of its own, not the first half of a sentence
    text = "(b)Handling Cyber Risks\n\nqLab aims to limit the cyber uplift its models give.\n"
    doc = parse_document(text.encode(), source="name.txt", kind="text")
    # (the glued enumerator "(b)" is a list marker)
    assert [b.text for b in doc.blocks] == [
        "Handling Cyber Risks",
        "qLab aims to limit the cyber uplift its models give.",
    ]


def test_an_enumerator_glued_to_its_first_word_is_a_list_marker():
    text = "xAI takes these steps:\n(1)to limit risks, employ tiered access.\n(2)conduct another review.\n"
    doc = parse_document(text.encode(), source="glued.txt", kind="text")
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.text for b in items] == ["to limit risks, employ tiered access.", "conduct another review."]


def test_a_dateline_is_a_line_of_its_own():
    # "Last updated: <date>" has no closing punctuation, yet the next line starts a sentence
    text = "# Policy\n\nLast updated: March 3, 2026\nWe will test every model before release.\n"
    doc = parse_document(text.encode(), source="dated.txt", kind="text")
    assert [b.text for b in doc.blocks if b.kind == "paragraph"] == [
        "Last updated: March 3, 2026",
        "We will test every model before release.",
    ]
    # a line that only starts like one still runs on
    text = "Updated versions of this policy\nwill be published on our website.\n"
    doc = parse_document(text.encode(), source="runs.txt", kind="text")
    assert [b.text for b in doc.blocks] == ["Updated versions of this policy will be published on our website."]


def test_table_rows_without_outer_pipes():
    text = (
        "Table 2. Thresholds\n\n"
        "Area | Threshold | Response\n"
        "Cyber | Solves 40% of the hacking suite | Tier 3\n"
        "Bio | Gives uplift to a novice | Tier 4\n\n"
        "We will review the table each year.\n\n"
        "Orrin Labs | Frontier Policy | Edition 2\n"
    )
    doc = parse_document(text.encode(), source="table.txt")
    rows = [b.text for b in doc.blocks if b.kind == "table_row"]
    assert rows == [
        "Area | Threshold | Response",
        "Cyber | Solves 40% of the hacking suite | Tier 3",
        "Bio | Gives uplift to a novice | Tier 4",
    ]
    # one such line alone is a running header, not a table
    assert any(b.kind != "table_row" and "Edition 2" in b.text for b in doc.blocks)
