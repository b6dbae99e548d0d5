"""Vocabulary of the commitment rules in ``features.py``: word lists and cue tables, no logic.

Every entry is lower-case, as ``features`` compares lower-cased tokens (``"'ll"``, ``"n't"``,
``"wo"`` and ``"ca"`` are spaCy's pieces of contractions). The groups:

- cues: words that decide a clause's category and modality (firm modals, commitment verbs,
  hedges, recommendations, beliefs, the document speaking about itself, predictions);
- subjects: words that say who a clause binds (the lab and its bodies, its people, others,
  the world);
- verbs: verb forms that read as a main verb after a subject, and words that rule one out;
- clause structure: words and patterns that split sentences into clauses and find where a
  passage's content starts (list markers, notes and examples).
"""

from __future__ import annotations

import re

_W = str.split


# --- cues: what a clause says (commitment, hedge, recommendation, belief, description) --------

FIRM = {"will": "will", "shall": "shall", "must": "must", "'ll": "will", "wo": "will"}
COMMIT = set(_W("commit commits committed committing pledge pledges pledged"))
HEDGE_VERBS = set(
    _W(
        "aim aims aiming intend intends intending seek seeks seeking strive strives striving hope "
        "hopes hoping plan plans planning expect expects expecting anticipate anticipates endeavor "
        "endeavour endeavors endeavours try tries trying explore explores exploring consider "
        "considers considering envision envisions wish wishes want wants aspire aspires"
    )
)
HEDGE_MODALS = {"may", "might", "could"}
HEDGE_ADVERBS = set(_W("typically usually generally often sometimes normally occasionally ideally"))
GOAL_NOUNS = set(_W("goal goals aim aims ambition ambitions aspiration aspirations objective hope"))
RECOMMEND = set(_W("should ought recommend recommends recommended encourage encourages urge urges advise"))
BELIEF = set(
    _W(
        "believe believes think thinks recognize recognizes recognise recognises acknowledge "
        "acknowledges know knows understand understands feel feels view views see sees agree agrees "
        "note notes find finds need needs doubt doubts suspect consider considers value values care "
        "cares welcome welcomes appreciate appreciates"
    )
)
HEDGE_PARTICIPLES = set(_W("aimed intended planned expected hoped meant"))
# what the document itself does ("In this section we describe ..."): meta-discourse, not practice
DISCOURSE = set(
    _W(
        "describe describes outline outlines discuss discusses present presents focus focuses introduce "
        "introduces summarize summarizes summarise summarises explain explains refer refers list lists "
        "illustrate illustrates highlight highlights cover covers define defines"
    )
)
CHANGE_VERBS = set(_W("evolve change grow become emerge increase decrease rise fall vary shift mature"))
COGNITION = set(_W("understood seen viewed considered interpreted read noted regarded treated"))
EXPECTATION = set(_W("possible able likely feasible expected clear important noted"))
DEFINING = set(_W("defined understood referred known considered called meant regarded"))
NEGATORS = {"not", "n't", "never", "no", "neither", "nor", "cannot"}


# --- subjects: who a clause binds -------------------------------------------------------------

FIRST = set(_W("we us our ours i my"))
GENERIC_ACRONYMS = set(_W("AI AGI ASI ML LLM LLMs CBRN API APIs GPU GPUs CPU R&D US UK EU CCL CCLs"))
LAB_NOUNS = set(
    _W(
        "board committee council team teams staff employee employees leadership officer officers chair "
        "company lab laboratory management function body group reviewers auditors member members "
        "anyone personnel department unit executives ceo director directors"
    )
)
# One-word subjects that are common nouns, not names ("Access requires", "Staff complete").
COMMON_SUBJECTS = frozenset(
    "access security safety research training evaluation testing monitoring deployment data everyone "
    "nobody anyone someone each this that it there management leadership staff oversight governance".split()
)
PEOPLE = set(_W("employee employees staff anyone personnel member members individuals workers"))
WORLD = set(
    _W(
        "model models system systems ai agi attacker attackers adversary adversaries actor actors "
        "threat threats risk risks capability capabilities it they he she there "
        "people society world humans human misuse harm harms autonomy agent agents weights "
        "malicious criminals technology technologies progress"
    )
)
OTHERS = set(_W("labs developers companies industry governments policymakers regulators firms providers"))
# The other party of an agreement ("The Evaluator shall report its findings"): its duties are
# not the lab's, though what it is given ("shall be given access", "will receive") is.
COUNTERPARTIES = set(
    _W(
        "evaluator evaluators assessor assessors tester testers recipient recipients licensee licensees "
        "contractor contractors vendor vendors supplier suppliers customer customers grantee grantees "
        "participant participants subscriber subscribers counterparty counterparties"
    )
)
RECEIVING = set(_W("receive receives get gets obtain obtains retain retains have has be"))
POLICY_NOUNS = set(
    _W(
        "criteria criterion threshold thresholds policy policies process procedure requirement "
        "requirements standard standards practice practices rule rules cadence frequency commitment"
    )
)
WORLD_AGENTS = set(
    _W(
        "attacker attackers adversary adversaries actor actors criminals people humans society user users "
        "someone anyone novice novices expert experts"
    )
)


# --- verbs: what reads as a main verb after a subject -----------------------------------------

VERB_BASE = set(
    _W(
        "accept adopt align allow apply appoint approve archive assess assign audit authorize build "
        "calibrate check choose collaborate collect commission communicate compare complete comply "
        "conduct confirm consult continue contract coordinate create define delay delete deliver "
        "deploy describe design detect determine develop disclose document elicit employ enable "
        "encrypt engage enforce ensure escalate establish estimate evaluate examine execute expand "
        "follow forecast fund gather grant halt handle harden identify implement improve include "
        "incorporate inform inspect integrate investigate involve isolate keep label launch limit "
        "log maintain make manage measure meet minimize mitigate monitor notify obtain offer operate "
        "oversee partner pause perform permit pilot prepare prevent prioritize prohibit protect "
        "provide publish rate reassess re-evaluate receive record reduce refine release remove "
        "report request require reserve respond restrict retain retrain revise review revoke run "
        "screen secure select send set share specify sponsor stop store submit supervise support "
        "suspend take test track train treat trigger undergo update use validate verify withhold "
        "work utilize utilise leverage adjust analyze analyse address combine instruct invest "
        "moderate simulate strengthen study filter refuse rely reference adhere participate contribute join "
        "host convene invite sign brief rotate spend post hire allocate dedicate"
    )
)


def _third(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


VERB_S = {_third(v) for v in VERB_BASE} | {"has", "does"}
WORLD_VERBS = set(
    _W(
        "enable enables allow allows pose poses increase increases reduce reduces lead leads cause "
        "causes become becomes remain remains seem seems appear appears indicate indicates suggest "
        "suggests show shows demonstrate demonstrates imply implies mean means depend depends vary "
        "varies exist exists emerge emerges represent represents constitute constitutes involve involves"
    )
)
PATIENT_VERBS = set(_W("undergo undergoes receive receives"))
VERB_CANDIDATES_S = (
    VERB_S
    | {
        _third(v)
        for v in _W(
            "enable allow pose increase reduce lead cause become remain seem appear indicate suggest show "
            "demonstrate imply mean depend vary exist emerge represent constitute involve"
        )
    }
    | {"undergoes"}
)
VERB_CANDIDATES_BASE = VERB_BASE | set(
    _W(
        "indicate suggest show demonstrate imply mean depend vary exist emerge represent constitute "
        "pose cause become remain seem appear"
    )
)
PARTICIPLES_IRREGULAR = set(
    _W(
        "made done given taken held run set kept shown known built sent seen written chosen met led "
        "paid put read sought brought taught found subject overseen undertaken"
    )
)
COPULA = set(_W("is are"))
AUX_NEXT = set(_W("is are was were will would shall should must can could may might has have had do does"))
NOT_ACTIONS = set(_W("including following regarding concerning according"))


# --- clause structure: where clauses start and end, and where a passage's content starts ------

SUBORDINATORS = set(
    _W(
        "if unless until when whenever where wherever whether because although though while whereas "
        "once before after that which who whom whose what how lest so"
    )
)
CONDITIONALS = set(_W("if when whenever once should upon"))
LEAD_AS = set(_W("we i it they the a an our these this those such ai models model problems"))
CONJ = set(_W("and or but then also so nor"))
ADVERBS = set(
    _W(
        "also then still always further now already both all each first additionally therefore "
        "thus however only jointly in addition importantly subsequently"
    )
)
NOUN_MARKERS = set(
    _W(
        "the a an our their its of for to in on with by from at this these those that each every any "
        "some no such his her your my"
    )
)
PREPOSITIONS = set(_W("as of for in at with on from by about across under within between among to"))
NOUN_FOLLOWERS = set(_W("to and or of for , . ; : that in on are is at with from such"))
# list enumerators: "1", "a", "iv" (before "." or ")", or inside brackets)
LIST_ENUM = re.compile(r"^(?:\d{1,3}|[a-z]|[ivx]{1,4})$")
# openings of notes and examples, as word lists: what follows illustrates, it is not policy
ILLUSTRATIVE = [
    o.split()
    for o in (
        "note",
        "for example",
        "for instance",
        "e.g.",
        "as an example",
        "to illustrate",
        "illustratively",
        "as an illustration",
    )
]
