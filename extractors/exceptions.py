"""Errors raised by the extractors.

Hierarchy::

    ParseError(source, reason)          any document that cannot be turned into text
    ├── EmptyDocument                   no bytes, or no text at all after parsing
    ├── EncryptedPDF                    a PDF that needs a password to open
    ├── NoTextLayer                     a PDF whose pages are images only (needs OCR)
    ├── MalformedDocument               truncated or corrupt bytes, or bytes that are not what
    │                                   their name or the caller says they are
    └── UnsupportedFormat               a format we do not parse (images, archives, binary junk)

Every message reads "<source>: <what was wrong>", so a log line names the document.

The other steps' errors, each also importable from the module that raises it::

    RubricError(ValueError)             a rubric file is missing or malformed (rubric.py)
    EvalError(ValueError)               a gold or labeled eval row is malformed (evaluation.py)
    EmbedderError(RuntimeError)         an embedding model cannot be found or loaded (embedding.py)
    ModelUnavailableError(RuntimeError) the spaCy model or its components are missing (nlp.py)
    DiffInputError(ValueError)          inconsistent inputs to a commitment diff (changes.py)

This module imports only labwatch.errors, so catching any of them loads no parser, model or spaCy.
"""

from __future__ import annotations

from labwatch.errors import LabwatchError


class ParseError(LabwatchError):
    """A document could not be parsed. ``source`` names it; ``reason`` says what was wrong."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")

    def __reduce__(self):  # keep picklable across worker processes
        return (type(self), (self.source, self.reason))


class EmptyDocument(ParseError):
    """The document has no bytes, or no text once parsed."""


class EncryptedPDF(ParseError):
    """The PDF is encrypted with a user password."""


class NoTextLayer(ParseError):
    """The PDF has pages but no extractable text (scanned or image-only)."""


class MalformedDocument(ParseError):
    """The bytes are truncated, corrupt, or not the format they claim to be."""


class SelectorMismatch(ParseError):
    """A source's ``select`` rules matched nothing on the page (its layout changed?)."""


class UnsupportedFormat(ParseError):
    """The bytes are in a format the parsers do not handle (binary data, images, archives)."""


class RubricError(LabwatchError, ValueError):
    """A rubric file is missing or malformed; the message starts with the file's name."""


class EvalError(LabwatchError, ValueError):
    """A gold or labeled row is malformed; the message names the source and the row."""


class EmbedderError(LabwatchError, RuntimeError):
    """An embedding model could not be found or loaded (the message names which and why)."""


class ModelUnavailableError(LabwatchError, RuntimeError):
    """The spaCy model package is not installed or does not provide the requested components."""


class DiffInputError(LabwatchError, ValueError):
    """Inputs to ``diff_statements`` are inconsistent (the message says which and how)."""
