"""A crawl of a loopback site, through to versions, failures and changes in the warehouse."""

from __future__ import annotations

import pytest

from labwatch.corpus.records import FetchPolicy
from labwatch.flows.crawling import crawl_sources
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.queries import changes
from tests.corpus.conftest import LoopbackServer, make_pdf, respond

from .conftest import invoke

pytestmark = [pytest.mark.model, pytest.mark.slow]

PAGE = """<html><head><title>Policy</title></head><body><nav>Home | About | Careers</nav>
<main><h1>Harbor Light safety policy</h1>
<h2>Evaluations</h2>
<p>We will evaluate each frontier model for autonomous replication and cyber offence before deployment.</p>
<p>We will repeat these evaluations at least every {months} months while the model is deployed.</p>
<h2>Governance</h2><p>Our board approves every change to this policy, and we announce each change publicly.</p>
</main><footer>Copyright Harbor Light</footer></body></html>"""


@pytest.fixture()
def site():
    srv = LoopbackServer()
    srv.thread.start()
    srv.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    srv.static("/policy.html", PAGE.format(months=3).encode(), "text/html")
    srv.static(
        "/framework.pdf",
        make_pdf("We will give external evaluators access to base models before deployment."),
        "text/html",
    )  # served with the wrong type: still a PDF
    srv.static("/gone.pdf", b"missing", "text/plain", status=404)
    srv.static("/private/notes.html", b"<p>secret</p>", "text/html")
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def registry(tmp_path, srv):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "harbor-light.yaml").write_text(f"""lab: harbor-light
name: Harbor Light
sources:
  - url: {srv.url("/policy.html")}
    document: safety-policy
  - url: {srv.url("/framework.pdf")}
  - url: {srv.url("/gone.pdf")}
  - url: {srv.url("/private/notes.html")}
""")
    return folder


FAST = FetchPolicy(
    allow_private=True, host_delay=0.0, retries=1, backoff=0.01, max_backoff=0.05, connect_timeout=2.0, read_timeout=2.0
)


def test_crawl_versions_failures_idempotence_and_change(tmp_path, site):
    wh = Warehouse(tmp_path / "w.duckdb")
    sources = registry(tmp_path, site)
    first = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert first["new_versions"] == 2
    reasons = " ".join(f["reason"] for f in first["failures"])
    assert "gone.pdf" in reasons and "404" in reasons
    assert "notes.html" in reasons and "robots" in reasons
    with wh.read() as con:
        fmt = con.execute("SELECT format FROM versions WHERE document_id = 'framework'").fetchone()[0]
        n_fail = con.execute("SELECT count(*) FROM failures WHERE stage = 'fetch'").fetchone()[0]
    assert fmt == "pdf" and n_fail == 2

    again = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert again["new_versions"] == 0 and again["fetched"] == 0
    with wh.read() as con:
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 2

    site.static("/policy.html", PAGE.format(months=6).encode(), "text/html")
    third = crawl_sources(wh, sources_dir=sources, policy=FAST)
    assert third["new_versions"] == 1
    with wh.read() as con:
        found = changes(con, lab="harbor-light")
    assert any(c["kind"] == "weakened" and "6 months" in (c["new"] or "") for c in found), found


def test_cli_refuses_loopback_without_allow_private(tmp_path, site):
    sources = registry(tmp_path, site)
    result = invoke("crawl", "--sources", sources, "--db", tmp_path / "w.duckdb", "--format", "json", check=False)
    assert result.exit_code == 1
    assert "127.0.0.1" in result.stdout and ("private" in result.stdout or "loopback" in result.stdout)


def test_backfill_adds_archived_captures_as_dated_versions_and_resumes(tmp_path, site):
    import json

    old_page = PAGE.format(months=1).encode()
    url = site.url("/policy.html")

    def cdx(h):
        rows = [["timestamp", "original", "digest", "statuscode", "mimetype"]]
        if site.log[-1].query.get("url") == [url]:
            rows.append(["20240115120000", url, "OLDDIGEST", "200", "text/html"])
        respond(h, 200, json.dumps(rows).encode(), "application/json")

    site.route("/cdx/search/cdx", cdx)
    site.static(f"/web/20240115120000id_/{url}", old_page, "text/html")
    wh = Warehouse(tmp_path / "w.duckdb")
    sources = registry(tmp_path, site)
    first = crawl_sources(wh, sources_dir=sources, policy=FAST, backfill=True, cdx_base=site.url(""))
    assert first["archived_captures"] == 1
    with wh.read() as con:
        versions = con.execute(
            "SELECT published FROM versions WHERE document_id = 'safety-policy' ORDER BY ordinal"
        ).fetchall()
        found = changes(con, lab="harbor-light")
    assert [str(v[0]) for v in versions] == ["2024-01-15", "None"]  # the archived capture, dated; today's page
    # history reads in date order: monthly (2024 capture) -> every 3 months (today) is a change
    assert any("1 month" in (c["old"] or "") for c in found), found
    captures_before = len(site.requests_to(f"/web/20240115120000id_/{url}"))
    again = crawl_sources(wh, sources_dir=sources, policy=FAST, backfill=True, cdx_base=site.url(""))
    assert again["archived_captures"] == 0 and again["new_versions"] == 0  # resumable: nothing refetched
    assert len(site.requests_to(f"/web/20240115120000id_/{url}")) == captures_before


def test_ingest_a_url_with_the_crawler_guard(tmp_path, site):
    url = site.url("/framework.pdf")
    db = tmp_path / "w.duckdb"
    refused = invoke("ingest", url, "--lab", "harbor-light", "--db", db, check=False)
    assert refused.exit_code != 0 and "127.0.0.1" in refused.stderr and "Traceback" not in refused.stderr
    from .conftest import invoke_json

    got = invoke_json("ingest", url, "--lab", "harbor-light", "--allow-private", "--db", db)
    assert got["new_versions"] == 1
    with Warehouse(db).read() as con:
        assert con.execute("SELECT document_id, format, source FROM versions").fetchone() == ("framework", "pdf", url)
