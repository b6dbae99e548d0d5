"""Accuracy and speed: `labwatch eval`, `eval-changes` and `bench`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from labwatch.flows.commands.base import Fmt, domain_errors
from labwatch.flows.output import err, fail, print_json, print_table


@domain_errors
def eval_changes(
    traces: Path = typer.Argument(..., help="Traced commitments, JSONL (the changes-dev traces.jsonl format)."),
    docs: Path = typer.Option(..., "--docs", help="Folder of the versions: <provider>_<document>_<version>_<date>.txt"),
    pair: list[str] = typer.Option([], "--pair", help="Only this pair_id (repeatable)."),
    misses: bool = typer.Option(True, "--misses/--no-misses", help="Print each miss with both texts (table only)."),
    calibrate: bool = typer.Option(
        False,
        "--calibrate",
        help="Choose the alignment threshold leave-one-pair-out (each pair scored at the one best on the others).",
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Alignment threshold (default: the built-in one)."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Embedding model: minilm-onnx (default, or $LABWATCH_MODEL) or minilm (torch)."
    ),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """How well `labwatch diff` finds the commitment changes human coders traced.

    Material found, direction right and retained alarmed, per pair and pooled with bootstrap
    95% intervals, by outcome and category (docs/accuracy.md, "Changes").

    Example: labwatch eval-changes ../shared/eval/changes-dev/traces.jsonl --docs ../shared/eval/changes-dev/docs --calibrate
    """
    from labwatch.extractors.changes.evaluation import TraceError
    from labwatch.flows.change_evaluation import run_eval_changes
    from labwatch.flows.models import DEFAULT_MODEL
    from labwatch.flows.reports import print_eval_changes

    try:
        result = run_eval_changes(
            traces, docs, pairs=pair or None, model=model or DEFAULT_MODEL, threshold=threshold, calibrate=calibrate
        )
    except TraceError as exc:
        fail(str(exc))
    if fmt == Fmt.json:
        print_json(result["summary"])
    else:
        print_eval_changes(result, misses=misses)


# -------------------------------------------------------------------------------------- eval
@domain_errors
def eval_(
    gold: Path = typer.Argument(..., help="Labeled JSONL: {id, text, is_commitment, criteria}."),
    learn_from: Path | None = typer.Option(
        None, "--learn-from", help="Labeled JSONL recorded as reviewer decisions first."
    ),
    cv: str | None = typer.Option(None, "--cv", help="'lab': score each lab after learning from the others."),
    model: str | None = typer.Option(
        None, "--model", help="Encoder: minilm-onnx or minilm (torch). Default: as `labwatch run`."
    ),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Accuracy of commitment detection and criterion matching on labeled passages.

    \b
    Example: labwatch eval gold.jsonl --cv lab --format json
    """
    if learn_from and cv:
        fail("--learn-from and --cv are exclusive")
    if cv not in (None, "lab"):
        fail(f"--cv {cv!r}: only 'lab' is supported")
    for path in (gold, learn_from):  # before the model loads
        if path is not None and not path.is_file():
            fail(f"{path}: no such file")
    from labwatch.flows import models
    from labwatch.flows.evaluating import run_eval
    from labwatch.flows.progress import progress_printer
    from labwatch.flows.reports import print_eval_table

    with progress_printer(enabled=fmt == Fmt.table, description="eval") as progress:
        result = run_eval(gold, learn_from=learn_from, cv=cv, model=model or models.DEFAULT_MODEL)
        if progress:
            progress(result["n"], None, "passages")
    if fmt == Fmt.json:
        print_json(result)
    else:
        print_eval_table(result)


@domain_errors
def bench(
    docs: int = typer.Option(40, "--docs", help="Synthetic documents to generate (about 120 passages each)."),
    model: str | None = typer.Option(None, "--model", help="Encoder of the timed runs (default: as `labwatch run`)."),
    out: Path = typer.Option(Path("bench-out"), "--out"),
    sentences: int = typer.Option(120, "--sentences", help="Sentences per generated document."),
    prefect: bool | None = typer.Option(
        None,
        "--prefect/--no-prefect",
        show_default=False,
        help="Time the runs as Prefect flows, or not (default: as `labwatch run` would run).",
    ),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Time an existing corpus folder (left unchanged) instead of generating one."
    ),
    texts: list[Path] = typer.Option(
        [],
        "--texts",
        help="A folder of real policy .txt files (repeatable): a corpus of them, every second rendered as a PDF.",
    ),
    repeat: int = typer.Option(1, "--repeat", help="Time the cold run and the encode-only processes N times."),
    encoders: str = typer.Option(
        "minilm,minilm-onnx", "--encode-only", help="Encode-only baselines to time (comma-separated, or none)."
    ),
    short: bool = typer.Option(True, "--short/--no-short", help="Also time the short commands on a demo warehouse."),
    record: bool = typer.Option(False, "--record", help="Keep the figures as this machine's record (--records)."),
    records: Path = typer.Option(Path("docs/benchmarks.json"), "--records", help="Recorded figures to compare with."),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Benchmark: cold and unchanged runs vs encode-only (torch and ONNX), short commands, memory, rates.

    Writes OUT/bench.json; a figure more than 20% worse than the record of this machine and
    scenario is called out.

    \b
    Example: labwatch bench --docs 44            (about 5,000 passages)
    Example: labwatch bench --texts ../shared/corpus-dev --texts ../shared/eval/changes-dev/docs --repeat 3
    Example: labwatch bench --docs 10000 --sentences 10 --encode-only none   (scale: 100,000 passages)
    Example: labwatch bench --corpus ~/policies  (your own documents)
    """
    from labwatch.corpus.local import discover_corpus

    if corpus is not None and not discover_corpus(corpus):
        fail(f"{corpus}: no documents found (expected DIR/<lab>/<file>)")
    for folder in texts:
        if not folder.is_dir() or not any(folder.glob("*.txt")):
            fail(f"{folder}: no .txt files (--texts takes a folder of policy texts)")
    if repeat < 1:
        fail(f"--repeat {repeat}: must be at least 1")
    chosen = [] if encoders.strip() == "none" else [e.strip() for e in encoders.split(",") if e.strip()]
    from labwatch.flows import benchrecord
    from labwatch.flows.bench import run_bench

    result = run_bench(
        n_docs=docs,
        model=model,
        out=out,
        prefect=prefect,
        sentences_per_doc=sentences,
        corpus=corpus,
        texts=texts,
        repeat=repeat,
        encoders=chosen,
        short=short,
    )
    result["command"] = " ".join(["labwatch", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else "labwatch bench"
    previous = benchrecord.recorded(benchrecord.load_records(records), result)
    result["regressions"] = benchrecord.regressions(result, previous)
    result["compared_with"] = previous.get("date") if previous else None
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if record:
        benchrecord.save_record(records, result)
    if fmt == Fmt.json:
        print_json(result)
    else:
        rows = [[k, v] for k, v in result.items() if k not in ("regressions", "short_commands_s")]
        rows += [[f"short: {k}", v] for k, v in (result.get("short_commands_s") or {}).items()]
        print_table("labwatch bench", ["figure", "value"], rows)
    for line in result["regressions"]:
        err.print(f"[red]regression[/red] {line}", markup=True, soft_wrap=True)
