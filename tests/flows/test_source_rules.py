"""Per-source rules end to end on a loopback site: CSS selectors keep a page's policy block, so a
change outside it is no new version; changing the rules re-derives every stored snapshot in place
(an extraction upgrade, never a change of the lab's policy); a check interval skips a source."""

from __future__ import annotations

import pytest

from labwatch.corpus.records import FetchPolicy
from labwatch.flows.crawling import crawl_sources
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.queries import changes
from tests.corpus.conftest import LoopbackServer

from .test_notify import Endpoint

pytestmark = [pytest.mark.model, pytest.mark.slow]

# The policy sits in <div class="policy">; an "updates" block beside it in the same article
# is main content to trafilatura, so without rules its changes would be new versions.
PAGE = """<html><head><title>Quillon safety policy</title></head><body>
<article><h1>Quillon safety policy</h1>
<div class="updates"><h2>Latest updates</h2>
<p>This quarter we {news}, and we will report on it in our next newsletter.</p></div>
<div class="policy"><h2>Evaluations</h2>
<p>We will evaluate each frontier model for cyber offence before deployment.</p>
<p>We will repeat these evaluations at least every {months} months while the model is deployed.</p>
<h2>Governance</h2><p>Our board approves every change to this policy.</p></div>
</article></body></html>"""
FAST = FetchPolicy(allow_private=True, host_delay=0.0, retries=1, backoff=0.01, connect_timeout=2.0, read_timeout=2.0)


@pytest.fixture()
def site():
    srv = LoopbackServer()
    srv.thread.start()
    srv.static("/robots.txt", b"User-agent: *\n", "text/plain")
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def serve(site, *, news: str, months: int) -> None:
    body = PAGE.format(news=news, months=months).encode()
    site.static("/policy.html", body, "text/html")
    site.static("/copy.html", body, "text/html")  # the same page, registered without rules


def registry(tmp_path, site, rules: str, extra: str = "") -> object:
    folder = tmp_path / "sources"
    folder.mkdir(exist_ok=True)
    (folder / "quillon.yaml").write_text(f"""lab: quillon
sources:
  - url: {site.url("/policy.html")}
    document: safety-policy
{rules}
  - url: {site.url("/copy.html")}
    document: unruled-copy
{extra}
""")
    return folder


def texts(wh, document: str) -> list[list[str]]:
    with wh.read() as con:
        rows = con.execute(
            "SELECT v.ordinal, s.text FROM statements s JOIN versions v USING (version_id) "
            "WHERE v.document_id = ? ORDER BY v.ordinal, s.seq",
            [document],
        ).fetchall()
    out: dict[int, list[str]] = {}
    for ordinal, text in rows:
        out.setdefault(ordinal, []).append(text)
    return [out[k] for k in sorted(out)]


def signatures(wh, document: str) -> set[str]:
    with wh.read() as con:
        return {
            r[0]
            for r in con.execute("SELECT extractor_version FROM versions WHERE document_id = ?", [document]).fetchall()
        }


@pytest.fixture()
def alerts(tmp_path):
    """An alert endpoint for the policy document only (Apprise, loopback)."""
    e = Endpoint()
    (tmp_path / "labwatch.yaml").write_text(f"allow_private: true\nnotify: [{e.url('alerts')}]\n")
    yield e
    e.close()


def test_a_change_outside_the_selected_block_is_no_new_version_and_new_rules_rederive(tmp_path, site, alerts):
    wh = Warehouse(tmp_path / "w.duckdb")
    sources = registry(tmp_path, site, "    select: div.policy")
    serve(site, news="opened an office in Leeds", months=3)
    first = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert first["new_versions"] == 2 and first["failed"] == 0
    [policy] = texts(wh, "safety-policy")
    assert not any("office" in t for t in policy) and any("every 3 months" in t for t in policy)
    assert any("office" in t for t in texts(wh, "unruled-copy")[0])  # without rules the block is content

    serve(site, news="hired forty new engineers", months=3)  # only the updates block changed
    second = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert second["fetched"] == 2  # both pages' bytes changed ...
    assert len(texts(wh, "safety-policy")) == 1  # ... but the selected policy did not
    assert len(texts(wh, "unruled-copy")) == 2  # the page without rules got a new version
    assert second["new_versions"] == 1

    serve(site, news="hired forty new engineers", months=6)  # now the policy itself changes
    third = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert len(texts(wh, "safety-policy")) == 2 and third["new_versions"] == 2
    with wh.read() as con:
        before = [c for c in changes(con, lab="quillon") if c["document_id"] == "safety-policy"]
    assert [c["kind"] for c in before] == ["weakened"] and "6 months" in before[0]["new"]
    assert "6 months" in alerts.received[-1]["json"]["message"]  # a real change reaches people
    sent = len(alerts.received)
    old_signature = signatures(wh, "safety-policy")

    # The lab's page did not change; the user's rules did: remove the updates block, keep the article.
    registry(tmp_path, site, "    select: article\n    remove: div.updates")  # the h1 is content now
    fourth = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert fourth["new_versions"] == 0 and fourth["fetched"] == 0
    assert fourth["rederived"] == 2  # both versions, the older one from its stored snapshot
    assert not fourth.get("notifications") and len(alerts.received) == sent  # no policy changed: no alert
    after_sig = signatures(wh, "safety-policy")
    assert len(after_sig) == 1 and after_sig != old_signature and "+rules-" in after_sig.pop()
    with wh.read() as con:
        after = [c for c in changes(con, lab="quillon") if c["document_id"] == "safety-policy"]
    assert [(c["change_id"], c["kind"], c["reason"]) for c in after] == [
        (c["change_id"], c["kind"], c["reason"]) for c in before
    ]
    assert len(texts(wh, "safety-policy")) == 2

    fifth = crawl_sources(wh, sources_dir=sources, policy=FAST)  # idempotent
    assert fifth["rederived"] == 0 and fifth["new_versions"] == 0

    serve(site, news="moved the canteen", months=6)  # outside the new rules' content too
    sixth = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert len(texts(wh, "safety-policy")) == 2  # compared with the text as re-derived, not as first stored
    assert sixth["new_versions"] == 1  # the unruled copy only


def test_a_select_rule_that_matches_nothing_is_a_named_failure_not_a_new_version(tmp_path, site):
    wh = Warehouse(tmp_path / "w.duckdb")
    serve(site, news="opened an office", months=3)
    crawl_sources(wh, sources_dir=registry(tmp_path, site, "    select: div.policy"), policy=FAST)
    site.static("/policy.html", b"<html><body><main><p>We redesigned the whole site today.</p></main></body></html>")
    result = crawl_sources(wh, sources_dir=registry(tmp_path, site, "    select: div.policy"), policy=FAST)
    assert result["new_versions"] == 0
    [failure] = [f for f in result["failures"] if "policy.html" in f["source"]]
    assert "div.policy matched nothing" in failure["reason"]
    assert len(texts(wh, "safety-policy")) == 1


def test_a_check_interval_skips_a_source_until_it_is_due(tmp_path, site):
    wh = Warehouse(tmp_path / "w.duckdb")
    serve(site, news="opened an office", months=3)
    sources = registry(tmp_path, site, "    check_every: 12h")
    crawl_sources(wh, sources_dir=sources, policy=FAST)
    site.log.clear()
    again = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert site.requests_to("/policy.html") == [] and len(site.requests_to("/copy.html")) == 1
    assert again["not_due"] == 1 and again["sources"] == 1
    forced = crawl_sources(wh, sources_dir=sources, policy=FAST, force=True)
    assert len(site.requests_to("/policy.html")) == 1 and forced["not_due"] == 0
