"""Document bytes -> ParsedDocument: sniff the real format, then hand over to its parser.

The bytes decide, not the name: a PDF served as ``.html`` is a PDF, HTML saved as ``.txt`` is
HTML. ``kind`` may force a parser. Every failure is a named ``ParseError`` whose message reads
"<source>: <what was wrong>".
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from labwatch.extractors.exceptions import EmptyDocument, MalformedDocument, UnsupportedFormat
from labwatch.extractors.parsing.html import parse_html
from labwatch.extractors.parsing.pdf import ENGINES, read_pdf
from labwatch.extractors.parsing.text import looks_binary, parse_text
from labwatch.extractors.records import HtmlRules, ParsedDocument
from labwatch.extractors.versions import PARSER_VERSION  # bump it there when output changes

KINDS = ("auto", "pdf", "html", "text")
_HTML_RE = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
# a document that opens with one of these tags is an HTML fragment; later in a markdown file
# they are inline markup and the file stays text
_HTML_START_RE = re.compile(rb"<(?:!--|title|meta|p|div|h[1-6]|article|section|main|ul|ol|table|span|a)[\s>]", re.I)
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (docx/xlsx/epub?)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"{\\rtf", "an RTF file"),
)
_PDF_SUFFIXES = (".pdf",)


def sniff_format(data: bytes) -> str:
    """The format the bytes really are: "pdf", "html", "text" or "binary" (anything else)."""
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):  # UTF-16 text: judge its characters, not its NUL bytes
            return sniff_format(data[2:8192].decode(encoding, "ignore").encode("utf-8") or b" ")
    head = data[:4096].lstrip(b"\xef\xbb\xbf\x00\t\r\n ")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if any(head.startswith(magic) for magic, _ in _MAGIC):
        return "binary"
    if (_HTML_RE.search(data[:4096]) or _HTML_START_RE.match(head)) and not looks_binary(data):
        return "html"
    if looks_binary(data):
        return "binary"
    return "text"


def parse_document(
    data: bytes, *, source: str, kind: str = "auto", pdf_engine: str = "pypdfium2", rules: HtmlRules | None = None
) -> ParsedDocument:
    """Parse a document's bytes into text blocks with page/section provenance.

    ``kind`` is "auto" (sniff the bytes), or "pdf", "html", "text" to force a parser.
    ``pdf_engine`` is "pypdfium2" (fast, default) or "pdfplumber". ``rules`` (CSS selectors of
    the source) apply to HTML only.
    Raises a ParseError subclass (EmptyDocument, EncryptedPDF, NoTextLayer, MalformedDocument,
    UnsupportedFormat) naming the source; never returns an empty document.
    """
    if kind == "markdown":
        kind = "text"
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if pdf_engine not in ENGINES:
        raise ValueError(f"pdf_engine must be one of {ENGINES}, not {pdf_engine!r}")
    if not data or not data.strip():
        raise EmptyDocument(source, "empty file" if not data else "only whitespace")
    fmt = sniff_format(data) if kind == "auto" else kind
    if fmt == "binary":
        raise _binary_error(data, source)
    if fmt == "pdf":
        return read_pdf(data, source=source, parser=parser_name("pdf", pdf_engine), engine=pdf_engine)
    if fmt == "html":
        return parse_html(data, source=source, parser=parser_name("html"), rules=rules)
    return parse_text(data, source=source, parser=parser_name("text"))


def parser_name(fmt: str, pdf_engine: str = "pypdfium2") -> str:
    """What produced a document: parser version plus the engine and its version."""
    if fmt == "pdf":
        return f"{PARSER_VERSION}/{pdf_engine}-{_package_version(pdf_engine)}"
    if fmt == "html":
        return f"{PARSER_VERSION}/trafilatura-{_package_version('trafilatura')}"
    return f"{PARSER_VERSION}/text"


@cache
def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _binary_error(data: bytes, source: str) -> Exception:
    head = data[:4096].lstrip()
    what = next((name for magic, name in _MAGIC if head.startswith(magic)), "binary data")
    if source.lower().endswith(_PDF_SUFFIXES):
        return MalformedDocument(source, f"named as a PDF but holds {what} (no %PDF- header)")
    return UnsupportedFormat(source, f"{what}, not a PDF, HTML or text document")
