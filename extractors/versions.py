"""Version strings of the extraction steps, importable without loading any parser or spaCy.

A re-run compares them (with the model and rubric) to decide from content hashes alone, before
anything heavy starts, whether a stored document needs deriving again. Bump one when its step's
output changes for the same input.
"""

PARSER_VERSION = "parse-6"  # extractors/parsing/formats.py and the format readers
SEGMENTER_VERSION = "segment-2"  # extractors/statements/segmentation.py (passage boundaries, sections, lead-ins)
FEATURES_VERSION = "features-12"  # extractors/statements/features.py and quantities.py
