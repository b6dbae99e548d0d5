"""PDF -> blocks: reading order, running lines removed, paragraphs, lists, tables, errors."""

from __future__ import annotations

import random
import re
import time

import pytest

from labwatch.extractors.exceptions import EmptyDocument, EncryptedPDF, MalformedDocument, NoTextLayer, ParseError
from labwatch.extractors.parsing.formats import parse_document
from tests.extractors.pdfgen import make_image_only_pdf, make_long_policy_pdf, make_policy_pdf

HEADER = "Northwind Labs - Responsible Scaling Series"
FOOTER = "Internal draft for discussion only"
PAGES = [
    [
        "# Frontier Safety Policy",
        "Northwind Labs trains large language models and publishes this policy so that outsiders can hold "
        "it to account. We describe how we measure risk before and during training.",
        "## 1. Risk Assessment",
        "Before each training run we estimate the effective compute^4 that the run will use. We will pause "
        "a run if its spending commit-\nment is exceeded and the board has not approved the overrun.",
        "Our evaluation team has a fixed remit. We will run the following evaluations:",
        "- a test of autonomous replication in a sealed sandbox;",
        "- a test of offensive cyber skills with expert red teams and a long description that wraps onto a "
        "second line of the page;",
        "- a check for situational awareness across long tasks.",
        "| Tier | Trigger | Response |",
        "| One | Four times compute | Full evaluation |",
        "| Two | New modality | Board review |",
    ],
    [
        "## 2. Governance",
        "The board approves every change to this policy. Each change is announced publicly within thirty "
        "days of approval, together with a short note on the reasons for it.",
        "Staff may raise concerns anonymously with the board through an independent channel that "
        "management cannot read.",
        "External reviewers examine the policy once a year and their report is published in full.",
    ],
    [
        "## 3. Third Party Access",
        "Independent evaluators receive access to our models before deployment, including fine-tuning "
        "access and the ability to use tools during their tests. They may publish their findings after a "
        "short review period.",
        "We keep records of every evaluation for at least five years so that later audits can trace each "
        "decision back to its evidence.",
        "Our security team protects model weights with controls that match the capability tier of the "
        "model, and it reviews those controls each quarter.",
        "Where a model crosses a capability threshold we will harden security before any further training "
        "and notify our board within one day.",
    ],
    [
        "## 4. Reporting",
        "We publish a capability report for every frontier model within sixty days of its release.",
        "The report names the evaluations we ran and the results we obtained.",
    ],
]
TWO_COLUMN = {2}


def _expected_text(item: str) -> str:
    text = item.lstrip("-# ").replace("-\n", "").replace("\n", " ")
    return re.sub(r"\^\d+", "", text)


def _sentences():
    out = []
    for page in PAGES:
        for item in page:
            if not item.startswith(("#", "|")):
                out += re.split(r"(?<=[.;:])\s+(?=[A-Z])", _expected_text(item))
    return out


@pytest.fixture(scope="module")
def pdf_bytes():
    return make_policy_pdf(
        None, PAGES, header=HEADER, footer=FOOTER, two_column_pages=TWO_COLUMN, title="Northwind Frontier Safety Policy"
    )


@pytest.fixture(scope="module", params=["pypdfium2", "pdfplumber"])
def doc(request, pdf_bytes):
    return parse_document(pdf_bytes, source="policy.pdf", pdf_engine=request.param)


def _block(doc, fragment):
    return next(b for b in doc.blocks if fragment in b.text)


def test_every_sentence_comes_back_intact(doc):
    for sentence in _sentences():
        assert sentence in doc.text, sentence


def test_running_header_footer_and_page_numbers_removed(doc):
    assert "Responsible Scaling Series" not in doc.text
    assert "Internal draft" not in doc.text
    assert not re.search(r"Page \d+ of \d+", doc.text)


def test_two_column_page_is_read_column_by_column(doc):
    order = [_expected_text(p)[:40] for p in PAGES[2][1:]]
    positions = [doc.text.index(fragment) for fragment in order]
    assert positions == sorted(positions)
    assert _block(doc, "Independent evaluators").page == 3


def test_paragraph_lines_are_joined_into_one_block(doc):
    block = _block(doc, "Independent evaluators receive access")
    assert block.kind == "paragraph"
    assert block.text == _expected_text(PAGES[2][1])


def test_hyphenation_and_footnote_marker(doc):
    assert "spending commitment is exceeded" in doc.text
    assert "effective compute that the run" in doc.text
    assert "compute4" not in doc.text


def test_list_items_with_lead_in(doc):
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.text for b in items] == [_expected_text(i) for i in PAGES[0][5:8]]
    assert {b.lead_in for b in items} == {"We will run the following evaluations:"}


def test_table_rows(doc):
    rows = [b.text for b in doc.blocks if b.kind == "table_row"]
    assert rows == [
        "Tier | Trigger | Response",
        "One | Four times compute | Full evaluation",
        "Two | New modality | Board review",
    ]


def test_headings_give_sections_and_pages(doc):
    assert _block(doc, "board approves every change").section == ("2. Governance",)
    assert _block(doc, "board approves every change").page == 2
    assert _block(doc, "sealed sandbox").section == ("1. Risk Assessment",)
    assert _block(doc, "outsiders can hold").section == ("Frontier Safety Policy",)
    assert doc.title == "Northwind Frontier Safety Policy"
    assert doc.n_pages == 4 and doc.format == "pdf"


def test_offsets(doc):
    assert all(doc.text[b.start : b.end] == b.text for b in doc.blocks)


@pytest.mark.parametrize("engine", ["pypdfium2", "pdfplumber"])
def test_encrypted_pdf(engine):
    data = make_policy_pdf(None, [["We will publish every evaluation result."]], user_password="s3cret")
    with pytest.raises(EncryptedPDF, match=r"^locked\.pdf: "):
        parse_document(data, source="locked.pdf", pdf_engine=engine)


@pytest.mark.parametrize("engine", ["pypdfium2", "pdfplumber"])
def test_image_only_pdf(engine):
    with pytest.raises(NoTextLayer, match=r"^scan\.pdf: "):
        parse_document(make_image_only_pdf(), source="scan.pdf", pdf_engine=engine)


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_pdf(pdf_bytes, fraction):
    with pytest.raises(MalformedDocument, match=r"^cut\.pdf: .*truncated"):
        parse_document(pdf_bytes[: int(len(pdf_bytes) * fraction)], source="cut.pdf")


def test_random_bytes_named_pdf():
    junk = random.Random(3).randbytes(5000)
    with pytest.raises(MalformedDocument, match=r"^junk\.pdf: "):
        parse_document(junk, source="junk.pdf")
    with pytest.raises(MalformedDocument):
        parse_document(junk, source="junk.bin", kind="pdf")


def test_pdf_header_with_garbage_body():
    with pytest.raises(MalformedDocument, match=r"^bad\.pdf: "):
        parse_document(b"%PDF-1.7\n" + random.Random(5).randbytes(3000) + b"\n%%EOF\n", source="bad.pdf")


def test_empty_pdf():
    with pytest.raises(EmptyDocument, match=r"^empty\.pdf: "):
        parse_document(b"", source="empty.pdf")


@pytest.mark.timeout(60)
def test_corrupted_pdfs_never_crash_or_hang(pdf_bytes):
    rng = random.Random(11)
    for _ in range(25):
        data = bytearray(pdf_bytes)
        start = rng.randrange(200, len(data) - 200)
        data[start : start + rng.randrange(1, 200)] = rng.randbytes(rng.randrange(1, 200))
        try:
            doc = parse_document(bytes(data), source="fuzz.pdf")
        except ParseError:
            continue
        assert all(doc.text[b.start : b.end] == b.text for b in doc.blocks)


def test_pdf_served_as_html_is_parsed_as_pdf(pdf_bytes):
    doc = parse_document(pdf_bytes, source="https://example.org/policy.html")
    assert doc.format == "pdf" and "Staff may raise concerns anonymously" in doc.text


@pytest.mark.slow
def test_forty_pages_fast_and_intact():
    data, sentences = make_long_policy_pdf(40)
    best = 0.0
    for _ in range(3):
        # CPU time of this process: the machine is shared, and wall time would measure the neighbours
        start = time.process_time()
        doc = parse_document(data, source="long.pdf")
        best = max(best, 40 / max(time.process_time() - start, 1e-9))
    assert all(s in doc.text for s in sentences)
    # a heading that repeats on every page with only its number changing is not a running header
    assert [b.text for b in doc.blocks if b.kind == "heading"] == [f"Part {n} Oversight Duties" for n in range(1, 41)]
    assert "Frontier Safety Policy" not in doc.text and not re.search(r"Page \d+ of", doc.text)
    assert best >= 300, f"pypdfium2 parsed {best:.0f} pages/s"


def test_paragraph_across_a_page_break_stays_one_block():
    sentences = [f"The oversight board will review finding number {n} before the next release." for n in range(70)]
    data = make_policy_pdf(
        None,
        [
            [
                "# Review Duties",
                " ".join(sentences),
                "2.1 Follow Up",
                "Each finding is closed only when the board signs it off.",
            ]
        ],
    )
    doc = parse_document(data, source="long.pdf")
    assert doc.n_pages >= 2
    para = _block(doc, "finding number 0 ")
    assert para.text == " ".join(sentences) and para.page == 1
    follow = _block(doc, "signs it off")
    assert follow.section == ("Review Duties", "2.1 Follow Up") and follow.page == 2


def test_a_footnote_at_a_page_foot_does_not_cut_the_paragraph_that_runs_on():
    sentences = [f"The oversight board will review finding number {n} before the next release." for n in range(70)]
    sentences[2] = "The board follows the review guide^1 for each finding."
    note = "1 Harbor Institute, Guide to Reviewing Model Findings, 2025."
    data = make_policy_pdf(None, [["# Review Duties", " ".join(sentences), "We will keep logs."]], footnotes={0: note})
    doc = parse_document(data, source="notes.pdf")
    assert doc.n_pages >= 2
    para = _block(doc, "finding number 0 ")
    assert para.text == " ".join(sentences).replace("guide^1", "guide") and para.page == 1
    kept = _block(doc, "Harbor Institute")
    assert kept.text == note and kept.page == 1  # the footnote is kept, on its page
    assert [b.text for b in doc.blocks].index(kept.text) > [b.text for b in doc.blocks].index("We will keep logs.")


def test_single_page_small_print_at_the_edges_is_dropped():
    data = make_policy_pdf(
        None,
        [["We will:", "- publish our evaluation results", "- explain each decision", "The list ends here.^3"]],
        footer="Confidential working copy",
    )
    doc = parse_document(data, source="one.pdf")
    assert [(b.kind, b.text, b.lead_in) for b in doc.blocks] == [
        ("paragraph", "We will:", None),
        ("list_item", "publish our evaluation results", "We will:"),
        ("list_item", "explain each decision", "We will:"),
        ("paragraph", "The list ends here.", None),
    ]


def test_glued_same_size_footnote_digits_are_dropped():
    data = make_policy_pdf(
        None, [["We track dangerous capabilities7, including cyber offence.12 Results are shared with the board."]]
    )
    doc = parse_document(data, source="fn.pdf")
    assert "We track dangerous capabilities, including cyber offence. Results are shared" in doc.text


def test_owner_password_only_pdf_still_opens():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "We will notify the board within one day.")
    pdf.set_encryption(owner_password="owner-only")
    doc = parse_document(bytes(pdf.output()), source="perm.pdf")
    assert doc.text == "We will notify the board within one day."


def test_nested_bullets_take_the_parent_item_as_lead_in():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Before each release we will:", new_x="LMARGIN", new_y="NEXT")
    for x, text in [
        (15, "run our evaluations;"),
        (15, "publish the results:"),
        (25, "within thirty days;"),
        (25.5, "in full;"),
        (15.3, "keep the logs."),
    ]:
        pdf.set_x(x)
        pdf.cell(5, 6, "\u2022")
        pdf.multi_cell(150, 6, text, new_x="LMARGIN", new_y="NEXT")
    doc = parse_document(bytes(pdf.output()), source="nested.pdf")
    assert [(b.text, b.lead_in) for b in doc.blocks if b.kind == "list_item"] == [
        ("run our evaluations;", "Before each release we will:"),
        ("publish the results:", "Before each release we will:"),
        ("within thirty days;", "publish the results:"),
        ("in full;", "publish the results:"),
        ("keep the logs.", "Before each release we will:"),
    ]


def test_fast_text_slicing_matches_pdfium_bounded_text(pdf_bytes, monkeypatch):
    from labwatch.extractors.parsing import pdf as pdf_module

    sliced = parse_document(pdf_bytes, source="policy.pdf")
    monkeypatch.setattr(pdf_module, "SLICE_TEXT", False)
    bounded = parse_document(pdf_bytes, source="policy.pdf")
    assert sliced.blocks == bounded.blocks


def test_placeholder_metadata_title_falls_back_to_first_heading():
    data = make_policy_pdf(
        None,
        [["# Scaling Commitments", "We will pause training when a threshold is met."]],
        title="Microsoft Word - policy_v3.docx",
    )
    assert parse_document(data, source="t.pdf").title == "Scaling Commitments"


def test_bold_body_size_headings_become_sections():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for heading, body in [
        (
            "Model Evaluations",
            "We evaluate each model for dangerous capabilities before it is "
            "deployed to any customer or partner, and we repeat the tests after major updates.",
        ),
        (
            "Security Controls",
            "Model weights are stored in a restricted environment that only "
            "a small team can reach, and every access is logged for later review.",
        ),
    ]:
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 5.5, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 5.5, body, new_x="LMARGIN", new_y="NEXT")
    for engine in ("pypdfium2", "pdfplumber"):
        doc = parse_document(bytes(pdf.output()), source="bold.pdf", pdf_engine=engine)
        assert [(b.kind, b.section) for b in doc.blocks] == [
            ("heading", ()),
            ("paragraph", ("Model Evaluations",)),
            ("heading", ()),
            ("paragraph", ("Security Controls",)),
        ], engine
        assert _block(doc, "restricted environment").text.endswith("logged for later review.")


@pytest.mark.parametrize("ratio", [0.35, 0.62])
def test_unequal_columns_are_read_column_by_column(ratio):
    paragraphs = [
        "The safety committee meets every month to review the results of recent evaluations and to "
        "decide whether any model needs further testing.",
        "Each evaluation report lists the tasks that were attempted, the scaffolding that was used and "
        "the share of attempts that succeeded.",
        "External testers may request additional compute for their work, and we grant such requests "
        "unless a security review finds a concrete risk.",
        "Findings that suggest a capability threshold has been crossed are escalated to the board within "
        "two working days of their discovery.",
        "The board may then order a pause in training, stronger security for the weights, or a delay of "
        "any planned release until new safeguards are in place.",
        "Every decision of this kind is recorded together with the evidence behind it, so that later "
        "reviews can check whether the policy was followed.",
    ]
    data = make_policy_pdf(
        None, [paragraphs, ["Closing remarks follow on this page."]], two_column_pages={0}, column_ratio=ratio
    )
    doc = parse_document(data, source="cols.pdf")
    positions = [doc.text.find(p) for p in paragraphs]
    assert -1 not in positions and positions == sorted(positions)


def test_table_on_a_single_column_page_is_not_mistaken_for_columns():
    rows = [
        f"| {name} | {desc} |"
        for name, desc in [
            ("Autonomy evaluation", "Measures whether the model can copy itself to new servers"),
            ("Cyber evaluation", "Measures skill at finding and exploiting software flaws"),
            ("Persuasion evaluation", "Measures how well the model changes the views of testers"),
            ("Planning evaluation", "Measures success on tasks that take many hours of work"),
        ]
    ]
    intro = (
        "We run the evaluations in the table below before each deployment, and we publish a summary "
        "of their results in the system card of the model."
    )
    doc = parse_document(make_policy_pdf(None, [[intro] + rows]), source="table.pdf")
    assert [b.text for b in doc.blocks if b.kind == "table_row"] == [r.strip("| ").replace(" | ", " | ") for r in rows]
    assert _block(doc, "We run the evaluations").text == intro


@pytest.mark.parametrize("v_align", ["TOP", "MIDDLE"])
@pytest.mark.parametrize("engine", ["pypdfium2", "pdfplumber"])
def test_table_cells_that_wrap_stay_in_their_row(v_align, engine):
    from fpdf import FPDF

    rows = [
        ("Threshold", "What we will do", "Who decides"),
        (
            "Replication level one",
            "Pause further training until the weights are held under the strongest security tier we run",
            "The chief scientist with the board",
        ),
        (
            "Cyber level one",
            "Deploy only with misuse classifiers and monitoring of every account that uses the model",
            "The safety committee",
        ),
    ]
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(
        0,
        5,
        "The thresholds below decide what we do when an evaluation result comes in.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    with pdf.table(col_widths=(30, 70, 50), v_align=v_align, line_height=4.5) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(3)
    pdf.multi_cell(0, 5, "Each decision is logged with its evidence.", new_x="LMARGIN", new_y="NEXT")
    doc = parse_document(bytes(pdf.output()), source="wrapped.pdf", pdf_engine=engine)
    assert [b.text for b in doc.blocks if b.kind == "table_row"] == [" | ".join(r) for r in rows]
    assert doc.blocks[-1].text == "Each decision is logged with its evidence."


def test_a_short_line_without_closing_punctuation_is_not_joined_to_the_next(tmp_path):
    # a title set in the body font, with no more space after it than between paragraphs
    from labwatch.flows.benchcorpus import render_text_pdf

    text = (
        "Our models are tested before every release, and every test result is kept for five years "
        "so that outside reviewers can check it later.\n\n"
        "(b)Handling Cyber Risks\n\n"
        "qLab aims to limit the cyber uplift its models give to attackers of critical infrastructure.\n"
    )
    render_text_pdf(tmp_path / "t.pdf", text)
    doc = parse_document((tmp_path / "t.pdf").read_bytes(), source="t.pdf")
    texts = [b.text for b in doc.blocks]
    assert "Handling Cyber Risks" in texts, texts  # its own block (the glued "(b)" is a list marker)
    assert any(t.startswith("qLab aims to limit") for t in texts), texts
