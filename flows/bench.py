"""`labwatch bench`: how fast the pipeline runs beside its limit, the embedding model.

Each timed step is a separate process, as a user would run it: a cold `labwatch run` on a fresh
warehouse, an unchanged re-run, and encode-only processes that load one encoder (torch, int8
ONNX) and encode the run's distinct passage texts, the least any pipeline must do. A repeat
times the cold run and both encode-only processes back to back, so each ratio is measured
within one moment of a shared machine; CPU seconds (user + sys of the process tree) are given
beside wall seconds because they move less when other work competes for the cores. The short
commands are timed on a demo warehouse (the bundled corpus). Results are JSON (``bench.json``
in the output folder) and are compared with the recorded ones (``flows/benchrecord.py``).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

ENCODE_ONLY = """
import json, os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from labwatch.extractors.matching.embeddings import _packaged_model_dir, load_embedder
texts = json.load(open(sys.argv[1]))
if sys.argv[2] == "minilm":
    # torch: sentence-transformers' own load and encode with their defaults, as anyone would
    # (not labwatch's loader, which also makes torch's threads sleep when idle)
    from sentence_transformers import SentenceTransformer
    SentenceTransformer(_packaged_model_dir(), device="cpu").encode(texts, normalize_embeddings=True)
else:
    load_embedder(sys.argv[2]).encode(texts)
"""

ENCODERS = ("minilm", "minilm-onnx")  # the encode-only baselines: torch, int8 ONNX
_ENCODER_LABEL = {"minilm": "torch", "minilm-onnx": "onnx"}


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(cmd: list[str], env: dict, *, check: bool = True) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and the children it waited for) and stdout."""
    cpu0, t0 = _cpu_children(), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _cpu_children() - cpu0
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout


def _peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _pdf_pages_per_s(corpus: Path) -> float | None:
    from labwatch.extractors.parsing.formats import parse_document

    pdfs = sorted(corpus.rglob("*.pdf"))[:40]
    if not pdfs:
        return None
    data = [p.read_bytes() for p in pdfs]
    parse_document(data[0], source=str(pdfs[0]))  # warm up (first-call initialisation)
    best = float("inf")
    for _ in range(3):  # best of three: the figure is the parser's, not the machine's noise
        t0 = time.perf_counter()
        pages = sum(parse_document(d, source=str(p)).n_pages or 0 for d, p in zip(data, pdfs))
        best = min(best, time.perf_counter() - t0)
    return round(pages / best, 1)


def _stage_rates(corpus: Path) -> dict:
    """In-process rates of segmentation and commitment detection on the corpus's text files."""
    from labwatch.extractors.parsing.formats import parse_document
    from labwatch.extractors.statements.features import detect_features
    from labwatch.extractors.statements.segmentation import segment_many

    docs = [parse_document(p.read_bytes(), source=str(p)) for p in sorted(corpus.rglob("*.txt"))[:60]]
    if not docs:
        return {}
    segment_many(docs[:1])  # load spaCy outside the timing
    t0 = time.perf_counter()
    passages = [p for ps in segment_many(docs) for p in ps]
    t1 = time.perf_counter()
    detect_features(passages)
    t2 = time.perf_counter()
    return {
        "segment_passages_per_s": round(len(passages) / max(t1 - t0, 1e-9)),
        "features_passages_per_s": round(len(passages) / max(t2 - t1, 1e-9)),
    }


def _prepare_corpus(out: Path, n_docs: int, sentences_per_doc: int, corpus: Path | None, texts) -> tuple:
    """The corpus to time, what it holds, and a name for it that is stable across machines."""
    from labwatch.corpus.local import discover_corpus
    from labwatch.flows.benchcorpus import generate_corpus, real_corpus

    if texts:
        root = out / "corpus"
        made = real_corpus(root, [Path(t) for t in texts])
        return root, made, "texts " + "+".join("/".join(Path(t).resolve().parts[-2:]) for t in texts)
    if corpus is not None:
        n = len(discover_corpus(Path(corpus)))
        return Path(corpus), {"documents": n, "pdf_pages": None}, f"corpus {Path(corpus).resolve().name} ({n} docs)"
    root = out / "corpus"
    made = generate_corpus(root, n_docs, sentences_per_doc=sentences_per_doc)
    return root, made, f"synthetic {n_docs} docs x {sentences_per_doc} sentences"


def _short_commands(out: Path, model: str, env: dict, exe: list[str], tries: int = 3) -> dict:
    """Median wall seconds of each short command on a demo warehouse (the bundled corpus)."""
    from labwatch.warehouse.db import Warehouse
    from labwatch.warehouse.queries import best_match_id

    demo = out / "demo.duckdb"
    _timed(exe + ["run", "--db", str(demo), "--model", model, "--no-prefect", "--format", "json"], env)
    with Warehouse(demo).read() as con:
        match_id = best_match_id(con)
    db = ["--db", str(demo)]
    commands = {
        "--help": ["--help"],
        "status": ["status", *db],
        "review list": ["review", "list", "--limit", "20", *db],
        "review confirm": ["review", "confirm", match_id, "--reviewer", "bench", *db],
        "score": ["score", *db],
        "changes": ["changes", *db],
        "diff (missing file)": ["diff", str(out / "missing.txt"), str(out / "missing-too.txt")],
    }
    return {
        name: round(statistics.median(_timed(exe + args, env, check=False)[0] for _ in range(tries)), 2)
        for name, args in commands.items()
    }


def run_bench(
    n_docs: int = 40,
    model: str | None = None,
    out: Path = Path("bench-out"),
    prefect: bool | None = None,
    sentences_per_doc: int = 120,
    corpus: Path | None = None,
    texts: Sequence[Path] = (),
    repeat: int = 1,
    encoders: Sequence[str] = ENCODERS,
    short: bool = True,
) -> dict:
    """Time `labwatch run` (cold, then unchanged) and encode-only processes over the same texts.

    ``corpus`` times an existing corpus folder (read, never modified); ``texts`` builds one from
    folders of real policy texts (``benchcorpus.real_corpus``: text files and PDFs rendered from
    them); otherwise ``n_docs`` synthetic documents are generated under ``out``. ``repeat``
    times (cold run, encode-only per encoder) that many times; figures are medians, and the
    ratio of each repeat is listed. ``prefect`` None times the default run.
    """
    from labwatch.flows.models import DEFAULT_MODEL

    model = model or DEFAULT_MODEL
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    corpus, made, kind = _prepare_corpus(out, n_docs, sentences_per_doc, corpus, texts)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LABWATCH_HOME": str(out / "home")}
    exe = [sys.executable, "-m", "labwatch.flows.cli"]
    flag = [] if prefect is None else ["--prefect" if prefect else "--no-prefect"]
    cold, cold_cpu, enc, enc_cpu = [], [], {e: [] for e in encoders}, {e: [] for e in encoders}
    peak = rerun = summary = None
    for i in range(max(1, repeat)):
        db = out / f"bench-{i}.duckdb"
        run_cmd = exe + ["run", "--corpus", str(corpus), "--db", str(db), "--model", model, *flag, "--format", "json"]
        wall, cpu, stdout = _timed(run_cmd, env)
        cold.append(wall)
        cold_cpu.append(cpu)
        if i == 0:
            peak = _peak_children_mb()  # before any encode-only process runs
            summary = json.loads(stdout)
            rerun = _timed(run_cmd, env)[0]
            texts_file = _distinct_texts(db, out / "texts.json", made)
        for e in encoders:
            wall, cpu, _ = _timed([sys.executable, "-c", ENCODE_ONLY, str(texts_file), e], env)
            enc[e].append(wall)
            enc_cpu[e].append(cpu)
    med = statistics.median
    n, docs = summary["passages"], made["documents"]
    result = {
        "date": date.today().isoformat(),
        "machine": _machine(),
        "model": model,
        "corpus": str(corpus),
        "corpus_kind": kind,
        "prefect": {None: "default", True: "yes", False: "no"}[prefect],
        "repeats": len(cold),
        "documents": docs,
        "pdf_pages": made["pdf_pages"],
        "passages": n,
        "distinct_passage_texts": made["distinct_texts"],
        "encoded_by_run": summary["encoded"],
        "cold_run_s": round(med(cold), 2),
        "cold_run_cpu_s": round(med(cold_cpu), 2),
        "unchanged_rerun_s": round(rerun, 2),
        "documents_per_min": round(docs / med(cold) * 60, 1),
        "seconds_per_1000_documents": round(med(cold) / docs * 1000, 1),
        "passages_per_s": round(n / med(cold), 1),
        "peak_rss_mb_cold_run": round(peak, 1),
    }
    for e in encoders:
        label = _ENCODER_LABEL.get(e, e)
        result[f"{label}_encode_only_s"] = round(med(enc[e]), 2)
        result[f"{label}_encode_only_cpu_s"] = round(med(enc_cpu[e]), 2)
        ratios = [c / t for c, t in zip(cold, enc[e])]
        result[f"ratio_cold_to_{label}_encode_only"] = round(med(ratios), 3)
        result[f"ratios_cold_to_{label}_encode_only"] = [round(r, 3) for r in ratios]
        result[f"cpu_ratio_cold_to_{label}_encode_only"] = round(med(c / t for c, t in zip(cold_cpu, enc_cpu[e])), 3)
    result["pdf_pages_per_s"] = _pdf_pages_per_s(corpus)
    result.update(_stage_rates(corpus))
    if short:
        result["short_commands_s"] = _short_commands(out, model, env, exe)
    return result


def _distinct_texts(db: Path, path: Path, made: dict) -> Path:
    """The run's distinct passage texts, written for the encode-only processes."""
    from labwatch.warehouse.db import Warehouse
    from labwatch.warehouse.queries import pdf_pages, statement_texts

    with Warehouse(db).read() as con:
        texts = statement_texts(con)
        if made["pdf_pages"] is None:  # an existing corpus: the pages its PDFs parsed into
            made["pdf_pages"] = pdf_pages(con)
    made["distinct_texts"] = len(texts)
    path.write_text(json.dumps(texts))
    return path


def _machine() -> str:
    from labwatch.flows.benchrecord import machine_key

    return machine_key()


if __name__ == "__main__":
    print(json.dumps(run_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 40), indent=2))
