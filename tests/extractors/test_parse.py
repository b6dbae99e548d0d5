"""Dispatch by sniffed format, forced kinds, named errors, and the offsets contract."""

from __future__ import annotations

import pickle
import random

import pytest

from labwatch.extractors import exceptions as exc
from labwatch.extractors.parsing.formats import PARSER_VERSION, parse_document, sniff_format
from labwatch.extractors.records import ParsedDocument
from tests.extractors.pdfgen import make_policy_pdf

HTML = (
    b"<!DOCTYPE html><html><head><title>Pledges</title></head><body><main><h1>Pledges</h1>"
    b"<p>Northwind Labs will share evaluation results with the board every quarter.</p></main></body></html>"
)
TEXT = b"Northwind Labs will share evaluation results with the board every quarter.\n"


@pytest.fixture(scope="module")
def pdf():
    return make_policy_pdf(None, [["Northwind Labs will share evaluation results with the board every quarter."]])


def test_sniff_by_bytes_not_name(pdf):
    assert sniff_format(pdf) == "pdf"
    assert sniff_format(HTML) == "html"
    assert sniff_format(b"\xef\xbb\xbf" + HTML) == "html"
    assert sniff_format(TEXT) == "text"
    assert sniff_format(b"# Heading\n\nSome <b>bold</b> claim in markdown.") == "text"
    assert sniff_format(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50) == "binary"
    assert sniff_format(b"<div class='policy'><p>We will publish results.</p></div>") == "html"
    assert sniff_format("\ufeffWe will publish results.".encode("utf-16-le")) == "text"
    assert sniff_format("\ufeff<html><body><p>We publish.</p></body></html>".encode("utf-16-be")) == "html"
    assert sniff_format(b"# Notes\n\nUse a <div> or a <p> tag to wrap the summary.\n") == "text"


@pytest.mark.parametrize("source", ["policy.html", "policy.txt", "policy", "https://example.org/p?id=3"])
def test_pdf_under_any_name_is_a_pdf(pdf, source):
    doc = parse_document(pdf, source=source)
    assert doc.format == "pdf" and doc.n_pages == 1
    assert doc.parser.startswith(PARSER_VERSION + "/pypdfium2-")


def test_utf16_documents_are_decoded():
    doc = parse_document("\ufeffNorthwind Labs will publish every result.\n".encode("utf-16-le"), source="u.txt")
    assert doc.text == "Northwind Labs will publish every result."
    page = "\ufeff<html><body><main><p>Northwind Labs will publish every result.</p></main></body></html>"
    assert parse_document(page.encode("utf-16-be"), source="u.html").text == "Northwind Labs will publish every result."


def test_formats_and_parser_names(pdf):
    assert parse_document(HTML, source="a.txt").format == "html"
    assert parse_document(TEXT, source="a.html").format == "text"
    assert parse_document(TEXT, source="a").parser == f"{PARSER_VERSION}/text"
    assert parse_document(pdf, source="a.pdf", pdf_engine="pdfplumber").parser.startswith(
        PARSER_VERSION + "/pdfplumber-"
    )


def test_kind_forces_the_parser():
    doc = parse_document(HTML, source="a.html", kind="text")
    assert doc.format == "text" and "<p>" in doc.text
    assert parse_document(TEXT, source="a.txt", kind="html").format == "html"
    with pytest.raises(exc.MalformedDocument):
        parse_document(HTML, source="a.html", kind="pdf")
    with pytest.raises(ValueError):
        parse_document(TEXT, source="a.txt", kind="docx")


@pytest.mark.parametrize(
    "data,source,error",
    [
        (b"", "a.pdf", exc.EmptyDocument),
        (b"\n \n", "a.html", exc.EmptyDocument),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "chart.png", exc.UnsupportedFormat),
        (b"PK\x03\x04" + bytes(300), "policy.docx", exc.UnsupportedFormat),
        (bytes(range(256)) * 4, "notes.txt", exc.UnsupportedFormat),
        (bytes(range(256)) * 4, "policy.pdf", exc.MalformedDocument),
    ],
)
def test_named_errors_with_source_in_message(data, source, error):
    with pytest.raises(error) as caught:
        parse_document(data, source=source)
    assert isinstance(caught.value, exc.ParseError)
    assert str(caught.value).startswith(f"{source}: ") and caught.value.source == source
    assert len(str(caught.value)) > len(source) + 5


def test_errors_survive_pickling():
    err = pickle.loads(pickle.dumps(exc.EncryptedPDF("x.pdf", "needs a password")))
    assert isinstance(err, exc.EncryptedPDF) and str(err) == "x.pdf: needs a password"


_WORDS = [
    "board",
    "will",
    "evaluate",
    "models",
    "commit\u00adment",
    "third-party",
    "caf\u00e9",
    "\u201cquoted\u201d",
    "4x",
    "compute",
    "Northwind",
    "  ",
    "\t",
    "risk",
    "shall",
    "(a)",
    "*",
]


def _random_markdown(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randrange(1, 25)):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(1, 14)))
        lines.append(
            rng.choice(
                [
                    words,
                    words + ".",
                    words + ":",
                    "# " + words,
                    "3.1 " + words.title(),
                    "- " + words,
                    "  * " + words,
                    "(b) " + words,
                    "| " + words + " | " + words + " |",
                    "",
                    "",
                    "  ",
                    words.upper(),
                    "|---|---|",
                    "1. " + words + ".",
                    "=====",
                ]
            )
        )
    return rng.choice(["\n", "\r\n"]).join(lines)


def _check_offsets(doc: ParsedDocument) -> None:
    assert doc.text == "\n\n".join(b.text for b in doc.blocks)
    previous_end = -2
    for b in doc.blocks:
        assert doc.text[b.start : b.end] == b.text and b.text == b.text.strip() and b.text
        assert b.start == previous_end + 2
        previous_end = b.end


def test_offsets_hold_for_many_random_text_documents():
    rng = random.Random(2026)
    checked = 0
    for _ in range(400):
        data = _random_markdown(rng).encode("utf-8")
        try:
            doc = parse_document(data, source="r.md", kind="text")
        except exc.EmptyDocument:
            continue
        _check_offsets(doc)
        checked += 1
    assert checked > 300


def test_offsets_hold_for_random_html_documents():
    rng = random.Random(7)
    for _ in range(40):
        body = "".join(
            rng.choice(
                [
                    "<p>{}</p>",
                    "<h2>{}</h2>",
                    "<ul><li>{}</li><li>{}</li></ul>",
                    "<nav>{}</nav>",
                    "<div>{}<br>{}</div>",
                    "<table><tr><td>{}</td></tr></table>",
                ]
            ).format(*(_random_markdown(rng).replace("\n", " ") for _ in range(2)))
            for _ in range(rng.randrange(1, 8))
        )
        try:
            doc = parse_document(f"<html><body><main>{body}</main></body></html>".encode(), source="r.html")
        except exc.EmptyDocument:
            continue
        _check_offsets(doc)
