"""A crawl in which sources fail is a failed crawl everywhere a user looks: the run record,
`labwatch status`, the dashboard's runs page and, when served, Prefect's state. A loopback site
needs `--allow-private`, and a refusal says so. No model: nothing here yields a version."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from labwatch.corpus.records import FetchPolicy
from labwatch.flows.crawling import crawl_sources, crawl_status
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.queries import recent_runs
from tests.corpus.conftest import LoopbackServer
from tests.dashboards.conftest import APP

from .conftest import invoke

FAST = FetchPolicy(
    allow_private=True, host_delay=0.0, retries=0, backoff=0.01, max_backoff=0.05, connect_timeout=2.0, read_timeout=2.0
)


@pytest.fixture()
def site():
    srv = LoopbackServer()
    srv.thread.start()
    srv.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    srv.static("/ok.txt", b"fine", "text/plain")
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def registry(tmp_path, srv, *paths: str):
    folder = tmp_path / "sources"
    folder.mkdir(exist_ok=True)
    urls = "".join(f"  - url: {srv.url(p)}\n" for p in paths)
    (folder / "harbor-light.yaml").write_text(f"lab: harbor-light\nname: Harbor Light\nsources:\n{urls}")
    return folder


def test_a_crawl_whose_every_fetch_failed_is_failed_in_the_record_status_and_dashboard(tmp_path, site, monkeypatch):
    wh = Warehouse(tmp_path / "w.duckdb")
    summary = crawl_sources(wh, sources_dir=registry(tmp_path, site, "/gone.pdf", "/private/a.html"), policy=FAST)
    assert summary["failed"] == 2 and summary["status"] == "failed"
    status = json.loads(invoke("status", "--db", wh.path, "--no-models", "--format", "json").stdout)
    last = status["last_run"]
    assert last["run_id"] == summary["run_id"]
    assert last["status"] == "failed" and last["n_failures"] == 2 == len(last["failures"])
    shown = invoke("status", "--db", wh.path, "--no-models")
    assert " ok " not in shown.stdout and "failed" in shown.stdout
    with wh.read() as con:
        run = recent_runs(con, limit=1)[0]
        recorded = json.loads(run["summary"])
    assert (run["status"], run["n_failures"]) == ("failed", 2)
    assert len(recorded["failures"]) == 2  # the run record holds the fetch failures themselves
    monkeypatch.setenv("LABWATCH_DB", str(wh.path))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["page"] = "Runs"
    at.run()
    runs = next(d.value for d in at.dataframe if "n_failures" in d.value.columns)
    assert (runs.iloc[0]["status"], runs.iloc[0]["n_failures"]) == ("failed", 2)


def test_a_crawl_with_failures_among_successes_is_partial():
    base = {"fetched": 0, "unchanged_fetches": 0, "archived_captures": 0}
    assert crawl_status({**base, "failed": 0}) == "ok"
    assert crawl_status({**base, "failed": 2}) == "failed"
    assert crawl_status({**base, "failed": 1, "unchanged_fetches": 3}) == "partial"
    assert crawl_status({**base, "failed": 1, "fetched": 1}) == "partial"


def test_a_refused_loopback_source_names_allow_private_and_its_url_once(tmp_path, site):
    sources = registry(tmp_path, site, "/ok.txt")
    url = site.url("/ok.txt")
    result = invoke("crawl", "--sources", sources, "--db", tmp_path / "w.duckdb", "--format", "json", check=False)
    assert result.exit_code == 1
    reason = json.loads(result.stdout)["failures"][0]["reason"]
    assert "--allow-private" in reason and reason.count(url) == 1, reason
    checked = invoke("sources", "check", "--online", "--sources", sources, "--format", "json", check=False)
    assert checked.exit_code == 1
    assert "--allow-private" in json.loads(checked.stdout)["checks"][0]["error"]
    allowed = invoke("sources", "check", "--online", "--allow-private", "--sources", sources, "--format", "json")
    assert json.loads(allowed.stdout)["checks"][0]["ok"] is True


@pytest.mark.slow
@pytest.mark.model  # the successful crawl derives a version
def test_a_served_crawl_with_failures_ends_in_prefects_failed_state(tmp_path, site, prefect_harness):
    from labwatch.flows.prefect_flows import crawl_flow

    sources = registry(tmp_path, site, "/gone.pdf")
    state = crawl_flow(sources=str(sources), db=str(tmp_path / "w.duckdb"), allow_private=True, return_state=True)
    assert state.is_failed(), state
    assert "gone.pdf" in state.message and "404" in state.message
    ok = registry(tmp_path, site, "/ok.txt")
    assert crawl_flow(
        sources=str(ok), db=str(tmp_path / "w2.duckdb"), allow_private=True, return_state=True
    ).is_completed()
