"""HTML -> blocks of the page's main content.

trafilatura finds the main content and renders it as markdown (headings, lists, tables), which
the text parser turns into blocks. When trafilatura returns nothing, or far less than the page
body holds, a careful lxml walk of the body without navigation, banners, footers, asides,
scripts and styles takes over and the document records a warning saying so.
"""

from __future__ import annotations

import codecs
import copy
import re

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import use_config

from labwatch.extractors.exceptions import EmptyDocument, MalformedDocument, SelectorMismatch
from labwatch.extractors.parsing.lines import collapse
from labwatch.extractors.parsing.text import BlockBuilder, assemble_document, decode_bytes, text_blocks
from labwatch.extractors.records import HtmlRules, ParsedDocument

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_LATIN1_LABELS = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "us-ascii", "ascii"}
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "dialog",
)
_BOILERPLATE = re.compile(
    r"cookie|consent|gdpr|banner|navbar|\bnav\b|menu|breadcrumb|footer|"
    r"sidebar|share|social|popup|modal|newsletter|skip-link",
    re.I,
)
_BLOCK_TAGS = {
    "p",
    "li",
    "tr",
    "pre",
    "blockquote",
    "dt",
    "dd",
    "figcaption",
    "caption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
_CONTAINER_TAGS = {"div", "section", "article", "main", "body", "td", "th"}
FALLBACK_RATIO = 0.2  # trafilatura keeping under 20% of the cleaned body counts as dropping too much
FALLBACK_MIN_CHARS = 300
# trafilatura dumps the whole uncleaned page (menus included) when its main text is under
# MIN_EXTRACTED_SIZE (250 chars); short policy pages are common, so we disable that rescue and
# use our own cleaned fallback instead.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "0")


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (meta or XML declaration), if valid."""
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii", "ignore").strip().lower()
    if label in _LATIN1_LABELS:
        return "cp1252"  # browsers read these labels as windows-1252 (WHATWG)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes, source: str) -> str:
    """Page text: BOM, declared charset, else UTF-8, else Windows-1252."""
    return decode_bytes(data, source, declared_charset(data))


TRAFILATURA_MAX_DEPTH = 250


def _depth(tree) -> int:
    """Deepest element nesting in the tree (iterative: safe on hostile pages)."""
    deepest, depth = 0, 0
    for event, _ in lxml.etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_html(data: bytes | str, *, source: str, parser: str, rules: HtmlRules | None = None) -> ParsedDocument:
    """HTML bytes -> ParsedDocument (format "html") of the main content.

    ``rules`` (the source's CSS selectors) cut the page down before trafilatura looks for the
    main content. Raises EmptyDocument when the page has no text, MalformedDocument when it
    cannot be read, SelectorMismatch when ``rules.select`` matches nothing.
    """
    markup = data if isinstance(data, str) else decode_html(data, source)
    markup = _XML_DECL.sub("", markup, count=1)
    if not markup.strip():
        raise EmptyDocument(source, "empty HTML page")
    # huge_tree: libxml2 otherwise stops at 256 levels of nesting and silently drops the rest
    html_parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        tree = lxml.html.document_fromstring(markup, parser=html_parser)
    except (lxml.etree.LxmlError, ValueError) as exc:
        raise MalformedDocument(source, f"unreadable HTML ({exc})") from exc
    if any("excessive depth" in str(e.message).lower() for e in html_parser.error_log):
        raise MalformedDocument(source, "HTML nested more than 2048 levels deep; refusing a partial page")
    title = page_title(tree)
    warnings: list[str] = []
    if rules:
        tree = apply_rules(tree, rules, source, title)
        markup = lxml.html.tostring(tree, encoding="unicode")
    main_md = _trafilatura_markdown(markup, warnings)
    fallback, boilerplate = fallback_blocks(tree)
    fallback_chars = sum(len(b.text) for b in fallback)
    kept_text = " ".join(b.text for b in fallback)
    # trafilatura sometimes keeps a stray menu line (or only that, on a page without content)
    main_blocks = [
        b for b in (text_blocks(main_md) if main_md else []) if not (b.text in boilerplate and b.text not in kept_text)
    ]
    main_chars = sum(len(b.text) for b in main_blocks)
    if main_blocks and fallback and _depth(tree) > TRAFILATURA_MAX_DEPTH:
        # trafilatura's own parse stops at 256 levels and drops what lies deeper
        warnings.append("page nested deeper than 255 levels; used the lxml body fallback")
        main_blocks = []
    if not main_blocks:
        if fallback:
            warnings.append("trafilatura found no main content; used the lxml body fallback")
        blocks = fallback
    elif fallback_chars >= FALLBACK_MIN_CHARS and main_chars < FALLBACK_RATIO * fallback_chars:
        warnings.append(
            f"trafilatura kept {main_chars} of {fallback_chars} body characters; used the lxml body fallback"
        )
        blocks = fallback
    else:
        blocks = main_blocks
    return assemble_document(blocks, format="html", parser=parser, source=source, title=title, warnings=warnings)


def apply_rules(tree: lxml.html.HtmlElement, rules: HtmlRules, source: str, title: str | None) -> lxml.html.HtmlElement:
    """A new page holding only the selected content: ``remove`` matches dropped first, then the
    outermost ``select`` matches, in page order, inside one ``<main>``."""
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    def matches(selector: str) -> list:
        try:
            return CSSSelector(selector)(tree)
        except (SelectorError, lxml.etree.XPathError) as exc:
            raise MalformedDocument(source, f"CSS selector {selector!r} is not valid: {exc}") from None

    for selector in rules.remove:
        for el in matches(selector):
            _drop(el)
    if not rules.select:
        return tree
    chosen = {el for selector in rules.select for el in matches(selector)}
    outermost = [el for el in tree.iter() if el in chosen and not any(a in chosen for a in el.iterancestors())]
    if not outermost:
        raise SelectorMismatch(
            source,
            f"select {', '.join(rules.select)} matched nothing on the page (did its layout change? "
            "correct the source's select rule in the registry)",
        )
    page = lxml.html.document_fromstring("<html><head></head><body><main></main></body></html>")
    if title:
        lxml.etree.SubElement(page.find("head"), "title").text = title
    main = page.find(".//main")
    for el in outermost:
        part = copy.deepcopy(el)
        part.tail = None
        main.append(part)
    return page


def page_title(tree: lxml.html.HtmlElement) -> str | None:
    """The page's <title>, else its first <h1>."""
    for path in (".//title", ".//h1"):
        el = tree.find(path)
        if el is not None:
            text = collapse(el.text_content())
            if text:
                return text
    return None


def _trafilatura_markdown(markup: str, warnings: list[str]) -> str | None:
    try:
        return trafilatura.extract(
            markup,
            output_format="markdown",
            include_formatting=True,
            include_tables=True,
            include_links=False,
            include_images=False,
            include_comments=False,
            deduplicate=False,
            config=_TRAFILATURA_CONFIG,
        )
    except Exception as exc:  # trafilatura raises assorted errors on odd markup; fall back
        warnings.append(f"trafilatura failed ({type(exc).__name__}: {exc})")
        return None


def fallback_blocks(tree: lxml.html.HtmlElement) -> tuple[list, str]:
    """Blocks of the body without navigation, headers, footers, asides, banners and scripts,
    and the text of what was removed as boilerplate."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    root = copy.deepcopy(root)  # the caller's tree stays intact
    removed: list[str] = []
    for el in list(root.iter(*_DROP_TAGS, lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        if isinstance(el.tag, str) and el.tag not in ("script", "style"):
            removed.append(el.text_content())
        _drop(el)
    for el in list(root.iter()):
        if isinstance(el.tag, str) and _BOILERPLATE.search(
            f"{el.get('id', '')} {el.get('class', '')} {el.get('role', '')}"
        ):
            if el.getparent() is not None:
                removed.append(el.text_content())
                _drop(el)
    builder = BlockBuilder()
    _walk(root, builder)
    return builder.blocks, collapse(" \n ".join(removed))


def _drop(el) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail and tail.strip():
        if prev is not None:
            prev.tail = (prev.tail or "") + " " + tail
        else:
            parent.text = (parent.text or "") + " " + tail


def _walk(el, builder: BlockBuilder) -> None:
    """Document-order walk: block elements become blocks, containers are descended into."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _BLOCK_TAGS:
        _emit(el, tag, builder)
        return
    if tag in _CONTAINER_TAGS and el.text and el.text.strip():
        builder.paragraph(el.text)
    for child in el:
        _walk(child, builder)
        if tag in _CONTAINER_TAGS and child.tail and child.tail.strip():
            builder.paragraph(child.tail)


def _emit(el, tag: str, builder: BlockBuilder, depth: int = 0) -> None:
    if tag[0] == "h" and tag[1:].isdigit():
        builder.heading(el.text_content(), int(tag[1:]))
    elif tag == "li":
        nested = [c for c in el if c.tag in ("ul", "ol")]
        own = "".join(_text_without(el, nested))
        builder.list_item(own, indent=depth)
        for sub in nested:
            for li in sub.iter("li"):
                if li.getparent() is sub:
                    _emit(li, "li", builder, depth + 1)
    elif tag == "tr":
        builder.table_row([c.text_content() for c in el if c.tag in ("td", "th")])
    else:
        builder.paragraph(el.text_content())


def _text_without(el, skip: list) -> list[str]:
    parts = [el.text or ""]
    for child in el:
        if child not in skip:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return parts
