"""The source registry: the bundled files load, bad files fail with a message naming the spot."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from labwatch.corpus.exceptions import RegistryError
from labwatch.corpus.records import Source
from labwatch.corpus.registry import (
    check_registry_online,
    default_document,
    load_lab_file,
    load_registry,
)

from .conftest import respond

BUNDLED_LABS = {
    "anthropic",
    "openai",
    "google-deepmind",
    "meta",
    "microsoft",
    "amazon",
    "xai",
    "naver",
    "nvidia",
    "cohere",
    "g42",
    "magic",
}


def test_bundled_registry_covers_every_lab_with_sources_and_discovery():
    labs = load_registry()
    assert {lab.lab for lab in labs} == BUNDLED_LABS
    for lab in labs:
        assert lab.sources and lab.discover, lab.lab
        assert all(s.url.startswith("https://") for s in lab.sources)
        assert all(s.title for s in lab.sources), lab.lab
    anthropic = next(lab for lab in labs if lab.lab == "anthropic")
    rsp = sorted(s.published for s in anthropic.sources if s.document == "responsible-scaling-policy")
    assert rsp[0] == dt.date(2023, 9, 19) and len(rsp) >= 10


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """\
    lab: example-lab
    name: Example Lab
    sources:
      - url: https://example.org/policies/safety-framework.pdf
        document: safety-framework
        title: Safety Framework
        kind: pdf
        published: 2025-01-31
        archived: [https://web.archive.org/web/20250201000000id_/https://example.org/policies/safety-framework.pdf]
      - url: https://example.org/policies/safety-framework
        document: safety-framework
        kind: html
      - url: https://example.org/docs/Responsible%20Use%20Policy.PDF
    discover:
      - url: https://example.org/news
        follow: '/policies/.*'
"""


def test_valid_file_becomes_records(tmp_path):
    lab = load_lab_file(write(tmp_path, "example.yaml", GOOD))
    assert lab.lab == "example-lab" and lab.name == "Example Lab"
    first, second, third = lab.sources
    assert first.published == dt.date(2025, 1, 31) and first.kind == "pdf" and len(first.archived) == 1
    assert second.document == "safety-framework" and second.kind == "html" and second.published is None
    assert third.document == "responsible-use-policy" and third.kind == "auto"
    assert lab.discover[0].follow == "/policies/.*" and lab.discover[0].lab == "example-lab"


@pytest.mark.parametrize(
    "broken,expected",
    [
        (
            GOOD.replace("https://example.org/docs/", "ftp://example.org/docs/"),
            "bad.yaml: sources[2].url: scheme 'ftp' not allowed",
        ),
        (GOOD.replace("    lab: example-lab\n", ""), "bad.yaml: lab: missing"),
        (GOOD.replace("lab: example-lab", "lab: Example Lab"), "bad.yaml: lab: 'Example Lab' is not a lab id"),
        (GOOD.replace("kind: html", "kind: docx"), "bad.yaml: sources[1].kind: unknown kind 'docx'"),
        (GOOD.replace("follow: '/policies/.*'", "follow: '/policies/(.*'"), "bad.yaml: discover[0].follow: bad regex"),
        (
            GOOD.replace("follow: '/policies/.*'", "follow: '/x'\n        kind: podcast"),
            "bad.yaml: discover[0].kind: unknown kind 'podcast'",
        ),
        (
            GOOD.replace("published: 2025-01-31", "published: last spring"),
            "bad.yaml: sources[0].published: 'last spring' is not a date",
        ),
        (
            GOOD.replace("https://example.org/news", "file:///etc/passwd"),
            "bad.yaml: discover[0].url: scheme 'file' not allowed",
        ),
        (
            GOOD.replace(
                "      - url: https://example.org/docs/Responsible%20Use%20Policy.PDF",
                "      - url: https://example.org/policies/safety-framework.pdf\n        document: other",
            ),
            "bad.yaml: sources[2].url: https://example.org/policies/safety-framework.pdf is already sources[0] with a conflicting",
        ),
        (
            GOOD.replace(
                "      - url: https://example.org/docs/Responsible%20Use%20Policy.PDF",
                "      - url: https://example.org/policies/safety-framework\n        document: safety-framework",
            ),
            "bad.yaml: sources[2].url: duplicate of sources[1]",
        ),
        ("lab: x\nsources: {url: https://example.org}\n", "bad.yaml: sources: expected a list"),
        ("lab: x\nsources:\n  - https://example.org/a.pdf\n", "bad.yaml: sources[0]: expected a mapping"),
        ("lab: x\n", "bad.yaml: sources: no sources and nothing to discover"),
        ("- just\n- a list\n", "bad.yaml: expected a mapping"),
        ("lab: [unclosed\n", "bad.yaml: invalid YAML"),
        ("lab: x\nsources:\n  - url: https://\n", "bad.yaml: sources[0].url: no host"),
    ],
)
def test_invalid_files_name_file_key_and_problem(tmp_path, broken, expected):
    with pytest.raises(RegistryError) as info:
        load_lab_file(write(tmp_path, "bad.yaml", broken))
    assert str(info.value).startswith(expected), str(info.value)


def test_same_lab_in_two_files_is_refused(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(RegistryError, match="b.yaml: lab: 'example-lab' is already declared in a.yaml"):
        load_registry(tmp_path)


def test_empty_or_missing_directory(tmp_path):
    with pytest.raises(RegistryError, match="no registry files"):
        load_registry(tmp_path)
    with pytest.raises(RegistryError, match="not a directory"):
        load_registry(tmp_path / "absent")


@pytest.mark.parametrize(
    "url,document",
    [
        ("https://example.org/policies/safety-framework.pdf", "safety-framework"),
        ("https://example.org/a/Frontier%20Safety%20Framework%202.0.pdf", "frontier-safety-framework-2-0"),
        ("https://example.org/static-resource/meta-frontier-ai-framework/", "meta-frontier-ai-framework"),
        ("https://example.org/", "example-org"),
    ],
)
def test_default_document_is_the_last_path_segment(url, document):
    assert default_document(url) == document


def test_check_online_reports_status_and_final_url(server, client, policy):
    server.static("/ok.pdf", b"%PDF-1.4")
    server.static("/moved", b"", status=301, headers={"Location": "/ok.pdf"})

    def no_head(h):
        respond(h, 405 if h.command == "HEAD" else 200, b"body")

    server.route("/gets-only", no_head)
    sources = [Source("lab", server.url(p), p.strip("/")) for p in ("/ok.pdf", "/moved", "/gets-only", "/dead")]
    ok, moved, gets, dead = check_registry_online(sources, client, policy)
    assert (ok.ok, ok.status, ok.method) == (True, 200, "HEAD")
    assert moved.ok and moved.final_url == server.url("/ok.pdf")
    assert (gets.ok, gets.method) == (True, "GET")
    assert not dead.ok and dead.status == 404 and "404" in dead.error
    assert [s.method for s in server.requests_to("/ok.pdf")] == ["HEAD", "HEAD"]
