"""Finding new sources: links of a listing page, a sitemap, or an Atom/RSS feed.

A link becomes a Source when it is on the entry's host (or one of its ``hosts``) and its path
matches the entry's ``follow`` regex (searched, not anchored).
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import lxml.etree
import lxml.html

from labwatch.corpus.exceptions import FetchError
from labwatch.corpus.fetcher import CrawlContext, request
from labwatch.corpus.records import DiscoverEntry, FetchPolicy, Source
from labwatch.corpus.registry import default_document

_XML_ROOTS = {"urlset", "sitemapindex", "feed", "rss", "rdf"}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_links(root: lxml.etree._Element) -> list[str]:
    links = []
    for el in root.iter():
        name = _local(el.tag)
        if name == "loc" and el.text:  # sitemap
            links.append(el.text.strip())
        elif name == "link":
            href = el.get("href")  # Atom: <link href=... rel="alternate"?>
            if href and el.get("rel", "alternate") == "alternate":
                links.append(href.strip())
            elif el.text and el.text.strip():  # RSS: <link>url</link>
                links.append(el.text.strip())
    return links


def _parse_xml(body: bytes) -> lxml.etree._Element | None:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError:
        return None
    return root if root is not None and _local(root.tag) in _XML_ROOTS else None


def extract_links(body: bytes, base_url: str, kind: str = "auto") -> list[str]:
    """Absolute URLs linked from a listing page, sitemap or feed (in document order)."""
    root = _parse_xml(body) if kind in ("auto", "sitemap", "feed") else None
    if root is not None:
        raw = _xml_links(root)
    elif kind in ("sitemap", "feed"):
        raise ValueError(f"{base_url}: not a valid {kind}")
    else:
        try:
            doc = lxml.html.document_fromstring(body)
        except (lxml.etree.ParserError, ValueError):
            return []
        bases = doc.xpath("//base/@href")
        base_url = urljoin(base_url, bases[0]) if bases else base_url
        raw = [str(h) for h in doc.xpath("//a/@href")]
    return [urldefrag(urljoin(base_url, link.strip()))[0] for link in raw if link.strip()]


def select_links(links: list[str], entry: DiscoverEntry, page_url: str) -> list[str]:
    """Links on an allowed host whose path matches ``entry.follow``, deduplicated."""
    allowed = {urlsplit(entry.url).hostname, urlsplit(page_url).hostname, *entry.hosts}
    pattern = re.compile(entry.follow)
    chosen: dict[str, None] = {}
    for link in links:
        parts = urlsplit(link)
        if parts.scheme in ("http", "https") and parts.hostname in allowed and pattern.search(parts.path):
            chosen.setdefault(link)
    return list(chosen)


def discover(
    client: httpx.Client,
    entry: DiscoverEntry,
    policy: FetchPolicy,
    context: CrawlContext | None = None,
) -> list[Source]:
    """Sources linked from ``entry`` (a listing page, sitemap or feed), under the crawl's
    guards. Raises FetchError (with the reason) when the page cannot be fetched or read."""
    got = request(client, entry.url, policy=policy, context=context)
    if got.status != 200:
        raise FetchError(entry.url, f"{entry.url}: HTTP {got.status} (discovery page)")
    try:
        links = extract_links(got.body, got.url, entry.kind)
    except ValueError as err:
        raise FetchError(entry.url, str(err)) from None
    return [
        Source(lab=entry.lab, url=link, document=default_document(link)) for link in select_links(links, entry, got.url)
    ]
