"""`labwatch score --format md`: a scorecard a person can publish, with the quotes behind it."""

from __future__ import annotations

from labwatch.warehouse.scoring import explain_uncounted


def render_markdown(doc: dict) -> str:
    lines = [
        f"# Risk-assessment scorecard ({doc['rubric']} {doc.get('rubric_version') or ''})".rstrip(),
        "",
        f"As of {doc['as_of']}. Scores are 0-100, from reviewer-confirmed evidence only.",
        "",
    ]
    lines += ["| lab | score | measuring | commitments | accountability |", "| --- | ---: | ---: | ---: | ---: |"]
    for lab in doc["labs"]:
        c = lab["categories"]
        lines.append(
            f"| {lab['lab']} | {lab['score']:.1f} | {c.get('measuring', 0):.2f} | "
            f"{c.get('commitments', 0):.2f} | {c.get('accountability', 0):.2f} |"
        )
    for lab in doc["labs"]:
        lines += ["", f"## {lab['lab']} — {lab['score']:.1f}", ""]
        for crit in lab["criteria"]:
            if crit["credit"] <= 0 and crit["raw_credit"] <= 0:
                continue
            why = explain_uncounted(crit)
            note = f" (not counted: {why})" if why else f" ({crit['points']:+.1f} points)"
            if crit.get("from_bulk"):
                note += ", from bulk decisions only"
            lines.append(f"- **{crit['criterion_id']}**: credit {crit['raw_credit']:.2f}{note}")
            for ev in crit["evidence"][:3]:
                quote = " ".join(ev["text"].split()).replace("|", "\\|")
                where = f"{ev['document_id']}" + (f", p. {ev['page']}" if ev.get("page") else "")
                where += ", bulk-confirmed" if ev.get("origin") == "bulk" else ""
                lines.append(f"  > {quote} — *{where}*")
    return "\n".join(lines) + "\n"
