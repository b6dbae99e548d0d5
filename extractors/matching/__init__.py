"""Matching: passages -> suggested rubric criteria, and the accuracy of those suggestions.

Public entries: ``matcher.Matcher`` (scores every passage against every criterion),
``rubric.load_rubric`` (the rubric YAML files in ``rubrics/``), ``embeddings`` (the packaged
sentence encoders) and ``evaluation`` (the metrics of ``labwatch eval``).
"""
