"""Statements: passages (sentences and list items) and their commitment features.

Public entries: ``segmentation.segment`` (blocks -> passages) and ``features`` (is it a
commitment, how firm, under which conditions, with which numbers). ``cues`` holds the rules'
word lists, ``quantities`` the number and condition finders, ``spacy_models`` the cached spaCy
pipelines.
"""
