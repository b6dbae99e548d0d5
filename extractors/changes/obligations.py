"""Which statements carry an obligation, and so are compared between versions.

Not only what the commitment rules accept: a hedged or recommended practice, a commitment
embedded in a subordinate clause ("this implies that we commit to pause ..."), a threshold
("less than 1 in 20", "4x effective compute") or a definition that commitments depend on can
all move an obligation, and a miss of the commitment detector must not hide their change.
Descriptions of the world, headings and page furniture carry none.
"""

from __future__ import annotations

import re

from labwatch.extractors.changes.alignment import compare_text, strip_numbering
from labwatch.extractors.records import Statement

# The lab speaking of itself with a cue of obligation, anywhere in the sentence (so a clause
# the commitment rules read as subordinate still counts).
_OWN_OBLIGATION = re.compile(
    r"\b(?:we|our|us)\b[^.;:]*?\b(?:will|would|shall|must|may|might|could|should|commit\w*|pledge\w*|"
    r"intend\w*|aim\w*|plan\w*|expect\w*|seek\w*|strive\w*|endeavou?r\w*|require\w*|ensure\w*|"
    r"continue\w* to|explor\w*|consider\w*|reserve\w*)\b"
    # "our approach / safeguard / strategy is to train ...": a practice stated as a definition
    r"|\bour\b[^.;:]*?\b(?:is|are) to \w+",
    re.IGNORECASE,
)
_THRESHOLD = re.compile(
    r"\b(?:less|more|fewer|greater|lower|higher) than\b|\bat (?:least|most)\b|\b\d+(?:\.\d+)?\s*(?:%|percent|x\b|×)"
    r"|\b\d+ (?:out of|in|of) \d+\b|\bthresholds?\b|\bcriteri(?:a|on)\b|\b(?:every|within) (?:\w+ )?\d",
    re.IGNORECASE,
)
# The policy saying what it covers ("This framework applies to all frontier models", "This
# Framework outlines our approach to handling catastrophic risks"): its scope, which a
# revision can narrow or widen like any commitment's.
_POLICY_SCOPE = re.compile(
    r"^\W*this\b[^.;:]{0,60}?\b(?:framework|policy|document|standard|protocol|plan)\b[^.;:]{0,40}?"
    r"\b(?:appl(?:y|ies)|covers?|outlines?|governs?|sets? out|describes?|establish(?:es)?|addresses?)\b",
    re.IGNORECASE,
)
# The policy or the lab stating that it complies with a law or standard ("This Framework
# complies with the Act", "we adhere to ISO/IEC 42001"): a disclosure a revision can drop.
_COMPLIANCE = re.compile(
    r"^\W*(?:this|we|our)\b[^.;:]{0,60}?\b(?:compl(?:y|ies)|conforms?|adheres?|aligns?|is aligned)\s+(?:with|to)\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(r"\b(?:means|is defined as|are defined as|refers? to|we define|shall mean)\b", re.IGNORECASE)
_MIN_WORDS = 4  # a heading, a page number or a running header is shorter
# A lead-in that says what a set of the lab's measures consists of ("Tier 3 security
# safeguards include:", "The required controls are:"): each item is one of those measures,
# which a commitment elsewhere makes binding ("must be protected by Tier 3 safeguards").
_MEASURE_LEAD_IN = re.compile(
    r"\b(?:safeguards?|measures?|controls?|protections?|mitigations?|requirements?|practices?|procedures?|"
    r"commitments?)\b[^.;:]{0,40}?\b(?:include|includes|including|consists? of|comprises?|are|is|cover|covers)\s*:?\s*$",
    re.IGNORECASE,
)


# A document's own notes on its revision ("Changes in this version", "Revision history"): they
# report what changed elsewhere in the text, which is compared there; an item such as "Models
# are now re-evaluated every six months" is an announcement, not a commitment of its own.
_REVISION_NOTES = re.compile(
    r"\b(?:change ?log|changes (?:in|to|since) (?:this|the)\b|revision (?:history|notes|log)|version history|"
    r"document history|summary of (?:changes|revisions)|what(?:'s| is) new|release notes)",
    re.IGNORECASE,
)


def carries_obligation(statement: Statement) -> bool:
    """True when ``statement`` states, qualifies or conditions something the lab does."""
    if any(_REVISION_NOTES.search(h) for h in statement.passage.section):
        return False
    f = statement.features
    if f.is_commitment or f.strength in ("firm", "hedged") or f.category in ("commitment", "hedge", "recommendation"):
        return True
    text = compare_text(statement)
    if len(text.split()) < _MIN_WORDS:
        return False
    lead_in = statement.passage.lead_in or ""
    return bool(
        (lead_in and _MEASURE_LEAD_IN.search(lead_in))
        or _OWN_OBLIGATION.search(text)
        or _THRESHOLD.search(text)
        or _DEFINITION.search(text)
        or _POLICY_SCOPE.search(own := strip_numbering(statement.passage.text))
        or _COMPLIANCE.search(own)
    )


def obligation_label(statement: Statement) -> str:
    """What kind of obligation-bearing statement this is, for a reason ('firm commitment',
    'hedged statement', 'threshold', 'definition', 'embedded commitment', 'statement of
    compliance')."""
    f = statement.features
    if f.is_commitment:
        return f"{f.strength} commitment"
    if f.strength == "hedged" or f.category == "hedge":
        return "hedged statement"
    if f.category == "recommendation":
        return "recommendation"
    text = compare_text(statement)
    if _OWN_OBLIGATION.search(text):
        return "embedded commitment"
    if _THRESHOLD.search(text):
        return "threshold"
    if _MEASURE_LEAD_IN.search(statement.passage.lead_in or ""):
        return "listed measure"
    own = strip_numbering(statement.passage.text)  # its own words, without number or lead-in
    if _POLICY_SCOPE.search(own):
        return "scope of the policy"
    if _COMPLIANCE.search(own):
        return "statement of compliance"
    return "definition"
