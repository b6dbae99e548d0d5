"""History backfill against a CDX index and capture server on loopback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from labwatch.corpus.backfill import backfill_source, list_captures
from labwatch.corpus.exceptions import BackfillError
from labwatch.corpus.records import Source

from .conftest import make_pdf, respond

ORIGINAL = "https://example.org/policies/framework.pdf"
CAPTURES = {  # timestamp -> (digest, bytes)
    "20240304173919": ("DIGESTONE", make_pdf("Framework, first edition. We will test models.")),
    "20250401073019": ("DIGESTTWO", make_pdf("Framework, second edition. We will test models twice.")),
    "20250611025204": ("DIGESTTHREE", None),  # listed in the index, gone from the archive
}


@pytest.fixture
def archive(server):
    def cdx(h):
        query = server.log[-1].query
        if query.get("url") != [ORIGINAL]:
            respond(h, 200, b"[]", "application/json")
            return
        rows = [["timestamp", "original", "digest", "statuscode", "mimetype"]]
        rows += [[ts, ORIGINAL, digest, "200", "application/pdf"] for ts, (digest, _) in CAPTURES.items()]
        respond(h, 200, json.dumps(rows).encode(), "application/json")

    server.route("/cdx/search/cdx", cdx)
    for ts, (_, body) in CAPTURES.items():
        if body is not None:
            server.static(
                f"/web/{ts}id_/{ORIGINAL}",
                body,
                "text/html",
                headers={"X-Archive-Orig-Last-Modified": "Mon, 04 Mar 2024 10:00:00 GMT"},
            )
    return server


def source(**kw) -> Source:
    return Source(lab="example-lab", url=ORIGINAL, document="framework", **kw)


def test_index_query_uses_the_documented_parameters(archive, client, policy):
    captures = list_captures(client, ORIGINAL, cdx_base=archive.url(""), policy=policy)
    assert [c.timestamp for c in captures] == sorted(CAPTURES)
    query = archive.requests_to("/cdx/search/cdx")[0].query
    assert query["output"] == ["json"] and query["collapse"] == ["digest"]
    assert query["filter"] == ["statuscode:200"]
    assert query["fl"] == ["timestamp,original,digest,statuscode,mimetype"]
    assert captures[0].url == archive.url(f"/web/20240304173919id_/{ORIGINAL}")


def test_backfill_fetches_each_capture_dated_by_capture(archive, client, policy, store):
    seen: set[str] = set()
    results = backfill_source(client, source(), cdx_base=archive.url(""), policy=policy, store=store, seen=seen)
    assert [r.outcome for r in results] == ["new", "new", "failed"]
    assert [r.published for r in results] == [dt.date(2024, 3, 4), dt.date(2025, 4, 1), dt.date(2025, 6, 11)]
    first = results[0]
    assert first.content_type == "pdf" and store.get(first.sha256) == CAPTURES["20240304173919"][1]
    assert (first.lab, first.document, first.url) == ("example-lab", "framework", ORIGINAL)
    assert first.archive_timestamp == "20240304173919" and first.archive_digest == "DIGESTONE"
    assert "404" in results[2].error
    assert seen == {"20240304173919", "DIGESTONE", "20250401073019", "DIGESTTWO"}


def test_backfill_resumes_from_seen(archive, client, policy, store):
    seen = {"DIGESTONE"}
    results = backfill_source(client, source(), cdx_base=archive.url(""), policy=policy, store=store, seen=seen)
    assert [r.archive_timestamp for r in results] == ["20250401073019", "20250611025204"]
    archive.log.clear()
    again = backfill_source(client, source(), cdx_base=archive.url(""), policy=policy, store=store, seen=seen)
    assert [r.archive_timestamp for r in again] == ["20250611025204"]  # only the failed one is retried
    assert [s.path for s in archive.log if s.path.startswith("/web/")] == [f"/web/20250611025204id_/{ORIGINAL}"]


def test_limit_and_known_bytes(archive, client, policy, store):
    store.put(CAPTURES["20240304173919"][1])
    results = backfill_source(
        client, source(), cdx_base=archive.url(""), policy=policy, store=store, seen=set(), limit=1
    )
    assert len(results) == 1 and results[0].outcome == "unchanged"


def test_registry_archived_captures_are_included(archive, client, policy, store):
    extra = "/web/20230919120000id_/https://example.org/policies/framework.pdf"
    archive.static(extra, b"%PDF-1.4 the registry's capture")
    results = backfill_source(
        client, source(archived=(archive.url(extra),)), cdx_base=archive.url(""), policy=policy, store=store, seen=set()
    )
    assert results[0].archive_timestamp == "20230919120000" and results[0].published == dt.date(2023, 9, 19)


def test_no_captures_is_empty(archive, client, policy, store):
    other = Source("example-lab", "https://example.org/never-archived", "never")
    assert backfill_source(client, other, cdx_base=archive.url(""), policy=policy, store=store, seen=set()) == []


@pytest.mark.parametrize("body,status", [(b"<html>maintenance</html>", 200), (b"", 503), (b'[["x"]]', 200)])
def test_broken_index_is_a_named_error(server, client, policy, store, body, status):
    server.static("/cdx/search/cdx", body, status=status)
    with pytest.raises(BackfillError, match="example.org/policies/framework.pdf"):
        backfill_source(client, source(), cdx_base=server.url(""), policy=policy, store=store, seen=set())
