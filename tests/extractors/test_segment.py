"""Segmentation: sentences, list items and table rows with provenance and exact offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labwatch.extractors.records import Block, ParsedDocument
from labwatch.extractors.statements.segmentation import LONG_ITEM_CHARS, segment, segment_many


def make_doc(*blocks: tuple) -> ParsedDocument:
    """A document from (text, kind, page, section, lead_in) tuples, joined by blank lines."""
    out, parts, pos = [], [], 0
    for text, kind, page, section, lead_in in blocks:
        out.append(
            Block(text=text, kind=kind, page=page, section=section, start=pos, end=pos + len(text), lead_in=lead_in)
        )
        parts.append(text)
        pos += len(text) + 2
    return ParsedDocument(text="\n\n".join(parts), blocks=tuple(out), format="text", parser="test")


def para(text: str, page: int = 1, section: tuple[str, ...] = ("Policy",)) -> tuple:
    return (text, "paragraph", page, section, None)


def test_paragraph_sentences_have_offsets_into_document_text():
    doc = make_doc(
        ("1 Scope", "heading", 1, (), None),
        para("We evaluate every model. Results go to the board! Do we publish them? Yes."),
    )
    passages = segment(doc)
    assert [p.text for p in passages] == [
        "We evaluate every model.",
        "Results go to the board!",
        "Do we publish them?",
        "Yes.",
    ]
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.page == 1 and p.section == ("Policy",) and p.kind == "sentence"
    assert [p.seq for p in passages] == list(range(len(passages)))


@pytest.mark.parametrize(
    "text",
    [
        "Evaluations cover cyber tasks, e.g. capture-the-flag challenges, and bio tasks.",
        "Thresholds are set out in Sec. 3 and summarised in Fig. 2 of the annex.",
        "We test base models, i.e. models without safety training, before release.",
        "The policy was drafted with Dr. Alvarez and reviewed by J. Okafor last spring.",
        "Reports are shared with external groups (see No. 4 in the appendix) every quarter.",
    ],
)
def test_abbreviations_do_not_split_sentences(text):
    passages = segment(make_doc(para(text)))
    assert [p.text for p in passages] == [text]


def test_enumerated_paragraph_keeps_its_number_with_the_sentence():
    passages = segment(make_doc(para("1. We will run evaluations. 2. We will publish results.")))
    assert [p.text for p in passages] == ["1. We will run evaluations.", "2. We will publish results."]


def test_list_items_are_one_passage_each_and_carry_the_lead_in():
    lead = "Before each deployment we will:"
    doc = make_doc(
        para(lead),
        ("run the full evaluation suite. This includes cyber tasks.", "list_item", 2, ("Policy",), lead),
        ("notify the board.", "list_item", 2, ("Policy",), lead),
    )
    passages = segment(doc)
    assert [p.kind for p in passages] == ["sentence", "list_item", "list_item"]
    assert passages[1].text == "run the full evaluation suite. This includes cyber tasks."
    assert passages[1].lead_in == lead and passages[2].lead_in == lead
    assert passages[1].context == lead


def test_a_very_long_list_item_is_split_into_sentences_that_keep_the_lead_in():
    lead = "We will:"
    item = (
        "Run evaluations on every checkpoint that is a candidate for release, including the "
        "checkpoints used for fine-tuning experiments and the ones shared with partners. "
        "Record the results in the internal register along with the elicitation settings, the "
        "scaffolding used and the compute spent, so that reviewers can reproduce them later on. "
        "Share the register with the board."
    )
    assert len(item) > LONG_ITEM_CHARS
    doc = make_doc(para(lead), (item, "list_item", 1, ("Policy",), lead))
    items = [p for p in segment(doc) if p.kind == "list_item"]
    assert len(items) == 3
    assert all(p.lead_in == lead for p in items)
    assert all(doc.text[p.start : p.end] == p.text for p in items)


def test_table_rows_are_passages():
    doc = make_doc(("Cyber | High | pause deployment", "table_row", 5, ("Thresholds",), None))
    (p,) = segment(doc)
    assert p.kind == "table_row" and p.text == "Cyber | High | pause deployment" and p.page == 5


def test_passages_without_letters_are_skipped():
    doc = make_doc(
        para("We will test models."),
        ("12", "paragraph", 1, ("Policy",), None),
        ("•", "list_item", 1, ("Policy",), None),
        ("- 3 -", "paragraph", 2, ("Policy",), None),
    )
    assert [p.text for p in segment(doc)] == ["We will test models."]


def test_context_is_the_previous_sentence_of_the_same_section_only():
    doc = make_doc(
        para("Models are evaluated. Results are logged."), para("The board reviews them.", section=("Governance",))
    )
    passages = segment(doc)
    assert passages[0].context is None
    assert passages[1].context == "Models are evaluated."
    assert passages[2].context is None


def test_blocks_with_stale_offsets_are_found_and_missing_blocks_skipped():
    text = "Intro text.\n\nWe will publish results."
    doc = ParsedDocument(
        text=text,
        format="text",
        parser="test",
        blocks=(
            Block(text="We will publish results.", start=0, end=5),
            Block(text="This block is not in the text.", start=0, end=10),
        ),
    )
    (p,) = segment(doc)
    assert p.text == "We will publish results." and text[p.start : p.end] == p.text


def test_segment_many_matches_segment_per_document():
    docs = [make_doc(para("We will act. We may wait.")), make_doc(para("Labs should share."))]
    assert segment_many(docs) == [segment(d) for d in docs]


_WORDS = st.sampled_from(
    [
        "We",
        "will",
        "test",
        "models",
        "e.g.",
        "Sec.",
        "3",
        "the",
        "Board",
        "(a)",
        "i.e.",
        "4x",
        "U.S.",
        "reviews",
        "results",
        "—",
        "“quoted”",
    ]
)
_SENTENCE = st.builds(
    lambda ws, end: " ".join(ws) + end,
    st.lists(_WORDS, min_size=1, max_size=12),
    st.sampled_from([".", "!", "?", "", ":", "..."]),
)
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_PARAGRAPH, st.sampled_from(["paragraph", "list_item", "table_row"])), min_size=1, max_size=5)
)
def test_offsets_round_trip_and_passages_are_in_order(blocks):
    doc = make_doc(*[(text, kind, 1, ("S",), None) for text, kind in blocks])
    passages = segment(doc)
    last_end = 0
    for i, p in enumerate(passages):
        assert p.seq == i
        assert doc.text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and any(c.isalpha() for c in p.text)
        assert p.start >= last_end
        last_end = p.end


@pytest.mark.model
def test_statistical_pipeline_loads_once_with_only_the_requested_components(spacy_tagger):
    from labwatch.extractors.statements.spacy_models import get_nlp

    assert get_nlp(("tagger",)) is spacy_tagger
    assert "tagger" in spacy_tagger.pipe_names and "ner" not in spacy_tagger.pipe_names
    tags = [t.tag_ for t in spacy_tagger("We will publish the report.")]
    assert tags[1] == "MD"


def test_run_on_text_without_periods_is_cut_at_semicolons():
    clause = "the team reviews the logs of every evaluation run and files a short report"
    text = "; ".join([clause] * 20) + "."
    passages = segment(make_doc(para(text)))
    assert len(passages) > 1
    assert all(len(p.text) < len(text) / 2 for p in passages)
    assert "".join(p.text for p in passages).replace(";", "; ").split() == text.split()


def test_a_sentence_may_start_with_a_name_in_inner_capitals():
    doc = make_doc(para("We will notify the board. xAI employees may report concerns. iOS apps are out."))
    texts = [p.text for p in segment(doc)]
    assert texts == ["We will notify the board.", "xAI employees may report concerns.", "iOS apps are out."]
