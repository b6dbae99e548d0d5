"""Parsing: document bytes -> ``ParsedDocument`` (blocks with page and section provenance).

Public entry: ``formats.parse_document`` sniffs the real format and hands over to ``pdf``
(reading positioned text; ``pdf_layout`` turns it into blocks), ``html`` (main content) or
``text`` (plain text and markdown, and the block rules the others share).
"""
