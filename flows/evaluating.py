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
from labwatch.flows.output import print_table


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
        for c in p.suggested:
            if c not in gold:
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


def print_eval_table(r: dict) -> None:
    c, m = r.get("commitment") or {}, r["matching"]
    print_table(
        f"labwatch eval on {r['gold']} (n={r['n']})",
        ["metric", "value"],
        [
            [
                "commitment precision / recall / F1",
                f"{c.get('precision', float('nan')):.3f} / {c.get('recall', float('nan')):.3f} / {c.get('f1', float('nan')):.3f}"
                if c
                else "n/a",
            ],
            ["matching recall@1 / recall@3", f"{m['recall_at_1']:.3f} / {m['recall_at_3']:.3f}"],
            ["matching precision / recall / F1", f"{m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f}"],
            ["F1 95% bootstrap interval", str(r.get("f1_ci95"))],
            ["false match rate", f"{m['false_match_rate']:.3f}"],
            ["false match rate 95% bootstrap interval", str(r.get("false_match_rate_ci95"))],
        ],
    )
    _print_variants(r)
    _print_confidence(r)
    per = r.get("per_criterion") or {}
    print_table(
        "per criterion",
        ["criterion", "precision", "recall", "f1", "support"],
        [
            [k, f"{v['precision']:.2f}", f"{v['recall']:.2f}", f"{v['f1']:.2f}", v["support"]]
            for k, v in sorted(per.items())
        ],
    )
    if r.get("confusions"):
        print_table(
            "most frequent confusions",
            ["gold", "predicted", "count"],
            [
                [x["gold"] or "(no gold criterion)", x["predicted"] or "(nothing predicted)", x["count"]]
                for x in r["confusions"]
            ],
        )


def _print_variants(r: dict) -> None:
    """Rubric-only against learned (``--cv lab``, ``--learn-from``), so a user sees what
    learning bought; ``--cv lab`` adds the in-sample rubric and the scorer each lab got."""
    names = [k for k in ("rubric_in_sample", "rubric_only", "learned") if k in r]
    if not names:
        return
    rows = []
    for k in names:
        v = r[k]
        rows.append(
            [
                k.replace("_", " "),
                f"{v['precision']:.3f} / {v['recall']:.3f} / {v['f1']:.3f}",
                str(v["f1_ci95"]),
                f"{v['false_match_rate']:.3f} {v['false_match_rate_ci95']}",
                f"{v['recall_at_3']:.3f}",
            ]
        )
    title = "nested leave-one-lab-out" if "labs" in r else "rubric only vs after learning"
    print_table(
        title, ["matcher", "precision / recall / F1", "F1 95% CI", "false match rate (95% CI)", "recall@3"], rows
    )
    if "labs" in r:
        print_table(
            "per held-out lab (learned; rubric only)",
            ["lab", "n", "scorer", "F1", "false match rate", "rubric-only F1", "rubric-only FMR"],
            [
                [lab, v["n"], v["scorer"], f"{v['f1']:.2f}", f"{v['false_match_rate']:.2f}"]
                + [f"{v['rubric_only']['f1']:.2f}", f"{v['rubric_only']['false_match_rate']:.2f}"]
                for lab, v in sorted(r["labs"].items())
            ],
        )


def _print_confidence(r: dict) -> None:
    """The reliability curve of the suggestions' probability (``--cv lab``: each lab's map
    fitted on the other labs), and what bulk confirmation at each target would have done."""
    conf = r.get("confidence")
    if not conf:
        return
    for name in ("rubric_only", "learned", "shipped"):
        rep = conf[name]
        title = {
            "rubric_only": "probability calibration, rubric only (each lab's map fitted on the other labs)",
            "learned": "probability calibration, learned (each lab's map fitted on the other labs' reviews)",
            "shipped": f"probability calibration, packaged map ({conf.get('shipped_source') or 'none'})",
        }[name]
        print_table(
            f"{title}: n={rep['n']}, ECE {rep['ece']:.3f}, Brier {rep['brier'] if rep['brier'] is None else round(rep['brier'], 3)}",
            ["predicted", "pairs", "mean predicted", "observed precision (95% CI)"],
            [
                [f"{b['bin'][0]:.2f}-{b['bin'][1]:.2f}", b["n"]]
                + (
                    [f"{b['mean_predicted']:.3f}", f"{b['observed_precision']:.3f} {b['observed_ci95']}"]
                    if b["n"]
                    else ["", ""]
                )
                for b in rep["curve"]
            ],
        )
        print_table(
            "bulk confirm would take",
            ["--above", "pairs", "estimated precision", "observed precision (95% CI)", "worst lab"],
            [
                [
                    f"{b['target']:.2f}",
                    b["n"],
                    "" if b["estimated_precision"] is None else f"{b['estimated_precision']:.3f}",
                    "" if b["observed_precision"] is None else f"{b['observed_precision']:.3f} {b['observed_ci95']}",
                    ""
                    if not b["worst_lab"]
                    else f"{b['worst_lab']} {b['worst_lab_precision']:.2f} (n={b['worst_lab_n']})",
                ]
                for b in rep["bulk"]
            ],
        )
