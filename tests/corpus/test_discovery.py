"""Discovery of new sources from listing pages, sitemaps and feeds served on loopback."""

from __future__ import annotations

import dataclasses

import pytest

from labwatch.corpus.discovery import discover, extract_links, select_links
from labwatch.corpus.exceptions import FetchError
from labwatch.corpus.records import DiscoverEntry

LISTING = b"""<!doctype html><html><body>
<a href="/policies/safety-framework-v2.pdf">v2</a>
<a href="policies/responsible-use.pdf#page=3">relative, with fragment</a>
<a href="/policies/safety-framework-v2.pdf">duplicate</a>
<a href="/news/unrelated">news</a>
<a href="https://cdn.example.net/policies/elsewhere.pdf">other host</a>
<a href="mailto:press@example.org">mail</a>
<a href="javascript:void(0)">js</a>
</body></html>"""

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/policies/framework-2026.pdf</loc><lastmod>2026-04-01</lastmod></url>
  <url><loc>{base}/about</loc></url>
</urlset>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
  <link rel="self" href="{base}/feed.atom"/>
  <entry><title>Updated framework</title><link href="{base}/policies/updated-framework"/></entry>
  <entry><title>Hiring</title><link rel="alternate" href="{base}/jobs/engineer"/></entry>
</feed>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>
  <link>{base}/blog</link>
  <item><title>Policy</title><link>{base}/policies/rss-policy.html</link></item>
  <item><title>Other</title><link>{base}/blog/other</link></item>
</channel></rss>"""


def entry(server, path, follow=r"^/policies/", **kw):
    return DiscoverEntry(lab="example-lab", url=server.url(path), follow=follow, **kw)


def test_listing_page_links_on_same_host_matching_follow(server, client, policy):
    server.static("/news", LISTING)
    found = discover(client, entry(server, "/news"), policy)
    assert [s.url for s in found] == [
        server.url("/policies/safety-framework-v2.pdf"),
        server.url("/policies/responsible-use.pdf"),
    ]
    assert [s.document for s in found] == ["safety-framework-v2", "responsible-use"]
    assert {s.lab for s in found} == {"example-lab"}


def test_other_hosts_only_when_listed():
    links = extract_links(LISTING, "https://example.org/news")
    plain = DiscoverEntry("lab", "https://example.org/news", r"^/policies/")
    assert "https://cdn.example.net/policies/elsewhere.pdf" not in select_links(links, plain, plain.url)
    widened = dataclasses.replace(plain, hosts=("cdn.example.net",))
    assert "https://cdn.example.net/policies/elsewhere.pdf" in select_links(links, widened, plain.url)


@pytest.mark.parametrize(
    "body,path,expected",
    [
        (SITEMAP, "/sitemap.xml", ["/policies/framework-2026.pdf"]),
        (ATOM, "/feed.atom", ["/policies/updated-framework"]),
        (RSS, "/rss.xml", ["/policies/rss-policy.html"]),
    ],
)
def test_sitemaps_and_feeds(server, client, policy, body, path, expected):
    server.static(path, body.replace(b"{base}", server.url("").encode()), "application/xml")
    found = discover(client, entry(server, path), policy)
    assert [s.url for s in found] == [server.url(p) for p in expected]


def test_external_entities_are_not_resolved(server, client, policy, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("/policies/leaked")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<urlset><url><loc>{server.url('')}&x;</loc></url></urlset>"
    ).encode()
    server.static("/evil.xml", body, "application/xml")
    found = discover(client, entry(server, "/evil.xml"), policy)
    assert all("leaked" not in s.url for s in found)


def test_unreachable_discovery_page_is_a_named_error(server, client, policy):
    with pytest.raises(FetchError, match="HTTP 404"):
        discover(client, entry(server, "/missing"), policy)
    server.static("/not-a-feed", b"<html>just a page</html>")
    with pytest.raises(FetchError, match="not a valid feed"):
        discover(client, entry(server, "/not-a-feed", kind="feed"), policy)


def test_discovery_respects_robots(server, client, policy):
    server.static("/robots.txt", b"User-agent: *\nDisallow: /news\n", "text/plain")
    server.static("/news", LISTING)
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        discover(client, entry(server, "/news"), policy)
