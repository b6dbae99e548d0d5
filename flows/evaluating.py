"""`labwatch eval`: score commitment detection and criterion matching on labeled JSONL.

``--learn-from`` goes through the same path as real reviews: LABELED's labels are recorded as
reviewer decisions in a scratch warehouse (each gold criterion confirmed, each other criterion
the pipeline suggests rejected; passages whose id is also in GOLD skipped), and the matcher
learns from that warehouse's decisions before GOLD is scored.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from labwatch.flows import models


def read_jsonl(path: Path, error: type[Exception] | None = None) -> list[dict]:
    """The JSON objects of a JSONL file, one a line (blank lines skipped); a line that is not a
    JSON object raises ``error`` (default ``EvalError``) naming the file and line."""
    if error is None:
        from labwatch.extractors.matching.evaluation import EvalError as error

    if not Path(path).is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise error(f"{path}:{n}: not a JSON object")
        rows.append(row)
    return rows


def _record_labels(wh, rows: list[dict], matcher, embedder) -> int:
    """LABELED rows as review events in the scratch warehouse; returns the number of events."""
    from labwatch.extractors.matching.evaluation import predict_rows
    from labwatch.warehouse import reviews as R

    vectors = embedder.encode([r["text"] for r in rows])
    preds = predict_rows(rows, matcher, vectors)
    events = []
    for r, p in zip(rows, preds):
        lab, doc = str(r.get("lab") or "eval"), str(r.get("doc") or r["id"])
        gold = list(r["criteria"])
        for c in gold:
            events.append(
                R.new_event(
                    R.ref_from_text(lab, doc, r["text"], c), reviewer="eval", decision="confirmed", origin="eval"
                )
            )
        rejected = [c for c in p.suggested if c not in gold]
        if not gold and not rejected and p.ranked:
            # a gold row is fully judged: "no criterion" is recorded as its top criterion
            # rejected, as `--cv lab` does, so the learner sees passages nothing applies to
            rejected = [p.ranked[0]]
        for c in rejected:
            events.append(
                R.new_event(
                    R.ref_from_text(lab, doc, r["text"], c), reviewer="eval", decision="rejected", origin="eval"
                )
            )
    R.record_events(wh, events)
    return len(events)


def run_eval(gold: Path, *, learn_from: Path | None = None, cv: str | None = None, model: str = "minilm") -> dict:
    from labwatch.extractors.matching.evaluation import cross_validate_by_lab, run_matching_eval, summary, validate_rows
    from labwatch.extractors.matching.matcher import Matcher
    from labwatch.flows.pipeline import learned_examples
    from labwatch.warehouse.db import Warehouse

    gold_rows = validate_rows(read_jsonl(gold), str(gold))
    rubric = models.rubric()
    embedder = models.embedder(model)
    if cv == "lab":
        result = cross_validate_by_lab(gold_rows, lambda: Matcher(rubric, embedder), embedder)
    elif learn_from is not None:
        learn_rows = validate_rows(read_jsonl(learn_from), str(learn_from))
        gold_ids = {r["id"] for r in gold_rows}
        learn_rows = [r for r in learn_rows if r["id"] not in gold_ids]
        with tempfile.TemporaryDirectory(prefix="labwatch-eval-") as tmp:
            wh = Warehouse(Path(tmp) / "scratch.duckdb")
            wh.ensure()
            n_events = _record_labels(wh, learn_rows, Matcher(rubric, embedder), embedder)
            matcher = Matcher(rubric, embedder)
            matcher.learn(learned_examples(wh, embedder.model_id))
        result = run_matching_eval(gold_rows, matcher, embedder)
        result["learned_from"] = len(learn_rows)
        result["review_events"] = n_events
        result["learned"] = summary(result)
        result["scorer"] = {"kind": matcher.choice, "validation": matcher.choice_report}
        result["rubric_only"] = summary(run_matching_eval(gold_rows, Matcher(rubric, embedder), embedder))
    else:
        result = run_matching_eval(gold_rows, Matcher(rubric, embedder), embedder)
    result["gold"] = str(gold)
    result["model"] = embedder.model_id
    return result
