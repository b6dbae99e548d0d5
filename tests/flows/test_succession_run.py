"""Succession end to end through `labwatch run --corpus DIR`: a renamed framework declared with
`supersedes` is compared with its predecessor (change rows cite page and snapshot of both
documents); a look-alike new document without a declaration is proposed, and declaring it
later -- with no file changed -- makes the next run compare them.

The corpus is written here: generated PDFs of text the team wrote."""

from __future__ import annotations

import hashlib

import pytest

from tests.extractors.pdfgen import make_policy_pdf

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _pages(title: str, interval: str, organisations: str) -> list[list[str]]:
    return [
        [
            f"# {title}",
            "## Evaluations",
            "We will evaluate each frontier model for cyber offence capabilities before deployment.",
            f"We will repeat these evaluations at least every {interval} while a model is deployed.",
            "We will record the results of every evaluation in a register kept by the safety team.",
        ],
        [
            "## External testing",
            f"We will give at least {organisations} external organisations pre-deployment access to each model.",
            "## Governance",
            "Our board approves every change to this framework and publishes the approved text.",
        ],
    ]


def _document(folder, name: str, pages, published: str, supersedes: str | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    data = make_policy_pdf(None, pages)
    (folder / name).write_bytes(data)
    head = f"supersedes: {supersedes}\n" if supersedes else ""
    (folder / "versions.yaml").write_text(f"{head}versions:\n  - {{file: {name}, published: {published}}}\n")
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    root = tmp_path_factory.mktemp("succession")
    corpus = root / "corpus"
    sha = {
        "risk": _document(
            corpus / "gamma-ai" / "risk-framework",
            "rmf.pdf",
            _pages("Gamma AI Risk Management Framework", "three months", "3"),
            "2025-02-01",
        ),
        "frontier": _document(
            corpus / "gamma-ai" / "frontier-framework",
            "faf.pdf",
            _pages("Gamma AI Frontier Framework", "six months", "2"),
            "2025-09-01",
            supersedes="risk-framework",
        ),
        # another lab renames its policy without declaring it
        "old": _document(
            corpus / "delta-ai" / "safety-policy",
            "v1.pdf",
            _pages("Delta Safety Policy", "three months", "3"),
            "2025-01-15",
        ),
        "new": _document(
            corpus / "delta-ai" / "preparedness-policy",
            "v1.pdf",
            _pages("Delta Preparedness Policy", "three months", "1"),
            "2025-07-01",
        ),
    }
    db = root / "w.duckdb"
    summary = invoke_json("run", "--no-prefect", "--corpus", corpus, "--db", db)
    assert summary["failed"] == 0, summary["failures"]
    return corpus, db, sha


def test_a_renamed_document_is_compared_with_its_predecessor(renamed):
    _, db, sha = renamed
    rows = invoke_json("changes", "--lab", "gamma-ai", "--db", db)["changes"]
    assert {r["document_id"] for r in rows} == {"frontier-framework"}
    assert {r["old_document_id"] for r in rows} == {"risk-framework"}
    assert {(r["old_snapshot_sha256"], r["new_snapshot_sha256"]) for r in rows} == {(sha["risk"], sha["frontier"])}
    interval = next(r for r in rows if "months" in (r["new"] or ""))
    organisations = next(r for r in rows if "organisations" in (r["new"] or ""))
    assert interval["old_page"] == interval["new_page"] == 1 and "Evaluations" in interval["new_section"]
    assert organisations["old_page"] == organisations["new_page"] == 2
    assert "External testing" in organisations["old_section"]
    assert all(r["old_version_id"] != r["new_version_id"] for r in rows)
    assert not any(r["silent_reupload"] for r in rows)


def test_a_look_alike_new_document_is_proposed_until_declared(renamed):
    corpus, db, sha = renamed
    doc = invoke_json("changes", "--lab", "delta-ai", "--db", db)
    assert doc["changes"] == []  # not compared: nothing declares the link
    [proposal] = doc["proposed_successions"]
    assert (proposal["document_id"], proposal["supersedes"]) == ("preparedness-policy", "safety-policy")
    assert proposal["similarity"] >= 0.5
    assert "may supersede safety-policy" in invoke("changes", "--lab", "delta-ai", "--db", db).stdout
    gamma = invoke_json("changes", "--lab", "gamma-ai", "--db", db)["proposed_successions"]
    assert gamma == []  # a declared link is not proposed

    versions = corpus / "delta-ai" / "preparedness-policy" / "versions.yaml"
    versions.write_text("supersedes: safety-policy\n" + versions.read_text())
    again = invoke_json("run", "--no-prefect", "--corpus", corpus, "--db", db)
    assert again["new_versions"] == 0 and again["skipped"] == again["documents"]  # no file changed
    after = invoke_json("changes", "--lab", "delta-ai", "--db", db)
    assert after["proposed_successions"] == []
    [dropped] = [r for r in after["changes"] if "organisations" in (r["new"] or "")]
    assert (dropped["old_snapshot_sha256"], dropped["new_snapshot_sha256"]) == (sha["old"], sha["new"])
    assert dropped["old_document_id"] == "safety-policy" and dropped["old_page"] == 2


def test_a_rewording_keeps_the_confirmed_evidence_through_run(tmp_path):
    """The independent check's second half: a confirmed commitment reworded in the next version
    keeps its credit (a `carried` event); the score does not drop."""
    folder = tmp_path / "corpus" / "epsilon-ai" / "policy"
    folder.mkdir(parents=True)
    first = "We will run a full capability assessment of each frontier model every 3 months."
    (folder / "v1.txt").write_text(f"# Epsilon Policy\n\n## Evaluations\n\n{first}\n")
    (folder / "versions.yaml").write_text("versions:\n  - {file: v1.txt, published: 2025-01-10}\n")
    db = tmp_path / "w.duckdb"
    invoke_json("run", "--no-prefect", "--corpus", tmp_path / "corpus", "--db", db)
    [item] = [i for i in invoke_json("review", "list", "--db", db, "--limit", "0")["items"] if i["text"] == first][:1]
    crit = "commitments.assessment_frequency"
    invoke("review", "confirm", item["id"], "--reviewer", "ana", "--criterion", crit, "--db", db)
    before = invoke_json("score", "--db", db, "--lab", "epsilon-ai")["labs"][0]["score"]
    assert before > 0
    reworded = "Every 3 months, we will run a full capability assessment of each frontier model."
    (folder / "v2.txt").write_text(f"# Epsilon Policy\n\n## Evaluations\n\n{reworded}\n")
    (folder / "versions.yaml").write_text(
        "versions:\n  - {file: v1.txt, published: 2025-01-10}\n  - {file: v2.txt, published: 2025-06-01}\n"
    )
    invoke_json("run", "--no-prefect", "--corpus", tmp_path / "corpus", "--db", db)
    [change] = invoke_json("changes", "--db", db, "--lab", "epsilon-ai")["changes"]
    assert change["kind"] == "reworded"
    assert invoke_json("score", "--db", db, "--lab", "epsilon-ai")["labs"][0]["score"] == before
    [credit] = [
        c
        for c in invoke_json("score", "--db", db, "--lab", "epsilon-ai")["labs"][0]["criteria"]
        if c["criterion_id"] == crit
    ]
    assert [e["text"] for e in credit["evidence"]] == [reworded]  # the current wording is the evidence
