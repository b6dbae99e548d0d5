"""HTML -> main-content blocks: boilerplate never becomes text; headings, lists and encodings."""

from __future__ import annotations

import time

import pytest

from labwatch.extractors.exceptions import EmptyDocument, ParseError
from labwatch.extractors.parsing import html as html_parser
from labwatch.extractors.parsing.formats import parse_document

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Safety Commitments | Northwind Labs</title>
<style>.banner { color: red } body { font-family: serif }</style>
<script>window.trackVisitor = function () { return "analytics beacon fired"; };</script>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/research">Research Areas</a></li>
<li><a href="/careers">Join Our Team</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to personalise content. Accept all cookies?</p>
<button>Accept</button></div>
<main><article>
<h1>Safety Commitments</h1>
<p>Northwind Labs publishes this page to explain how it evaluates its most capable models before
release. The board reviews the page every year.</p>
<h2>Evaluations</h2>
<p>Independent experts help us design the tests. Before each deployment we will run these evaluations:</p>
<ul><li>tests for autonomous replication in a sealed sandbox;</li>
<li>tests for offensive cyber capability with expert red teams;</li>
<li>checks for <b>situational awareness</b> during long tasks.</li></ul>
<h2>Governance</h2><h3>Board Oversight</h3>
<p>The board approves every change to this policy, and we announce each change publicly within thirty days.</p>
<table><tr><th>Tier</th><th>Response</th></tr><tr><td>Tier one</td><td>Pause training</td></tr></table>
</article></main>
<aside><p>Related: read our latest hiring announcement for research engineers.</p></aside>
<footer><p>Copyright 2026 Northwind Labs. All rights reserved.</p><a href="/privacy">Privacy notice</a></footer>
<script>console.log("second script body");</script>
</body></html>"""

BOILERPLATE = [
    "Research Areas",
    "Join Our Team",
    "cookies",
    "Accept",
    "analytics beacon",
    "font-family",
    "All rights reserved",
    "Privacy notice",
    "second script",
    "hiring announcement",
]


@pytest.fixture(scope="module")
def doc():
    return parse_document(PAGE.encode("utf-8"), source="commitments.html")


def _block(doc, fragment):
    return next(b for b in doc.blocks if fragment in b.text)


def test_boilerplate_never_becomes_text(doc):
    for phrase in BOILERPLATE:
        assert phrase not in doc.text, phrase


def test_main_content_sentences_intact(doc):
    for sentence in [
        "The board reviews the page every year.",
        "Independent experts help us design the tests.",
        "The board approves every change to this policy, and we announce each change publicly within thirty days.",
    ]:
        assert sentence in doc.text


def test_headings_are_section_paths(doc):
    assert _block(doc, "board approves").section == ("Safety Commitments", "Governance", "Board Oversight")
    assert _block(doc, "sealed sandbox").section == ("Safety Commitments", "Evaluations")
    assert doc.title == "Safety Commitments | Northwind Labs"
    assert doc.format == "html" and doc.parser.startswith("parse-")


def test_lists_are_items_with_lead_in(doc):
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert [b.text for b in items] == [
        "tests for autonomous replication in a sealed sandbox;",
        "tests for offensive cyber capability with expert red teams;",
        "checks for situational awareness during long tasks.",
    ]
    assert {b.lead_in for b in items} == {"Before each deployment we will run these evaluations:"}


def test_table_rows(doc):
    assert [b.text for b in doc.blocks if b.kind == "table_row"] == ["Tier | Response", "Tier one | Pause training"]


def test_offsets(doc):
    assert all(doc.text[b.start : b.end] == b.text for b in doc.blocks)


def test_latin1_without_charset_decodes():
    page = (
        "<html><head><title>Politique</title></head><body><main><h1>Engagements</h1>"
        "<p>Le comit\u00e9 de s\u00e9curit\u00e9 \u00e0 Z\u00fcrich examine chaque mod\u00e8le avant "
        "sa diffusion et publie un r\u00e9sum\u00e9 des r\u00e9sultats chaque trimestre.</p>"
        "</main></body></html>"
    ).encode("latin-1")
    doc = parse_document(page, source="fr.html")
    assert "Le comit\u00e9 de s\u00e9curit\u00e9 \u00e0 Z\u00fcrich examine chaque mod\u00e8le" in doc.text
    assert "\ufffd" not in doc.text


@pytest.mark.parametrize(
    "encoding,declare",
    [
        ("cp1252", '<meta charset="windows-1252">'),
        ("iso-8859-1", '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'),
        ("utf-8-sig", ""),
    ],
)
def test_declared_charset_or_bom(encoding, declare):
    text = "Na\u00efve \u00e9valuation r\u00e9sum\u00e9s are never enough for the board of Northwind."
    page = f"<html><head>{declare}<title>T</title></head><body><main><p>{text}</p></main></body></html>"
    doc = parse_document(page.encode(encoding), source="enc.html")
    assert text in doc.text


def test_short_page_keeps_no_navigation():
    page = (
        b"<html><head><title>Contact</title></head><body><nav><a href='/'>Home</a> "
        b"<a href='/about'>About us</a></nav><div>We will reply to every safety report within "
        b"two days.</div><footer>Copyright Northwind</footer></body></html>"
    )
    doc = parse_document(page, source="contact.html")
    assert doc.text == "We will reply to every safety report within two days."


def test_fallback_when_trafilatura_returns_nothing(monkeypatch):
    monkeypatch.setattr(html_parser.trafilatura, "extract", lambda *a, **k: None)
    doc = parse_document(PAGE.encode(), source="commitments.html")
    assert doc.warnings and "fallback" in doc.warnings[0]
    for phrase in BOILERPLATE:
        assert phrase not in doc.text, phrase
    assert "The board reviews the page every year." in doc.text
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert len(items) == 3 and items[0].lead_in == "Before each deployment we will run these evaluations:"
    assert _block(doc, "board approves").section == ("Safety Commitments", "Governance", "Board Oversight")


def test_fallback_when_trafilatura_drops_most_of_the_page(monkeypatch):
    monkeypatch.setattr(html_parser.trafilatura, "extract", lambda *a, **k: "Only a fragment.")
    doc = parse_document(PAGE.encode(), source="commitments.html")
    assert any("fallback" in w for w in doc.warnings)
    assert "Independent experts help us design the tests." in doc.text


def test_page_without_text_is_empty_document():
    with pytest.raises(EmptyDocument, match=r"^blank\.html: "):
        parse_document(
            b"<html><head><script>var a = 1;</script></head><body><nav>Home</nav></body></html>", source="blank.html"
        )


def test_html_named_txt_is_parsed_as_html():
    doc = parse_document(PAGE.encode(), source="saved-page.txt")
    assert doc.format == "html" and "<p>" not in doc.text and "cookies" not in doc.text


def test_malformed_markup_never_crashes():
    for junk in [
        b"<html><body><p>Unclosed <b>bold <i>text</p></div></span>",
        b"<p>" * 500 + b"We will test.",
        b"<html>\x00\x01<body>",
        b"<?xml version='1.0' encoding='utf-8'?><html><body><p>We audit.</p></body></html>",
    ]:
        try:
            parse_document(junk, source="junk.html")
        except ParseError:
            pass


def test_html_speed_per_page():
    parse_document(PAGE.encode(), source="warm.html")
    start = time.perf_counter()
    for _ in range(20):
        parse_document(PAGE.encode(), source="speed.html")
    per_page_ms = (time.perf_counter() - start) / 20 * 1000
    assert per_page_ms < 100, per_page_ms


@pytest.mark.parametrize("use_fallback", [False, True])
def test_nested_list_items_and_markdown_residue(monkeypatch, use_fallback):
    if use_fallback:
        monkeypatch.setattr(html_parser.trafilatura, "extract", lambda *a, **k: None)
    page = (
        b"<html><body><main><h1>Policy</h1><p>Our commitments are listed below in full:</p>"
        b"<ol><li>We will evaluate <em>every</em> model.</li><li>We will publish results:<ul>"
        b"<li>within 30 days;</li><li>in full.</li></ul></li><li>We will keep logs.</li></ol>"
        b"<p>Read <a href='/r'>our full report</a>. We use the <code>evals</code> kit; ratio 4*3*2.</p>"
        b"</main></body></html>"
    )
    doc = parse_document(page, source="nested.html")
    assert [(b.text, b.lead_in) for b in doc.blocks if b.kind == "list_item"] == [
        ("We will evaluate every model.", "Our commitments are listed below in full:"),
        ("We will publish results:", "Our commitments are listed below in full:"),
        ("within 30 days;", "We will publish results:"),
        ("in full.", "We will publish results:"),
        ("We will keep logs.", "Our commitments are listed below in full:"),
    ]
    assert "Read our full report. We use the evals kit; ratio 4*3*2." in doc.text
