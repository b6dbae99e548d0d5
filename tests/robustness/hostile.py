"""Generators of hostile and broken documents (all text written for these tests).

Each function returns bytes (or writes a file, for the bomb, which is built in chunks so the
test machine never holds the inflated data). Nothing here touches the network.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

from fpdf import FPDF

# Sentences for the good documents and the big text: policy-like, in our own words.
SENTENCES = [
    "We will evaluate every new model for dangerous capabilities before any external release.",
    "Independent testers receive access to the model at least four weeks before deployment.",
    "The safety board reviews each evaluation report and may halt a launch on its own authority.",
    "We commit to publishing a summary of our risk assessments twice a year.",
    "Security controls protect model weights from theft by well resourced attackers.",
    "If a model crosses a capability threshold, we will pause training until safeguards are ready.",
    "Our staff may report safety concerns anonymously to an external ombudsperson.",
    "We test for autonomous replication, cyber offence and help with biological weapons.",
    "Changes to this policy are approved by the board and logged with their reasons.",
    "Incident reports are shared with government partners within seventy two hours.",
]

SCRIPT_MARKER = "exfiltrateCookiesNow"
HANDLER_MARKER = "stealClickPayload"


def good_text(title: str, seed: int) -> bytes:
    """A short policy-like text document (markdown-ish) that parses into several passages."""
    rng = random.Random(seed)
    picked = rng.sample(SENTENCES, 6)
    body = "\n\n".join(picked)
    return f"# {title}\n\n## Commitments\n\n{body}\n".encode()


def good_pdf(lines: list[str], *, user_password: str | None = None) -> bytes:
    """A real PDF (fpdf2) with one paragraph per line; encrypted when a password is given."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line)
        pdf.ln(2)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    """A real PDF cut in half (no trailer, no %%EOF)."""
    data = good_pdf(SENTENCES * 3)
    return data[: len(data) // 2]


def truncated_pdf_with_eof() -> bytes:
    """A real PDF cut in half, with a %%EOF marker glued on (passes the cheap checks)."""
    return truncated_pdf() + b"\n%%EOF\n"


def encrypted_pdf() -> bytes:
    return good_pdf(SENTENCES[:4], user_password="let-me-in")


def random_bytes(n: int = 20_000, seed: int = 7) -> bytes:
    """Random bytes (what a corrupt download named .pdf holds)."""
    data = random.Random(seed).randbytes(n)
    return data.replace(b"%PDF-", b"%PDX-")


def html_page(title: str, paragraphs: list[str], *, extra_head: str = "", extra_body: str = "") -> bytes:
    paras = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{extra_head}</head><body><article>"
        f"<h1>{title}</h1>{extra_body}{paras}</article></body></html>"
    ).encode()


def nested_html(depth: int = 50_000) -> bytes:
    """HTML with ``depth`` nested <div>s around one sentence."""
    return (
        b"<!DOCTYPE html><html><head><title>Deep</title></head><body>"
        + b"<div>" * depth
        + b"<p>We will evaluate models deep inside this page.</p>"
        + b"</div>" * depth
        + b"</body></html>"
    )


LATIN1_WORDS = ("sécurité", "évaluation", "contrôle", "données", "préalable")


def latin1_html() -> bytes:
    """A French page encoded in latin-1 with no charset declared anywhere."""
    paras = [
        "Nous publions une évaluation de sécurité avant chaque déploiement de modèle.",
        "Un contrôle indépendant des données est réalisé par un comité externe.",
        "Tout lancement exige une autorisation préalable du conseil de sécurité.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    page = (
        f"<html><head><title>Politique de sécurité</title></head><body><article>"
        f"<h1>Politique de sécurité</h1>{body}</article></body></html>"
    )
    return page.encode("latin-1")


def binary_blob(n: int = 8_000, seed: int = 11) -> bytes:
    """Binary junk with NUL bytes and control characters (a .txt that is not text)."""
    rng = random.Random(seed)
    return bytes(rng.choice((0, 1, 2, 3, 0xFF, 0x7F, 0x1B)) if i % 3 == 0 else rng.randrange(256) for i in range(n))


def big_text(megabytes: float = 5.0, seed: int = 3) -> bytes:
    """Several MB of varied sentences in paragraphs under numbered headings."""
    rng = random.Random(seed)
    subjects = ["The lab", "Our team", "The board", "Each evaluator", "The company", "An auditor"]
    verbs = ["will review", "must test", "may publish", "commits to assess", "should report", "will restrict"]
    objects = [
        "model weights",
        "training runs",
        "deployment plans",
        "red-team findings",
        "access logs",
        "capability thresholds",
        "incident records",
        "third-party audits",
    ]
    tails = ["every quarter", "before release", "within thirty days", "on request", "each year", "after any incident"]
    target = int(megabytes * 1024 * 1024)
    out, size, section = [], 0, 0
    while size < target:
        section += 1
        # a few thousand distinct sentences, repeated in varied order (like boilerplate-heavy
        # filings): large to parse and segment, while the embedder's cache keeps encoding small
        para = " ".join(
            f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} {rng.choice(tails)}."
            for _ in range(rng.randint(3, 8))
        )
        chunk = (f"## Section {section}\n\n" if section % 25 == 1 else "") + para + "\n\n"
        out.append(chunk)
        size += len(chunk)
    return "".join(out).encode("utf-8")


def scripted_html() -> bytes:
    """A page with inline scripts, event handlers and a javascript: link around real text."""
    head = (
        f"<script>var {SCRIPT_MARKER} = function() {{ document.location = 'x' + document.cookie; }};"
        f"</script><style>body {{ color: red }} .{SCRIPT_MARKER}Style {{}}</style>"
    )
    body = (
        f"<script type='text/javascript'>{SCRIPT_MARKER}();</script>"
        f"<noscript>{SCRIPT_MARKER} fallback</noscript>"
        f'<div onclick="{HANDLER_MARKER}()" onmouseover="{HANDLER_MARKER}(1)">'
        f'<a href="javascript:{HANDLER_MARKER}()">Read our safety commitments</a></div>'
        f'<img src=x onerror="{HANDLER_MARKER}(2)">'
    )
    paras = SENTENCES[:5]
    return html_page("Scripted safety page", paras, extra_head=head, extra_body=body)


def _zeros_deflate(total: int, chunk: int) -> bytes:
    """zlib data that inflates to ``total`` zero bytes, built without compressing them all.

    After a full flush the compressor forgets its window, so every further chunk of zeros
    compresses to the same bytes: compress two chunks, repeat the second. The Adler-32 of n
    zeros is (n mod 65521) << 16 | 1, so the trailer is exact too.
    """
    comp = zlib.compressobj(9)
    zeros = bytes(chunk)
    first = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    repeat = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    n_chunks, rest = divmod(total, chunk)
    tail = comp.compress(bytes(rest)) + comp.flush()
    body = first + repeat * (n_chunks - 1) + tail[:-4]
    return body + struct.pack(">I", ((n_chunks * chunk + rest) % 65521) << 16 | 1)


def write_pdf_bomb(path: Path, inflated_gb: float = 2.0, chunk_mb: int = 64) -> Path:
    """A one-page PDF whose FlateDecode content stream inflates to ``inflated_gb`` GB of zeros.

    Compressed in chunks with zlib.compressobj, so writing it needs a few MB of memory; the
    file is ~1/1000 of the inflated size. The xref offsets are exact, so parsers take it as a
    valid PDF and have to inflate the stream to read the page.
    """
    stream = _zeros_deflate(int(inflated_gb * 1024**3), chunk_mb * 1024 * 1024)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path
