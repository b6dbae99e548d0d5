"""The tables and text the eval, eval-changes and sql commands print (the CLI layer).

The use cases (``evaluating.run_eval``, ``change_evaluation.run_eval_changes``,
``warehouse.sql.run_query``) return results; only the CLI calls these to show them.
"""

from __future__ import annotations

from pathlib import Path

from labwatch.flows.output import err, out, print_csv, print_json, print_table, shorten
from labwatch.warehouse.sql import run_query


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


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _ci(f: dict, name: str) -> str:
    ci = f["ci"].get(name)
    return f"{_pct(f[name])} ({_pct(ci[0])}–{_pct(ci[1])})" if ci else _pct(f[name])


def print_eval_changes(result: dict, *, misses: bool = True) -> None:
    """The figures as tables; with ``misses``, every unit the diff got wrong with both texts."""
    doc = result["summary"]
    rows = []
    for name, f in [*doc["pairs"].items(), ("pooled", doc["pooled"])]:
        q = doc["pairing"].get(name, {}) if name != "pooled" else {}
        rows.append(
            [
                name,
                f"{f['found']}/{f['material']}",
                _ci(f, "material_found"),
                _ci(f, "direction_right"),
                _ci(f, "retained_alarmed"),
                _ci(f, "weakened_found"),
                f["changes_listed"],
                f["alarmed_covering_no_unit"],
                _pct(q.get("precision")) if q else "",
                _pct(q.get("recall")) if q else "",
            ]
        )
    print_table(
        "commitment changes against the traces (95% bootstrap intervals)",
        [
            "pair",
            "found",
            "material found",
            "direction right",
            "retained alarmed",
            "weakened found",
            "listed",
            "alarms on no unit",
            "pairing P",
            "pairing R",
        ],
        rows,
    )
    for title, key in (("by outcome", "by_outcome"), ("by category", "by_category")):
        print_table(
            title,
            ["", "units", "material", "covered by an alarm", "kind right"],
            [[k, v["units"], v["material"], v["covered"], v["right"]] for k, v in doc[key].items()],
        )
    if misses:
        _print_misses(result["results"])


def _print_misses(results) -> None:
    for p in results:
        for r in p.units:
            u = r.unit
            if u.material and r.found and r.right:
                continue
            if not u.material and not r.found:
                continue
            what = "missed" if u.material and not r.found else "wrong kind" if u.material else "retained, alarmed"
            out.print(f"[bold]{u.unit_id}[/bold] {u.outcome} {u.category}: {what}", markup=True)
            out.print(f"  old: {shorten(u.old, 400) or '(none)'}")
            out.print(f"  new: {shorten(u.new, 400) or '(none)'}")
            if r.found:
                c = p.changes[r.covering[0]]
                out.print(f"  got {c.kind}: {c.reason}")
                out.print(f"    old: {shorten(c.old, 300) or '(none)'}")
                out.print(f"    new: {shorten(c.new, 300) or '(none)'}")


TABLE_TEXT_WIDTH = 120  # longer cells are folded, never cut: the table is for reading


def print_query(db: Path, sql: str, fmt: str) -> None:
    """Run ``sql`` on ``db`` and print its result.

    json: ``{"columns": [...], "rows": [{column: value}], "count": n}``; csv: a header line and one
    line a row; table: the same for people, with the row count in the title.
    """
    result = run_query(db, sql, on_wait=lambda message: err.print(message, soft_wrap=True))
    if fmt == "json":
        print_json({"columns": result.columns, "rows": result.records(), "count": len(result.rows)})
    elif fmt == "csv":
        print_csv(result.columns, ([_cell(v) for v in r] for r in result.rows))
    else:
        print_table(
            f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}",
            result.columns,
            ([_cell(v) for v in r] for r in result.rows),
            wrap=tuple(result.columns),
        )


def _cell(value):
    """Lists (criteria, sections) read as ``a, b``; everything else as DuckDB returned it."""
    if isinstance(value, (list, tuple)):
        return ", ".join("" if v is None else str(v) for v in value)
    return value
