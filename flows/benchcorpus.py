"""A synthetic corpus for benchmarks: policy-like documents whose sentences are all distinct.

Distinct sentences matter: the embedding cache would otherwise make a benchmark measure cache
hits. Text is generated from the team's own phrase lists, seeded, so runs are comparable.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

SUBJECTS = [
    "We",
    "The safety team",
    "Our evaluation group",
    "The company",
    "Each model team",
    "The risk council",
    "Our security staff",
    "The deployment board",
    "An internal audit function",
    "The frontier research unit",
]
FIRM = ["will", "shall", "must", "commit to", "are required to"]
HEDGE = ["aim to", "intend to", "may", "seek to", "plan to", "where feasible will"]
ACTIONS = [
    "evaluate",
    "red-team",
    "stress-test",
    "review",
    "document",
    "benchmark",
    "monitor",
    "audit",
    "probe",
    "assess",
    "reassess",
    "test",
    "inspect",
    "characterise",
]
OBJECTS = [
    "each candidate model for {dom} capabilities",
    "the {dom} risk of every checkpoint",
    "fine-tuned variants for {dom} uplift",
    "agentic scaffolds built around the model for {dom}",
    "the safeguards protecting {dom}-relevant outputs",
    "base models before safety training for {dom}",
    "deployment changes that affect {dom} exposure",
    "the weights storage used for {dom} models",
]
DOMAINS = [
    "cyber offence",
    "autonomous replication",
    "biological misuse",
    "chemical misuse",
    "situational awareness",
    "long-horizon planning",
    "persuasion",
    "model self-exfiltration",
    "software exploitation",
    "deception",
]
WHEN = [
    "every {n}x increase in effective compute",
    "at least every {m} months",
    "before each major release",
    "within {d} days of a material change",
    "after every large fine-tuning run",
    "whenever a threshold is crossed",
    "before any external deployment",
    "during training at fixed checkpoints",
]
DESCRIPTIONS = [
    "Frontier systems in {dom} could give attackers meaningful uplift in {year}.",
    "Our offices in district {n} host about {d} researchers working on {dom}.",
    "Industry peers should publish their {dom} evaluation results as well.",
    "The {dom} benchmark suite contains {d} tasks graded by {n} specialists.",
    "A capability threshold for {dom} is defined as success on {n} of {d} tasks.",
]
HEADINGS = [
    "Scope",
    "Capability evaluations",
    "Elicitation",
    "Third-party access",
    "Governance",
    "Reporting and transparency",
    "Thresholds and responses",
    "Security",
    "Review cadence",
]


def _sentence(rng: random.Random, i: int) -> str:
    dom = rng.choice(DOMAINS)
    if rng.random() < 0.3:
        return rng.choice(DESCRIPTIONS).format(
            dom=dom, n=rng.randint(2, 90), d=rng.randint(10, 900), year=rng.randint(2024, 2031)
        )
    modal = rng.choice(FIRM if rng.random() < 0.65 else HEDGE)
    obj = rng.choice(OBJECTS).format(dom=dom)
    when = rng.choice(WHEN).format(n=rng.randint(2, 8), m=rng.randint(1, 12), d=rng.randint(3, 90))
    return f"{rng.choice(SUBJECTS)} {modal} {rng.choice(ACTIONS)} {obj} {when}, tracked as item {i}."


def generate_corpus(
    root: Path, n_docs: int, *, sentences_per_doc: int = 120, n_labs: int = 8, pdf_every: int = 4, seed: int = 7
) -> dict:
    """Write ``n_docs`` documents under ``root/<lab>/``; every fourth is a PDF. Returns counts."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    k, pdfs, pages = 0, 0, 0
    for d in range(n_docs):
        lab = f"bench-lab-{d % n_labs:02d}"
        sections = []
        for h in HEADINGS:
            body = []
            for _ in range(max(1, sentences_per_doc // len(HEADINGS))):
                body.append(_sentence(rng, k))
                k += 1
            sections.append((h, body))
        folder = root / lab
        folder.mkdir(exist_ok=True)
        if pdf_every and d % pdf_every == 0:
            pages += _write_pdf(folder / f"policy-{d:04d}.pdf", f"Bench policy {d}", sections)
            pdfs += 1
        else:
            text = [f"# Bench policy {d}", ""]
            for h, body in sections:
                text += [f"## {h}", "", " ".join(body[: len(body) // 2]), "", " ".join(body[len(body) // 2 :]), ""]
            (folder / f"policy-{d:04d}.txt").write_text("\n".join(text), encoding="utf-8")
    return {"documents": n_docs, "sentences": k, "pdfs": pdfs, "pdf_pages": pages}


def _write_pdf(path: Path, title: str, sections) -> int:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    for heading, body in sections:
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, " ".join(body))
        pdf.ln(2)
    pdf.output(str(path))
    return pdf.page_no()


# --------------------------------------------------------------------------------------------
# Real documents, shaped as a user's corpus: text files and PDFs rendered from them.
# --------------------------------------------------------------------------------------------

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_PAGE_MARK = re.compile(r"^\s*\[\[page \d+\]\]\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•●▪◦]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+")


def real_corpus(root: Path, sources: Sequence[Path], *, pdf_every: int = 2) -> dict:
    """A corpus under ``root`` from real policy texts (never copied into the project):
    ``sources`` are folders of ``<lab>__<document>[__<version>].txt`` files or of
    ``<lab>_<document>_<version>_<date>.txt`` revision texts. Every ``pdf_every``-th document
    is rendered as a PDF (headings, list items, page breaks at ``[[page N]]``), the others are
    copied as text, so each text is read once, in one format. Returns counts."""
    root.mkdir(parents=True, exist_ok=True)
    files = sorted(p for src in sources for p in Path(src).glob("*.txt"))
    pdfs = pages = 0
    for i, path in enumerate(files):
        name = path.stem if "__" in path.stem else _revision_name(path.stem)
        text = path.read_text(encoding="utf-8", errors="replace")
        if pdf_every and i % pdf_every == 1:
            pages += render_text_pdf(root / f"{name}.pdf", text)
            pdfs += 1
        else:
            (root / f"{name}.txt").write_text(text, encoding="utf-8")
    return {"documents": len(files), "pdfs": pdfs, "pdf_pages": pages}


def _revision_name(stem: str) -> str:
    """``lab_document_version_date`` -> ``lab__document__date[-version]`` (ordered by date)."""
    lab, document, *rest = stem.split("_")
    version, published = "_".join(rest[:-1]), rest[-1] if rest else ""
    tail = version if version.startswith(published) else f"{published}-{version}"
    return f"{lab}__{document}__{tail}"


def render_text_pdf(path: Path, text: str) -> int:
    """Lay a policy text out as a PDF the way publishers do: headings in bold, list items as
    hanging paragraphs, paragraphs re-flowed, a new page at each ``[[page N]]`` marker."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    unicode = (_DEJAVU / "DejaVuSans.ttf").exists()
    if unicode:
        pdf.add_font("body", "", str(_DEJAVU / "DejaVuSans.ttf"))
        pdf.add_font("body", "B", str(_DEJAVU / "DejaVuSans-Bold.ttf"))
    family = "body" if unicode else "Helvetica"
    pdf.add_page()

    def clean(s: str) -> str:
        return s if unicode else s.encode("latin-1", "replace").decode("latin-1")

    para: list[str] = []
    wrote = False  # anything on the current page yet (a leading [[page 1]] adds no blank page)

    def flush() -> None:
        nonlocal wrote
        if para:
            pdf.set_font(family, "", 10)
            pdf.multi_cell(0, 5, clean(" ".join(para)), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            para.clear()
            wrote = True

    for line in text.splitlines():
        if _PAGE_MARK.match(line):
            flush()
            if wrote:
                pdf.add_page()
                wrote = False
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("#"):
            flush()
            pdf.set_font(family, "B", 12)
            pdf.multi_cell(0, 7, clean(line.lstrip("# ").strip()), new_x="LMARGIN", new_y="NEXT")
            wrote = True
        elif _LIST_ITEM.match(line):
            flush()
            para.append(line.strip())
        else:
            para.append(line.strip())
    flush()
    pdf.output(str(path))
    return pdf.page_no()
