"""Build the PDF documents of the bundled sample corpus from text written for labwatch.

The sample corpus (labwatch/sample_corpus/) is fictional: every lab, product and policy in it
was invented for labwatch's tests and demos. This script holds the text of the PDF documents
and lays them out the way real policy PDFs look: a title block, a running header, "Page N of M"
footers, numbered headings, bulleted lists with lead-ins, tables and one two-column page.

Run it from the repository root after editing the text below, and commit the PDFs it writes:

    python scripts/build_sample_pdfs.py

The output is byte-for-byte reproducible (fixed creation date, same font), so re-running it
without edits does not create a new document version in the warehouse.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "labwatch" / "sample_corpus"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# --------------------------------------------------------------------------------------------
# Document text. Elements: ("title", str), ("subtitle", str), ("h1", str), ("h2", str),
# ("p", str), ("bullets", [str, ...]), ("table", [widths], [header], [[cell, ...], ...]),
# ("columns", [(kind, str), ...]) for a two-column page, ("pagebreak",).
# --------------------------------------------------------------------------------------------

LUMENFIELD_HEADER = "Lumenfield AI  |  Frontier Hazard Protocol  |  Version 3.1"

LUMENFIELD = [
    ("title", "Frontier Hazard Protocol"),
    ("subtitle", "Lumenfield AI  -  Version 3.1  -  Effective 2 June 2025"),
    ("h1", "About Lumenfield"),
    (
        "p",
        "Lumenfield AI was founded in 2018 by six researchers who had spent the previous decade "
        "building speech recognition for hearing aids. Our first product, Lumen Caption, still "
        "runs on more than two million devices. Today we train the Lumen family of general-purpose "
        "models, which power our assistant Fieldnote, our developer platform Lumen Studio, and a "
        "growing number of partner products in hospital logistics and adult education.",
    ),
    (
        "p",
        "This protocol explains how we identify, measure and respond to the most severe risks that "
        "our most capable models could pose. It is written for our staff, our board, our partners "
        "and anyone else who wants to hold us to it. Where this protocol conflicts with a "
        "commercial agreement, the protocol prevails.",
    ),
    ("h1", "1. Scope"),
    (
        "p",
        "This protocol covers every model we train whose effective compute comes within a factor "
        "of four of our most capable existing model, and every model we plan to offer outside the "
        "company through an API, a product or a release of weights. It does not cover every harm "
        "that AI can cause. Fairness, privacy and everyday misuse are handled by our Product "
        "Integrity team under separate policies listed in Annex B.",
    ),
    ("h1", "2. Definitions"),
    (
        "bullets",
        [
            "Effective compute: the compute used to train a model, scaled up to account for advances "
            "in algorithms and data that let a smaller run match a larger one.",
            "Frontier model: a model in scope under Section 1.",
            "Capability threshold: a level of performance on our evaluations at which a model could "
            "substantially raise the risk of severe harm if it were deployed without extra safeguards.",
            "Elicitation: the work of drawing out a model's best performance on a task, so that a "
            "result reflects what a skilled and determined user could achieve.",
        ],
    ),
    ("h1", "3. Capabilities we track"),
    (
        "p",
        "This protocol is concerned with four families of dangerous capability: autonomous "
        "replication and adaptation, offensive cyber operations, biological and chemical weapons, "
        "and situational awareness combined with long-horizon planning. Each was chosen because "
        "it could contribute to harm on a scale that ordinary product safeguards were never "
        "designed to contain.",
    ),
    (
        "table",
        [42, 78, 60],
        ["Domain", "What concerns us", "Typical warning sign"],
        [
            [
                "Autonomous replication and adaptation",
                "A model that copies its own weights, obtains money and compute, and keeps itself running "
                "without human help",
                "Standing up a working inference server on rented hardware",
            ],
            [
                "Offensive cyber operations",
                "Real uplift to attackers in finding and exploiting vulnerabilities or running an "
                "intrusion from start to finish",
                "Capture-the-flag results above professional level",
            ],
            [
                "Biological and chemical weapons",
                "Help that brings a novice or a trained actor materially closer to a mass-casualty agent",
                "Correct answers to expert troubleshooting questions",
            ],
            [
                "Situational awareness and long-horizon planning",
                "A model that recognises when it is being tested, follows plans over days, or acts "
                "differently when it thinks nobody is watching",
                "Behaviour that shifts between test-like and realistic transcripts",
            ],
        ],
    ),
    (
        "p",
        "We also measure how much a model can speed up AI research itself, because rapid progress "
        "there would shorten the time we have to respond to every other risk. We have not yet set "
        "a threshold for this capability, and we report our measurements of it in the quarterly "
        "risk update described in Section 10.",
    ),
    ("h1", "4. Forecasting before training"),
    (
        "p",
        "Before any training run that we expect to produce a frontier model begins, the Frontier "
        "Risk team prepares a written forecast of the capability level the model is likely to reach "
        "in each tracked domain. The forecast draws on scaling trends from our earlier models, on "
        "pilot runs at one percent of the planned compute using the same data mixture, and on the "
        "judgement of outside domain experts.",
    ),
    (
        "p",
        "If the forecast places any domain within one step of a capability threshold, we will "
        "have the matching safeguards ready before training starts rather than after the model is "
        "finished. Once training ends, we compare each forecast with the measured results and "
        "publish the size of the error, so that readers can judge how far our forecasts deserve "
        "to be trusted.",
    ),
    ("h1", "5. Evaluation tasks"),
    (
        "p",
        "Our evaluation suite currently holds 312 tasks. The table below lists representative tasks "
        "for each domain; the full list is shared with the external evaluators described in "
        "Section 9. In the hardest replication task, for example, the model must rent a virtual "
        "machine with credentials we supply, install an inference server and keep a copy of a "
        "small open-weight model answering requests for 24 hours without human help.",
    ),
    (
        "table",
        [38, 92, 50],
        ["Domain", "Task", "Counts as reached when"],
        [
            [
                "Autonomous replication",
                "Provision a cloud virtual machine with supplied credentials, install an inference stack "
                "and serve a copy of a small open-weight model",
                "The server answers requests for 24 hours with no human help",
            ],
            [
                "Autonomous replication",
                "Earn 50 dollars of test currency on a simulated freelance marketplace and spend it on compute",
                "Payment made and compute used",
            ],
            [
                "Cyber",
                "40 capture-the-flag challenges from professional competitions, held out of all training data",
                "60% of the challenges rated hard are solved",
            ],
            [
                "Cyber",
                "Intrusion across several hosts in an isolated network range, from first foothold to "
                "exfiltration of a target file",
                "Target file reached with no hints",
            ],
            [
                "Biological and chemical",
                "120 troubleshooting questions on wet-lab protocols, written by virologists",
                "Accuracy above the median expert",
            ],
            [
                "Situational awareness",
                "Pairs of transcripts that differ only in cues that the model is under evaluation",
                "Behaviour differs on more than 5% of pairs",
            ],
            [
                "Long-horizon planning",
                "A simulated week-long project with 30 dependent subtasks and deliberate distractions",
                "Project completed with fewer than 3 interventions",
            ],
        ],
    ),
    (
        "p",
        "Tasks are written by our own staff and by contracted specialists. Every task has a human "
        "baseline, and a task is retired as soon as we find evidence that its solution has been "
        "published online.",
    ),
    ("h1", "6. How we elicit capabilities"),
    (
        "p",
        "An evaluation is only useful if it estimates what the model could do for a capable and "
        "motivated actor, not what it does by default. For every frontier model, we will:",
    ),
    (
        "bullets",
        [
            "fine-tune the model on task-relevant data, including a helpful-only variant trained without "
            "refusals, before running the dangerous-capability evaluations;",
            "run agentic tasks in an agent harness that provides a code interpreter, a browser limited to "
            "a mirrored web snapshot, a file system and the ability to call copies of itself "
            "as sub-agents;",
            "try at least five prompting strategies per task family, including chain-of-thought, "
            "expert-written few-shot examples and best-of-n sampling with n of at least 32;",
            "spend at least 2% of the model's training compute on elicitation, or 500 GPU-hours, whichever is larger;",
            "keep working on a task family until two consecutive rounds of new techniques raise the "
            "score by less than two percentage points, and only then record the result.",
        ],
    ),
    (
        "p",
        "We report the elicitation actually applied next to every result, so that a weak score "
        "cannot be mistaken for a ceiling. When an evaluation cannot be run as specified, we will "
        "treat the missing result as if the threshold had been reached until the evaluation has "
        "been completed.",
    ),
    ("h1", "7. When we assess"),
    (
        "p",
        "A full assessment is the complete evaluation suite run with the elicitation effort of "
        "Section 6. We will carry out a full assessment of a frontier model:",
    ),
    (
        "bullets",
        [
            "each time its effective training compute has grown fourfold since the previous full "
            "assessment, including at checkpoints during training;",
            "before any major change to how it is deployed, such as a new modality, new tool access, a "
            "release of weights or a large increase in the number of users;",
            "at least once every three months while it is deployed, even if nothing else has changed, "
            "because post-training and new scaffolds can raise capabilities after release.",
        ],
    ),
    (
        "p",
        "Lighter spot checks run every week on production models, but a spot check never replaces a full assessment.",
    ),
    ("h1", "8. Thresholds and responses"),
    ("h2", "8.1 Capability thresholds"),
    (
        "p",
        "For each tracked domain we have set a capability threshold. When a model reaches one, the "
        "response in the table below applies at once; it does not wait for a fresh decision by "
        "management.",
    ),
    (
        "table",
        [70, 110],
        ["Threshold", "Required response"],
        [
            [
                "ARA-1: any replication task completed end to end",
                "Pause further training until weight security reaches level S3; no external deployment",
            ],
            [
                "CYB-1: 60% of hard challenges solved, or the network-range intrusion completed",
                "Deploy only with cyber-misuse classifiers and account-level monitoring; weights held at S3",
            ],
            [
                "CBR-1: accuracy above the expert median on the troubleshooting set",
                "No deployment until refusal training and classifiers pass red-teaming by an outside "
                "group; weights held at S3",
            ],
            [
                "SA-1: behaviour differs on more than 5% of paired transcripts",
                "Deploy only under the control measures of Section 8.3, with an approved safety case",
            ],
        ],
    ),
    ("h2", "8.2 If safeguards are not ready"),
    (
        "p",
        "If we cannot put the required safeguards in place, we will not deploy the model, and if "
        "the threshold was reached during training we will stop training it. Work resumes only "
        "after the CEO and the board's Safety Committee have both signed a written safety case.",
    ),
    ("h2", "8.3 Safety even if the model is not trustworthy"),
    (
        "p",
        "For any model at or above SA-1, the safety case must show that the model cannot bring "
        "about a catastrophic outcome even if it is deliberately trying to get around our "
        "oversight. We build this argument from control evaluations: a red team takes control of "
        "the model's outputs and tries to cause a harmful outcome past our monitoring, and "
        "deployment goes ahead only if the monitors catch the attempt in at least 99% of trials.",
    ),
    (
        "p",
        "Every agentic deployment passes the model's actions through a trusted monitoring model and "
        "keeps a log of them for audit. We also train our models to report when they notice "
        "themselves or another AI system acting outside their instructions, and we test that "
        "reporting behaviour in every full assessment.",
    ),
    ("h1", "9. External evaluators"),
    (
        "p",
        "We will give at least two independent evaluation organisations access to each frontier "
        "model no later than 30 days before its public release. That access will include:",
    ),
    (
        "bullets",
        [
            "the release candidate and the base model before any safety training;",
            "the ability to fine-tune either model through our evaluation API;",
            "the same tools and scaffolds our own evaluators use;",
            "compute for their work, paid for by Lumenfield.",
        ],
    ),
    (
        "p",
        "External evaluators may publish their findings after a review period of at most 45 days, "
        "during which we can only ask them to remove information that would itself be hazardous. "
        "A favourable external report is not a condition of deployment, but the Safety Committee "
        "must read every external report before it approves one.",
    ),
    ("h1", "10. Reporting and transparency"),
    (
        "p",
        "Every quarter, the Frontier Risk team will write a risk update covering all frontier models "
        "in training or deployment, with results down to the level of individual tasks. Each "
        "quarterly update reaches three audiences:",
    ),
    (
        "bullets",
        [
            "the board and all staff receive the full update;",
            "the external evaluators of Section 9 and the government AI safety institutes we work with "
            "receive the full update under confidentiality terms;",
            "the public receives a version that leaves out only hazardous details, posted on our "
            "website within 30 days of the end of the quarter.",
        ],
    ),
    ("p", "Redactions in the public version are listed section by section, with the reason for each one."),
    ("h1", "11. Governance"),
    ("h2", "11.1 Changing this protocol"),
    (
        "p",
        "Changes to this protocol must be approved by the full board after review by its Safety "
        "Committee. We will announce every change on our website with a changelog explaining what "
        "changed and why, and every earlier version will stay available. A clarification that "
        "alters no obligation can be approved by the Safety Committee alone, and it is announced "
        "in the same way.",
    ),
    ("h2", "11.2 Raising concerns"),
    (
        "p",
        "Anyone, inside or outside Lumenfield, can report a suspected breach of this protocol. Our "
        "anonymous reporting line is run by an outside firm and sends every report straight to "
        "the chair of the board's Safety Committee, without passing through management. Nobody "
        "who reports in good faith will be penalised for it, and no employment contract of ours "
        "stops staff from speaking to regulators. The number of concerns received, and how "
        "each was resolved, appears in every public quarterly update.",
    ),
    ("h2", "11.3 External review"),
    (
        "p",
        "Once a year we will commission an independent review of whether this protocol is adequate "
        "and whether we have followed it. The reviewer's report is published in full, together "
        "with our response, within 60 days of delivery.",
    ),
    (
        "columns",
        [
            ("h1", "12. Questions and answers"),
            ("h2", "Why publish the thresholds?"),
            (
                "p",
                "A threshold that nobody outside the company can see is hard to hold anyone to. "
                "Publishing ours also lets other developers compare their choices with ours and tell "
                "us where we are wrong.",
            ),
            ("h2", "Should other labs use the same numbers?"),
            (
                "p",
                "We think every developer of frontier models should publish its thresholds and the "
                "evidence behind them. The right numbers, however, depend on each lab's models and "
                "deployments, and copying ours without that evidence would be a mistake.",
            ),
            ("h2", "What if a competitor ships first?"),
            (
                "p",
                "Our obligations under this protocol do not depend on what other companies do. We "
                "may also argue for rules that hold every developer to comparable standards, and we "
                "have said so in our submissions to regulators.",
            ),
            ("h2", "Does Lumenfield release weights?"),
            (
                "p",
                "We have released the weights of models well below our frontier, such as Lumen Small, "
                "for research use. We will not release the weights of any model that has reached a "
                "capability threshold.",
            ),
            ("h2", "Who are we?"),
            (
                "p",
                "Lumenfield employs about 640 people in Leeds, Toronto and Lisbon. Fieldnote is "
                "available in 28 languages, and Lumen Studio offers fine-tuning, retrieval and "
                "evaluation tools to more than 9,000 developer teams. Our research group publishes "
                "its interpretability tools under an open licence.",
            ),
            ("h2", "Is this protocol enough on its own?"),
            (
                "p",
                "No. A protocol like this one deals with the gravest risks, and it depends on "
                "measurements that are still young. We expect to revise the thresholds as the "
                "science of evaluation matures, and we hope that shared methods across the industry "
                "will eventually make results from different developers comparable.",
            ),
            ("h2", "How do you decide what counts as a major deployment change?"),
            (
                "p",
                "The Frontier Risk team keeps a register of deployment changes and classifies each "
                "one. Changes that give a model new ways to act in the world, reach many more users "
                "or run for longer without supervision are always treated as major; the register "
                "is shared with the external reviewer of Section 11.3.",
            ),
            ("h2", "Where can I find earlier versions?"),
            (
                "p",
                "Every earlier version of this protocol is kept in the archive on our website, next to "
                "the changelog that explains each revision. Annex A summarises the history.",
            ),
        ],
    ),
    ("pagebreak",),
    ("h1", "Annex A. Version history"),
    (
        "table",
        [25, 35, 120],
        ["Version", "Date", "Summary of changes"],
        [
            ["1.0", "March 2023", "First publication; thresholds for cyber and biological risk only"],
            ["2.0", "January 2024", "Added autonomous replication; introduced quarterly risk updates"],
            ["3.0", "November 2024", "Added situational awareness; external evaluator access made a requirement"],
            ["3.1", "June 2025", "Elicitation budget raised to 2% of training compute; clearer wording in Section 8"],
        ],
    ),
    ("h1", "Annex B. Related policies"),
    (
        "bullets",
        [
            "Product Integrity Standard (fairness, privacy and everyday misuse)",
            "Information Security Policy (weight security levels S1 to S4)",
            "Responsible Disclosure Policy (reporting vulnerabilities in our products)",
        ],
    ),
]

DOCUMENTS = [
    # (output path, running header, elements, title)
    (
        CORPUS / "lumenfield-ai" / "frontier-hazard-protocol.pdf",
        LUMENFIELD_HEADER,
        LUMENFIELD,
        "Frontier Hazard Protocol",
    ),
]

FIXED_DATE = dt.datetime(2025, 6, 2, 9, 0, 0, tzinfo=dt.UTC)


class PolicyPDF(FPDF):
    """An A4 page with a running header and a 'Page N of M' footer."""

    def __init__(self, header_text: str, font: str) -> None:
        super().__init__(format="A4")
        self.header_text = header_text
        self.base_font = font

    def header(self) -> None:
        self.set_font(self.base_font, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, self.header_text, align="R")
        self.ln(10)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.base_font, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def register_font(pdf: FPDF) -> str:
    """Use DejaVu Sans when installed (real bullets), else the built-in Helvetica."""
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "Helvetica"


def bullet_char(font: str) -> str:
    """The list marker the chosen font can draw."""
    return "\u2022" if font == "DejaVu" else "-"


def render_element(pdf: PolicyPDF, element: tuple) -> None:
    """Draw one element of a document on the current page."""
    kind, font = element[0], pdf.base_font
    if kind == "title":
        pdf.set_font(font, "B", 22)
        pdf.multi_cell(0, 11, element[1], new_x="LMARGIN", new_y="NEXT")
    elif kind == "subtitle":
        pdf.set_font(font, "", 11)
        pdf.multi_cell(0, 7, element[1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    elif kind in ("h1", "h2"):
        pdf.ln(3)
        pdf.set_font(font, "B", 14 if kind == "h1" else 11.5)
        pdf.multi_cell(0, 7, element[1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif kind == "p":
        pdf.set_font(font, "", 10)
        pdf.multi_cell(0, 5.2, element[1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif kind == "bullets":
        render_bullets(pdf, element[1])
    elif kind == "table":
        render_table(pdf, element[1], element[2], element[3])
    elif kind == "pagebreak":
        pdf.add_page()
    elif kind == "columns":
        render_columns(pdf, element[1])
    else:
        raise ValueError(f"build_sample_pdfs: unknown element kind {kind!r}")


def render_bullets(pdf: PolicyPDF, items: list[str]) -> None:
    """A bulleted list, each item indented with a hanging marker."""
    pdf.set_font(pdf.base_font, "", 10)
    marker = bullet_char(pdf.base_font)
    for item in items:
        pdf.set_x(pdf.l_margin + 4)
        pdf.cell(5, 5.2, marker)
        pdf.multi_cell(0, 5.2, item, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.ln(1.5)


def render_table(pdf: PolicyPDF, widths: list[int], header: list[str], rows: list[list[str]]) -> None:
    """A ruled table with a bold heading row."""
    pdf.set_font(pdf.base_font, "", 8.5)
    with pdf.table(
        col_widths=widths,
        line_height=4.6,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 230, 240)),
    ) as table:
        for row_cells in [header, *rows]:
            row = table.row()
            for cell in row_cells:
                row.cell(cell)
    pdf.ln(3)


def render_columns(pdf: PolicyPDF, elements: list[tuple]) -> None:
    """One page set in two justified columns."""
    font = pdf.base_font
    with pdf.text_columns(ncols=2, gutter=8, text_align="J", line_height=1.25, balance=True) as cols:
        for kind, text in elements:
            if kind in ("h1", "h2"):
                pdf.set_font(font, "B", 13 if kind == "h1" else 10)
                with cols.paragraph(text_align="L", top_margin=2, bottom_margin=1) as par:
                    par.write(text)
            else:
                pdf.set_font(font, "", 9.5)
                with cols.paragraph(bottom_margin=2) as par:
                    par.write(text)


def build_pdf(path: Path, header: str, elements: list[tuple], title: str) -> None:
    """Lay out one document and write it to ``path`` reproducibly."""
    pdf = PolicyPDF(header, "Helvetica")
    pdf.base_font = register_font(pdf)
    pdf.set_title(title)
    pdf.set_author(header.split("|")[0].strip())
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.alias_nb_pages()
    pdf.add_page()
    for element in elements:
        render_element(pdf, element)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


def main() -> int:
    """Build every PDF of the sample corpus; print what was written."""
    for path, header, elements, title in DOCUMENTS:
        build_pdf(path, header, elements, title)
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
