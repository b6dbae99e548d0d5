"""Per-source CSS rules cut an HTML page down before trafilatura looks for its main content."""

from __future__ import annotations

import pytest

from labwatch.extractors.exceptions import MalformedDocument, SelectorMismatch
from labwatch.extractors.parsing.formats import parse_document
from labwatch.extractors.records import HtmlRules

PAGE = b"""<html><head><title>Vantor policy</title></head><body><article>
<div class="news"><h2>Latest</h2><p>We will host an open day for neighbours on Friday, with tours of the lab.</p></div>
<div class="policy"><h2>Evaluations</h2><p>We will evaluate every model for cyber capabilities before release.</p>
<p class="note">We will share results with our board within thirty days of each evaluation.</p></div>
<p class="promo">Join our newsletter to hear about our new products every single month of the year.</p>
<div class="policy"><h2>Governance</h2><p>Our board approves every change to this policy.</p></div>
</article></body></html>"""


def text(rules: HtmlRules | None = None) -> str:
    return parse_document(PAGE, source="vantor.html", rules=rules).text


def test_without_rules_the_whole_article_is_content():
    assert "open day" in text() and "newsletter" in text()


def test_select_keeps_only_the_matching_blocks_in_page_order():
    kept = text(HtmlRules(select=("div.policy",)))
    assert "open day" not in kept and "newsletter" not in kept
    assert kept.index("cyber capabilities") < kept.index("thirty days") < kept.index("approves every change")


def test_remove_drops_blocks_and_runs_before_select():
    assert "open day" not in text(HtmlRules(remove=(".news", ".promo")))
    assert "thirty days" not in text(HtmlRules(select=("div.policy",), remove=("p.note",)))


def test_nested_matches_are_kept_once_and_the_title_survives():
    doc = parse_document(PAGE, source="vantor.html", rules=HtmlRules(select=("article", "div.policy")))
    assert doc.text.count("cyber capabilities") == 1 and doc.title == "Vantor policy"


def test_rules_do_not_touch_other_formats():
    plain = b"We will publish our evaluations every quarter.\n"
    assert (
        parse_document(plain, source="p.txt", rules=HtmlRules(select=("div.x",))).text.strip() == plain.decode().strip()
    )


def test_a_select_that_matches_nothing_is_a_named_error():
    with pytest.raises(SelectorMismatch, match=r"vantor.html: select #missing matched nothing"):
        text(HtmlRules(select=("#missing",)))


def test_an_invalid_selector_is_a_named_error():
    with pytest.raises(MalformedDocument, match="not valid"):
        text(HtmlRules(select=("div[",)))


def test_the_rules_signature_changes_with_the_rules():
    a, b = HtmlRules(select=("main",)), HtmlRules(select=("main",), remove=(".x",))
    assert a.signature != b.signature and a.signature == HtmlRules(select=("main",)).signature
    assert not HtmlRules() and a
