"""Announced or silent changes end to end; Atom feeds; the webhook; and re-derivation that must
never look like a lab's change."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from labwatch.flows.feeds import (
    ATOM_NS,
    NotifyConfigError,
    WebhookError,
    load_config,
    post_webhook,
    publish_changes,
    write_feeds,
)
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse

from .conftest import invoke, invoke_json

A = f"{{{ATOM_NS}}}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")

# A policy pair written for these tests: v2 changes three commitments and its change log
# mentions two of them (the evaluation interval and the number of external evaluators).
POLICY_V1 = """# Aurora Labs Frontier Safety Policy

## Evaluations

We will evaluate every frontier model for cyber offence capabilities before deployment.
We will repeat these evaluations at least every three months while a model is deployed.

## External access

We will give at least two external evaluators access to each frontier model before release.

## Transparency

Our board approves every change to this policy.
We will publish a summary of each risk assessment within 30 days of completing it.
"""
POLICY_V2 = """# Aurora Labs Frontier Safety Policy

## Evaluations

We will evaluate every frontier model for cyber offence capabilities before deployment.
We will repeat these evaluations every six months while a model is deployed.

## External access

We will give at least one external evaluator access to each frontier model before release.

## Transparency

Our board approves every change to this policy.
We may publish a summary of each risk assessment within 90 days of completing it.

## Changes in this version

- Deployed models are now re-evaluated every six months rather than every three months.
- Pre-release access now goes to one external evaluator instead of two.
- Corrected typos and tidied the formatting of several headings.
"""


# ------------------------------------------------------------------------------ helpers


class Hook:
    """A webhook receiver on 127.0.0.1 that records each POST and answers ``status``."""

    def __init__(self, status: int = 204):
        self.status = status
        self.posts: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.posts.append(
                    {"path": self.path, "type": self.headers.get("Content-Type"), "json": json.loads(body)}
                )
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/secret-token-123"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture(autouse=True)
def no_webhook_env(monkeypatch):
    monkeypatch.delenv("LABWATCH_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("LABWATCH_WEBHOOK_ALLOW_PRIVATE", raising=False)


def change_row(lab: str, doc: str, i: int, *, announced: bool | None, detected: datetime, text: str = "") -> dict:
    return {
        "change_id": f"c_{lab}_{i:04d}",
        "lab": lab,
        "document_id": doc,
        "old_version_id": f"v_{i}a",
        "new_version_id": f"v_{i}b",
        "kind": "weakened" if i % 2 else "added",
        "reason": f"reason {i}",
        "old_text": None if i % 2 == 0 else f"We will do thing {i}. {text}",
        "new_text": f"We may do thing {i}. {text}",
        "criteria": ["accountability.verification"],
        "published": date(2025, 1, 1) + timedelta(days=i),
        "changes_version": "test",
        "announced": announced,
        "changelog_entry": f"Entry {i}" if announced else None,
        "detected_at": detected + timedelta(seconds=i),
    }


def seeded(tmp_path: Path, per_lab: dict[str, int], *, text: str = "") -> Warehouse:
    """A warehouse holding only labs, documents and change rows (no model needed)."""
    wh = Warehouse(tmp_path / "w.duckdb")
    t0 = datetime(2026, 1, 1, 12, 0, 0)
    with wh.write() as con:
        for lab, n in per_lab.items():
            store.ensure_lab(con, lab)
            con.execute(
                "INSERT INTO documents (lab, document_id, source_url) VALUES (?, 'policy', ?)",
                [lab, f"https://{lab}.example/policy?a=1&b=2"],
            )
            rows = [change_row(lab, "policy", i, announced=i % 3 != 0, detected=t0, text=text) for i in range(n)]
            store.replace_changes(con, lab, "policy", rows)
    return wh


def atom(path: Path) -> ET.Element:
    """Parse a feed and check the elements RFC 4287 requires (section 4.1.1 and 4.1.2)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, f"feed needs exactly one atom:{name}"
    assert RFC3339.match(root.findtext(f"{A}updated"))
    feed_author = root.find(f"{A}author/{A}name")
    ids = []
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, f"entry needs exactly one atom:{name}"
        assert RFC3339.match(entry.findtext(f"{A}updated"))
        for stamp in entry.findall(f"{A}published"):
            assert RFC3339.match(stamp.text)
        assert feed_author is not None or entry.find(f"{A}author/{A}name") is not None
        content = entry.find(f"{A}content")
        assert content is not None or entry.find(f"{A}link[@rel='alternate']") is not None
        assert re.match(r"^[a-z][a-z0-9+.-]*:\S+$", entry.findtext(f"{A}id"))  # an IRI
        for cat in entry.findall(f"{A}category"):
            assert cat.get("term")
        ids.append(entry.findtext(f"{A}id"))
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    return root


def silent_entries(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.findall(f"{A}entry") if any(c.get("term") == "silent" for c in e.findall(f"{A}category"))]


# ------------------------------------------------------------------- feeds (no model)


def test_feeds_are_atom_with_one_entry_per_change_and_silent_marked(tmp_path):
    wh = seeded(tmp_path, {"aurora-labs": 6, "brackenridge": 2})
    paths = write_feeds(wh)
    assert {p.name for p in paths} == {"all.atom", "aurora-labs.atom", "brackenridge.atom"}
    assert all(p.parent == tmp_path / "w.duckdb.feeds" for p in paths)
    assert {oct(p.stat().st_mode & 0o777) for p in paths} == {"0o644"}  # a web server can read them
    aurora = atom(tmp_path / "w.duckdb.feeds" / "aurora-labs.atom")
    entries = aurora.findall(f"{A}entry")
    assert len(entries) == 6
    assert {e.findtext(f"{A}id") for e in entries} == {
        f"tag:labwatch,2026:change/c_aurora-labs_{i:04d}" for i in range(6)
    }
    silent = silent_entries(aurora)
    assert len(silent) == 2  # i = 0 and 3 were not announced
    assert all(e.findtext(f"{A}title").startswith("[silent] ") for e in silent)
    loud = [e for e in entries if e not in silent]
    assert all("[silent]" not in e.findtext(f"{A}title") for e in loud)
    titles = {e.findtext(f"{A}title") for e in entries}
    assert (
        "aurora-labs weakened a commitment in policy" in titles and "aurora-labs added a commitment in policy" in titles
    )
    assert len(atom(tmp_path / "w.duckdb.feeds" / "all.atom").findall(f"{A}entry")) == 8
    # newest detection first
    stamps = [e.findtext(f"{A}updated") for e in entries]
    assert stamps == sorted(stamps, reverse=True)


def test_feed_content_carries_old_new_reason_and_survives_hostile_text(tmp_path):
    nasty = '</content><script>alert(1)</script> & "quotes" \x0c\x01 \u00e9'
    wh = seeded(tmp_path, {"aurora-labs": 2}, text=nasty)
    write_feeds(wh)
    root = atom(tmp_path / "w.duckdb.feeds" / "aurora-labs.atom")  # parses: the text was escaped
    entry = next(e for e in root.findall(f"{A}entry") if e.findtext(f"{A}id").endswith("_0001"))
    content = entry.find(f"{A}content")
    assert content.get("type") == "text"
    assert "reason 1" in content.text and "We will do thing 1." in content.text and "We may do thing 1." in content.text
    assert '</content><script>alert(1)</script> & "quotes"' in content.text and "\u00e9" in content.text
    assert entry.find(f"{A}link").get("href") == "https://aurora-labs.example/policy?a=1&b=2"


def test_feeds_keep_the_latest_200_and_ids_are_stable(tmp_path):
    wh = seeded(tmp_path, {"aurora-labs": 205})
    write_feeds(wh)
    first = atom(tmp_path / "w.duckdb.feeds" / "aurora-labs.atom")
    ids = [e.findtext(f"{A}id") for e in first.findall(f"{A}entry")]
    assert len(ids) == 200
    assert ids[0].endswith("_0204") and not any(i.endswith(("_0000", "_0004")) for i in ids)
    write_feeds(wh)
    again = atom(tmp_path / "w.duckdb.feeds" / "aurora-labs.atom")
    assert [e.findtext(f"{A}id") for e in again.findall(f"{A}entry")] == ids


def test_changes_silent_lists_only_unannounced_changes(tmp_path):
    wh = seeded(tmp_path, {"aurora-labs": 6})
    every = invoke_json("changes", "--db", wh.path)["changes"]
    silent = invoke_json("changes", "--silent", "--db", wh.path)["changes"]
    assert len(every) == 6 and {c["change_id"] for c in silent} == {"c_aurora-labs_0000", "c_aurora-labs_0003"}
    assert all(c["announced"] is False and c["changelog_entry"] is None for c in silent)
    announced = [c for c in every if c["announced"]]
    assert len(announced) == 4 and all(c["changelog_entry"].startswith("Entry ") for c in announced)
    table = invoke("changes", "--silent", "--db", wh.path).stdout
    assert "2 silent commitment changes" in table


# ----------------------------------------------------------------- webhook (no model)


def test_webhook_posts_the_changes_as_json(hook):
    changes = [{"change_id": "c_1", "lab": "aurora-labs", "kind": "weakened", "published": date(2025, 6, 1)}]
    with httpx.Client() as client:
        post_webhook(hook.url, changes, client, allow_private=True)
    [post] = hook.posts
    assert post["path"] == "/hooks/secret-token-123" and post["type"] == "application/json"
    assert post["json"]["count"] == 1 and post["json"]["changes"][0]["published"] == "2025-06-01"


def test_webhook_to_loopback_is_refused_without_allow_private(hook):
    with httpx.Client() as client, pytest.raises(WebhookError, match="loopback") as err:
        post_webhook(hook.url, [{"change_id": "c_1"}], client)
    assert hook.posts == []
    assert "secret-token" not in str(err.value)  # the token in the path is never logged


def test_webhook_error_status_is_a_named_error(hook):
    hook.status = 500
    with httpx.Client() as client, pytest.raises(WebhookError, match="HTTP 500"):
        post_webhook(hook.url, [{"change_id": "c_1"}], client, allow_private=True)


def test_publish_posts_new_changes_and_records_a_500_without_raising(tmp_path, hook):
    wh = seeded(tmp_path, {"aurora-labs": 4})
    (tmp_path / "labwatch.yaml").write_text(f"webhook_url: {hook.url}\nallow_private: true\n")
    since = datetime(2026, 1, 1, 12, 0, 2)  # changes 2 and 3 were detected after this
    report = publish_changes(wh, "r_test", since=since)
    assert report["posted"] == 2 and report["failures"] == []
    assert [c["change_id"] for c in hook.posts[0]["json"]["changes"]] == ["c_aurora-labs_0002", "c_aurora-labs_0003"]
    assert {"announced", "changelog_entry", "old", "new", "reason"} <= set(hook.posts[0]["json"]["changes"][0])
    hook.status = 500
    report = publish_changes(wh, "r_test", since=since)
    assert report["posted"] == 0 and "HTTP 500" in report["failures"][0]["reason"]
    assert (tmp_path / "w.duckdb.feeds" / "all.atom").exists()  # feeds were still written
    with wh.read() as con:
        stage, reason = con.execute("SELECT stage, reason FROM failures WHERE run_id = 'r_test'").fetchone()
    assert stage == "notify" and "HTTP 500" in reason and "secret-token" not in reason


def test_webhook_config_env_wins_and_a_bad_file_is_recorded(tmp_path, monkeypatch):
    wh = seeded(tmp_path, {"aurora-labs": 1})
    (tmp_path / "labwatch.yaml").write_text("webhook_url: http://127.0.0.1:9/from-file\n")
    assert load_config(wh).webhook_url == "http://127.0.0.1:9/from-file" and not load_config(wh).allow_private
    monkeypatch.setenv("LABWATCH_WEBHOOK_URL", "http://127.0.0.1:9/from-env")
    assert load_config(wh).webhook_url == "http://127.0.0.1:9/from-env"
    (tmp_path / "labwatch.yaml").write_text("webhook_url: [unclosed\n")
    with pytest.raises(NotifyConfigError, match="labwatch.yaml"):
        load_config(wh)
    report = publish_changes(wh, "r_bad", since=datetime(2000, 1, 1))
    assert report["posted"] == 0 and "labwatch.yaml" in report["failures"][0]["reason"]


# ------------------------------------------------------- end to end (loads the models)


@pytest.fixture(scope="module")
def aurora(tmp_path_factory):
    """The policy pair run through the pipeline once, with a webhook receiver configured."""
    root = tmp_path_factory.mktemp("aurora")
    doc = root / "corpus" / "aurora-labs" / "safety-policy"
    doc.mkdir(parents=True)
    (doc / "v1.txt").write_text(POLICY_V1)
    (doc / "v2.txt").write_text(POLICY_V2)
    receiver = Hook()
    (root / "labwatch.yaml").write_text(f"webhook_url: {receiver.url}\nallow_private: true\n")
    summary = invoke_json("run", "--no-prefect", "--corpus", root / "corpus", "--db", root / "w.duckdb")
    yield root, summary, receiver
    receiver.close()


@pytest.mark.model
@pytest.mark.slow
def test_two_of_three_changes_are_announced_and_the_third_is_silent(aurora):
    root, summary, receiver = aurora
    assert summary["new_versions"] == 2 and summary["notifications"]["failures"] == []
    every = invoke_json("changes", "--db", root / "w.duckdb")["changes"]
    assert len(every) == 3
    by_word = {c["new"].split()[2]: c for c in every}  # repeat / give / publish
    assert "six months rather than every three" in by_word["repeat"]["changelog_entry"]
    assert "one external evaluator instead of two" in by_word["give"]["changelog_entry"]
    [silent] = invoke_json("changes", "--silent", "--db", root / "w.duckdb")["changes"]
    assert silent["change_id"] == by_word["publish"]["change_id"] and silent["changelog_entry"] is None
    feed = atom(root / "w.duckdb.feeds" / "aurora-labs.atom")
    assert len(feed.findall(f"{A}entry")) == 3
    [marked] = silent_entries(feed)
    assert marked.findtext(f"{A}id").endswith(silent["change_id"])
    assert marked.findtext(f"{A}title") == "[silent] aurora-labs weakened a commitment in safety-policy"
    [post] = receiver.posts
    assert {c["change_id"] for c in post["json"]["changes"]} == {c["change_id"] for c in every}


@pytest.mark.model
@pytest.mark.slow
def test_a_parser_upgrade_is_never_a_lab_change(aurora, tmp_path, monkeypatch):
    from labwatch.flows import models, run

    src, _, receiver = aurora
    shutil.copy(src / "w.duckdb", tmp_path / "w.duckdb")
    shutil.copy(src / "labwatch.yaml", tmp_path / "labwatch.yaml")
    wh = Warehouse(tmp_path / "w.duckdb")
    write_feeds(wh)
    feed_before = (tmp_path / "w.duckdb.feeds" / "all.atom").read_bytes()
    before = invoke_json("changes", "--db", wh.path)["changes"]
    posts_before = len(receiver.posts)

    real = models.versions

    def bumped(*args, **kwargs):
        v = real(*args, **kwargs)
        return dataclasses.replace(v, parser=v.parser + "+upgraded")

    monkeypatch.setattr(models, "versions", bumped)
    monkeypatch.setattr(run, "_derivers", {})  # a fresh Deriver picks up the new signature
    again = invoke_json("run", "--no-prefect", "--corpus", src / "corpus", "--db", wh.path)
    assert again["rederived"] == 2 and again["new_versions"] == 0 and again["notifications"] == {}
    with wh.read() as con:
        signatures = {r[0] for r in con.execute("SELECT DISTINCT extractor_version FROM versions").fetchall()}
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 2
    assert len(signatures) == 1 and "+upgraded" in signatures.pop()  # it really was re-derived
    assert invoke_json("changes", "--db", wh.path)["changes"] == before
    assert len(receiver.posts) == posts_before
    assert (tmp_path / "w.duckdb.feeds" / "all.atom").read_bytes() == feed_before
    write_feeds(wh)  # even a rewrite from the warehouse shows the same entries
    assert (tmp_path / "w.duckdb.feeds" / "all.atom").read_bytes() == feed_before


CHANGELOG_PAGE = """<html><body><main><h1>Aurora Labs policy updates</h1>
<ul>{items}</ul></main></body></html>"""
POLICY_PAGE = """<html><body><main><h1>Aurora Labs safety policy</h1><h2>Evaluations</h2>
<p>We will repeat dangerous-capability evaluations at least every {months} months.</p>
<p>We will share evaluation results with our board before each deployment{tail}.</p>
</main></body></html>"""


@pytest.mark.model
@pytest.mark.slow
def test_a_change_log_page_named_in_the_registry_announces_a_change(tmp_path):
    from labwatch.corpus.records import FetchPolicy
    from labwatch.flows.crawling import crawl_sources
    from labwatch.flows.feeds import change_rows
    from tests.corpus.conftest import LoopbackServer

    site = LoopbackServer()
    site.thread.start()
    try:
        site.static("/robots.txt", b"", "text/plain")
        site.static("/policy.html", POLICY_PAGE.format(months=3, tail="").encode(), "text/html")
        site.static("/updates.html", CHANGELOG_PAGE.format(items="<li>First publication.</li>").encode(), "text/html")
        (tmp_path / "sources").mkdir()
        (tmp_path / "sources" / "aurora-labs.yaml").write_text(f"""lab: aurora-labs
name: Aurora Labs
sources:
  - url: {site.url("/policy.html")}
    document: safety-policy
    changelog: {site.url("/updates.html")}
  - url: {site.url("/updates.html")}
    document: policy-updates
""")
        wh = Warehouse(tmp_path / "w.duckdb")
        fast = FetchPolicy(allow_private=True, host_delay=0.0, retries=1, backoff=0.01, max_backoff=0.05)
        assert crawl_sources(wh, sources_dir=tmp_path / "sources", policy=fast)["new_versions"] == 2
        site.static(
            "/policy.html", POLICY_PAGE.format(months=6, tail=" unless a deadline prevents it").encode(), "text/html"
        )
        site.static(
            "/updates.html",
            CHANGELOG_PAGE.format(
                items="<li>First publication.</li>"
                "<li>We now repeat dangerous-capability evaluations every six months instead of every three months.</li>"
            ).encode(),
            "text/html",
        )
        second = crawl_sources(wh, sources_dir=tmp_path / "sources", policy=fast)
    finally:
        site.httpd.shutdown()
        site.httpd.server_close()
    assert second["new_versions"] == 2 and second["notifications"]["failures"] == []
    with wh.read() as con:
        every = change_rows(con, lab="aurora-labs")
    policy = {r["new"].split()[2]: r for r in every if r["document_id"] == "safety-policy"}
    assert set(policy) == {"repeat", "share"}
    assert policy["repeat"]["changelog_entry"] == (
        "We now repeat dangerous-capability evaluations every six months instead of every three months."
    )
    assert policy["share"]["announced"] is False  # the added condition is nowhere in the change log
    # the page's own new entry reads like a commitment: as an edit of the change log it is never silent
    page = [r for r in every if r["document_id"] == "policy-updates"]
    assert page and all(r["announced"] for r in page)
    root = atom(tmp_path / "w.duckdb.feeds" / "aurora-labs.atom")
    assert len(root.findall(f"{A}entry")) == len(every) and len(silent_entries(root)) == 1


def test_feed_content_names_the_dimensions_that_moved(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    row = change_row("aurora-labs", "policy", 1, announced=True, detected=datetime(2026, 1, 1))
    row["dimensions"] = json.dumps([{"dimension": "actor", "direction": -1, "reason": "actor dropped: 'CASI'"}])
    with wh.write() as con:
        store.ensure_lab(con, "aurora-labs")
        con.execute("INSERT INTO documents (lab, document_id, source_url) VALUES ('aurora-labs', 'policy', NULL)")
        store.replace_changes(con, "aurora-labs", "policy", [row])
    write_feeds(wh)
    entry = atom(tmp_path / "w.duckdb.feeds" / "aurora-labs.atom").find(f"{A}entry")
    assert "Moved: actor weaker (actor dropped: 'CASI')" in entry.find(f"{A}content").text
