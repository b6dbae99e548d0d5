"""Change rows a reader can cite, end to end through `labwatch run --corpus DIR`: both sides'
page, section, version and snapshot sha256 (and URL), in the JSON, the table and the Atom feed;
and a re-upload under the same date that changed a commitment, flagged silent.

The corpus is written here: a lab's framework as three generated PDFs, the third a re-upload
carrying the second's date that drops one of three external organisations."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest

from labwatch.flows.feeds import ATOM_NS, LW_NS
from tests.extractors.pdfgen import make_policy_pdf

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]

URL = "https://gamma.example/frontier-framework.pdf"


def _framework(interval: str, organisations: str) -> list[list[str]]:
    return [
        [
            "# Gamma AI Frontier Framework",
            "## Evaluations",
            "We will evaluate each frontier model for cyber offence capabilities before deployment.",
            f"We will repeat these evaluations at least every {interval} while a model is deployed.",
        ],
        [
            "## External testing",
            f"We will give at least {organisations} external organisations pre-deployment access to each model.",
            "## Governance",
            "Our board approves every change to this framework.",
        ],
    ]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("provenance")
    folder = root / "corpus" / "gamma-ai" / "frontier-framework"
    folder.mkdir(parents=True)
    files = {
        "framework-v1.pdf": make_policy_pdf(None, _framework("three months", "3")),
        "framework-v2.pdf": make_policy_pdf(None, _framework("six months", "3")),
        "framework-v2-fixed.pdf": make_policy_pdf(None, _framework("six months", "2")),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "versions.yaml").write_text(
        "versions:\n"
        f"  - {{file: framework-v1.pdf, published: 2025-03-01, url: '{URL}'}}\n"
        f"  - {{file: framework-v2.pdf, published: 2025-08-20, url: '{URL}'}}\n"
        f"  - {{file: framework-v2-fixed.pdf, published: 2025-08-20, url: '{URL}'}}\n",
        encoding="utf-8",
    )
    db = root / "w.duckdb"
    summary = invoke_json("run", "--no-prefect", "--corpus", root / "corpus", "--db", db)
    assert summary["failed"] == 0, summary["failures"]
    sha = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    return db, sha


def _change(rows, word):
    [row] = [r for r in rows if word in (r["new"] or "") or word in (r["old"] or "")]
    return row


def test_each_side_of_a_change_cites_page_section_version_and_snapshot(corpus_run):
    db, sha = corpus_run
    rows = invoke_json("changes", "--db", db)["changes"]
    interval = _change(rows, "months")
    assert interval["kind"] == "weakened" and interval["silent_reupload"] is False
    assert (interval["old_snapshot_sha256"], interval["new_snapshot_sha256"]) == (
        sha["framework-v1.pdf"],
        sha["framework-v2.pdf"],
    )
    assert interval["old_page"] == interval["new_page"] == 1
    assert "Evaluations" in interval["old_section"] and "Evaluations" in interval["new_section"]
    assert interval["old_url"] == interval["new_url"] == URL
    assert interval["new_link"] == f"{URL}#page=1"
    assert interval["old_document_id"] == interval["document_id"] == "frontier-framework"
    versions = {r["new_version_id"] for r in rows} | {r["old_version_id"] for r in rows}
    assert len(versions) == 3


def test_a_same_date_reupload_that_changed_a_commitment_is_flagged_silent(corpus_run):
    db, sha = corpus_run
    rows = invoke_json("changes", "--db", db)["changes"]
    dropped = _change(rows, "organisations")
    assert dropped["silent_reupload"] is True and dropped["announced"] is False
    assert dropped["published"] == dropped["old_published"] == "2025-08-20"
    assert dropped["old_seen_at"] < dropped["new_seen_at"]  # first seen decides the order
    assert (dropped["old_snapshot_sha256"], dropped["new_snapshot_sha256"]) == (
        sha["framework-v2.pdf"],
        sha["framework-v2-fixed.pdf"],
    )
    assert dropped["old_page"] == dropped["new_page"] == 2
    assert "External testing" in dropped["new_section"]
    assert rows.index(dropped) > rows.index(_change(rows, "months"))  # oldest first
    assert dropped in invoke_json("changes", "--silent", "--db", db)["changes"]
    table = invoke("changes", "--db", db).stdout
    assert "silent re-upload" in table and "p.2" in table


def test_the_feed_entry_carries_both_sides_provenance(corpus_run):
    db, sha = corpus_run
    root = ET.parse(db.with_name(db.name + ".feeds") / "gamma-ai.atom").getroot()
    a, lw = f"{{{ATOM_NS}}}", f"{{{LW_NS}}}"
    entries = root.findall(f"{a}entry")
    assert len(entries) == 2
    [reupload] = [e for e in entries if any(c.get("term") == "silent-reupload" for c in e.findall(f"{a}category"))]
    old, new = reupload.find(f"{lw}old"), reupload.find(f"{lw}new")
    assert old.get("sha256") == sha["framework-v2.pdf"] and new.get("sha256") == sha["framework-v2-fixed.pdf"]
    assert old.get("page") == new.get("page") == "2" and "External testing" in new.get("section")
    assert new.get("url") == URL and new.get("version", "").startswith("v_")
    assert reupload.find(f"{a}link[@rel='alternate']").get("href") == f"{URL}#page=2"
    assert reupload.findtext(f"{a}title").startswith("[silent] ")
    assert "snapshot sha256 " + sha["framework-v2-fixed.pdf"] in reupload.findtext(f"{a}content")
