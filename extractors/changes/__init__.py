"""Changes: commitment-level differences between two versions of one document.

Public entry: ``classification.diff_statements`` (aligns the statements of two versions with
``alignment`` and classifies each pair); ``changelog`` links changes to the entries of a
version's own change log (announced or silent).
"""
