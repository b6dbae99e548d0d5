"""`supersedes: <document>` in the registry and in the local corpus: read, and refused when it
contradicts itself (a document superseding itself, two predecessors, a cycle)."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from labwatch.corpus.exceptions import CorpusError, RegistryError
from labwatch.corpus.local import discover_corpus
from labwatch.corpus.registry import parse_lab


def _lab(sources: str):
    return parse_lab(yaml.safe_load("lab: gamma-ai\nsources:\n" + textwrap.indent(sources, "  ")), "gamma-ai.yaml")


def test_registry_source_declares_its_predecessor():
    lab = _lab(
        "- {url: 'https://gamma.example/rmf.pdf', document: risk-framework}\n"
        "- {url: 'https://gamma.example/faf.pdf', document: frontier-framework, supersedes: risk-framework}\n"
        "- {url: 'https://gamma.example/faf.html', document: frontier-framework, supersedes: risk-framework}\n"
    )
    assert [(s.document, s.supersedes) for s in lab.sources] == [
        ("risk-framework", None),
        ("frontier-framework", "risk-framework"),
        ("frontier-framework", "risk-framework"),
    ]


@pytest.mark.parametrize(
    "sources, message",
    [
        ("- {url: 'https://g.example/a.pdf', supersedes: a}\n", "sources[0].supersedes: document 'a' cannot supersede"),
        (
            "- {url: 'https://g.example/b.pdf', supersedes: a}\n- {url: 'https://g.example/b.html', supersedes: c}\n",
            "sources[1].supersedes: 'b' supersedes 'c' here but 'a' in sources[0]",
        ),
        (
            "- {url: 'https://g.example/a.pdf', supersedes: b}\n- {url: 'https://g.example/b.pdf', supersedes: a}\n",
            "a cycle (a -> b -> a)",
        ),
        ("- {url: 'https://g.example/a.pdf', supersedes: ''}\n", "sources[0].supersedes: expected a non-empty string"),
    ],
)
def test_registry_refuses_contradictory_succession(sources, message):
    with pytest.raises(RegistryError, match=r"^gamma-ai\.yaml: ") as err:
        _lab(sources)
    assert message in str(err.value)


def _write(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_local_corpus_declares_succession_in_versions_yaml_or_a_sidecar(tmp_path):
    _write(tmp_path / "gamma" / "risk-framework" / "v1.txt")
    _write(tmp_path / "gamma" / "Frontier Framework" / "v1.txt")
    _write(tmp_path / "gamma" / "Frontier Framework" / "v2.txt")
    _write(tmp_path / "gamma" / "Frontier Framework" / "versions.yaml", "supersedes: Risk Framework\n")
    _write(tmp_path / "gamma" / "charter.txt")
    _write(tmp_path / "gamma" / "charter.txt.meta.yaml", "supersedes: bylaws\n")
    _write(tmp_path / "gamma__memo__2.txt")
    _write(tmp_path / "gamma__memo__2.txt.meta.yaml", "supersedes: note\n")
    found = {(d.document_id, d.path.name): d.supersedes for d in discover_corpus(tmp_path)}
    assert found == {
        ("risk-framework", "v1.txt"): None,
        ("frontier-framework", "v1.txt"): "risk-framework",  # slugified like a folder name
        ("frontier-framework", "v2.txt"): "risk-framework",
        ("charter", "charter.txt"): "bylaws",
        ("memo", "gamma__memo__2.txt"): "note",
    }


def test_local_corpus_refuses_two_predecessors_for_one_document(tmp_path):
    folder = tmp_path / "gamma" / "framework"
    _write(folder / "v1.txt")
    _write(folder / "v2.txt")
    _write(folder / "v1.txt.meta.yaml", "supersedes: old-a\n")
    _write(folder / "v2.txt.meta.yaml", "supersedes: old-b\n")
    with pytest.raises(CorpusError, match="v1.txt and .*v2.txt: document 'framework' of lab 'gamma' supersedes"):
        discover_corpus(tmp_path)


def test_local_corpus_refuses_a_cycle_and_self_succession(tmp_path):
    _write(tmp_path / "gamma" / "a.txt")
    _write(tmp_path / "gamma" / "a.txt.meta.yaml", "supersedes: b\n")
    _write(tmp_path / "gamma" / "b.txt")
    _write(tmp_path / "gamma" / "b.txt.meta.yaml", "supersedes: a\n")
    with pytest.raises(CorpusError, match=r"a cycle in lab 'gamma' \((a -> b -> a|b -> a -> b)\)"):
        discover_corpus(tmp_path)
    _write(tmp_path / "gamma" / "b.txt.meta.yaml", "supersedes: b\n")
    with pytest.raises(CorpusError, match="b.txt: supersedes: document 'b' cannot supersede itself"):
        discover_corpus(tmp_path)


def test_versions_of_one_date_keep_the_order_versions_yaml_lists(tmp_path):
    folder = tmp_path / "gamma" / "framework"
    for name in ("upload.txt", "a-reupload.txt"):
        _write(folder / name)
    _write(
        folder / "versions.yaml",
        "versions:\n  - {file: upload.txt, published: 2025-08-20}\n  - {file: a-reupload.txt, published: 2025-08-20}\n",
    )
    assert [d.path.name for d in discover_corpus(tmp_path)] == ["upload.txt", "a-reupload.txt"]
