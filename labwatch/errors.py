"""The root of labwatch's own errors.

Every error family the project raises on bad input or a bad state (``CorpusError``,
``ParseError``, ``WarehouseError``, ``RubricError``, ``EvalError``, ``EmbedderError``,
``ModelUnavailableError``, ``DiffInputError``, ``NotifyError`` ...) derives from
``LabwatchError``, so the CLI turns any of them, including a family added later, into one line
naming the source and what was wrong. Anything else that escapes is a bug and keeps its
traceback. This module imports nothing, so catching the root loads nothing.
"""

from __future__ import annotations


class LabwatchError(Exception):
    """Base class of every error labwatch raises on purpose; ``str(err)`` is the one-line reason."""
