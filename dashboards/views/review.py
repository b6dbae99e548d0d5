"""Review queue: one suggestion at a time, best first by default (as `labwatch review list`),
with the decision buttons (and their keyboard shortcuts) at the top of the card."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from labwatch.dashboards import data
from labwatch.dashboards.queue import DEFAULT_ORDER, ORDERS, SCOPES, in_scope, next_best, score_effect
from labwatch.dashboards.render import escape_text, quote_in_context, source_link
from labwatch.dashboards.views import decisions
from labwatch.dashboards.views.common import ALL, pick, reviewer, show_messages
from labwatch.warehouse.reviews import MatchRef

# Streamlit reserves C and R (clear cache, rerun); these are the keys of the card's buttons.
SHORTCUTS = {"confirm": "Y", "reject": "X", "skip": "S", "undo": "U", "confirm_other": "B"}


def show(path: str) -> None:
    """Draw the review queue page."""
    st.header("Review queue")
    show_messages()
    name = reviewer()
    if not name:
        st.warning('Enter your name in the sidebar ("Reviewer name"): nothing can be decided without it.')
    crit = {c["criterion_id"]: c for c in data.criteria(path)}
    order, scope = _order_and_scope()
    lab, criterion, document = _filters(path, list(crit))
    skipped = st.session_state.get("skipped", set())
    items = [
        i
        for i in data.queue(path, lab, criterion, document, order=ORDERS[order][0])
        if i["match_id"] not in skipped and in_scope(i, crit, SCOPES[scope])
    ]
    st.caption(
        f"{len(items)} undecided suggestions match the filters, {order.lower()}: {ORDERS[order][1]}"
        + (f" ({len(skipped)} skipped this session)" if skipped else "")
    )
    if items:
        _card(path, items[0], crit, name)
    else:
        _undo_row(path, name)
        st.success("Nothing left to review with these filters.")
    _confident(path, name, (lab, criterion, document), skipped)
    if items:
        _bulk(path, items, name)
    _attach(path, list(crit), lab, document, name)


def _filters(path: str, criteria: list[str]) -> tuple[str | None, str | None, str | None]:
    """Lab, criterion and document filters, folded away (the card stays near the top) unless one
    is set; the fold's title names the active ones."""
    active = [str(st.session_state.get(k)) for k in ("f_lab", "f_criterion", "f_document")]
    active = [a for a in active if a not in ("None", ALL)]
    title = "Filters: " + (", ".join(active) if active else "all labs, criteria and documents")
    with st.expander(title, expanded=bool(active)):
        return _filter_boxes(path, criteria)


def _filter_boxes(path: str, criteria: list[str]) -> tuple[str | None, str | None, str | None]:
    cols = st.columns(3)
    with cols[0]:
        lab = pick("Lab", data.labs(path), "f_lab")
    with cols[1]:
        criterion = pick("Criterion", criteria, "f_criterion")
    with cols[2]:
        docs = sorted({d["document_id"] for d in data.documents(path, lab)})
        if st.session_state.get("f_document") not in (None, ALL, *docs):
            st.session_state["f_document"] = ALL
        document = pick("Document", docs, "f_document")
    return lab, criterion, document


def _order_and_scope() -> tuple[str, str]:
    """The queue's order (always shown; best first unless the reviewer picks another) and the
    scored / unscored filter."""
    cols = st.columns(2)
    if st.session_state.get("q_order") not in ORDERS:
        st.session_state["q_order"] = DEFAULT_ORDER
    order = cols[0].radio("Order", list(ORDERS), key="q_order", horizontal=True)
    if st.session_state.get("f_scored") not in SCOPES:
        st.session_state["f_scored"] = next(iter(SCOPES))
    scope = cols[1].radio("Criteria", list(SCOPES), key="f_scored", horizontal=True)
    return order, scope


def _undo_row(path: str, name: str) -> None:
    stack = st.session_state.get("undo_stack") or []
    if stack and name:
        st.button(
            f"Undo last decision: {stack[-1]['summary']}",
            key="undo",
            on_click=decisions.undo,
            args=(path,),
            shortcut=SHORTCUTS["undo"],
        )


def _card(path: str, item: dict, crit: dict, name: str) -> None:
    detail = data.passage(path, item["statement_id"]) or {}
    cid = item["criterion_id"]
    with st.container(border=True):
        st.subheader(f"Suggested criterion: {cid}")
        st.caption(escape_text((crit.get(cid) or {}).get("description") or "(no description)"), unsafe_allow_html=True)
        st.markdown(
            quote_in_context(
                detail.get("neighbours") or [{"text": item["text"], "is_self": True}],
                lead_in=item.get("lead_in"),
                context=item.get("context"),
            ),
            unsafe_allow_html=True,
        )
        moves, effect = score_effect(item, crit.get(cid), _lab_credits(path, item["lab"]))
        (st.success if moves else st.info)(effect)
        if item.get("previous"):  # the lab weakened or strengthened a statement already decided
            _previous(item["previous"])
        _actions(path, item, list(crit), name)
        _provenance(item, detail)
        _details(name)


def _previous(prev: dict) -> None:
    """The old decision on the text this statement replaced, and how the lab changed it."""
    credit = f" (credit {prev['previous_credit']:g})" if prev.get("previous_credit") is not None else ""
    st.warning(
        f"{escape_text(prev['change_kind'])} since the last version ({escape_text(prev.get('change_reason'))}); "
        f"the old wording was {escape_text(prev['previous_decision'])}{credit} by "
        f"{escape_text(prev['previous_reviewer'])}: “{escape_text(prev.get('previous_text'))}”. "
        "Its credit counts again only from your decision here."
    )


def _lab_credits(path: str, lab: str) -> dict[str, dict]:
    labs = data.scores(path, date.today())["labs"]
    return {c["criterion_id"]: c for x in labs if x["lab"] == lab for c in x["criteria"]}


def _provenance(item: dict, detail: dict) -> None:
    facts = {
        "Lab": item["lab"],
        "Document": item["document_id"],
        "Version": item["version_id"],
        "Section": item.get("section") or "-",
        "Page": item.get("page") if item.get("page") is not None else "-",
        "Score": f"{item['score']:.3f}",
        "Probability it is right": "-" if item.get("probability") is None else f"{item['probability']:.2f}",
        "Why suggested": item.get("why") or "-",
        "Commitment": f"{detail.get('strength') or '-'} ({detail.get('feature_why') or 'no features'})",
    }
    st.markdown("  \n".join(f"**{k}:** {escape_text(str(v))}" for k, v in facts.items()), unsafe_allow_html=True)
    url = source_link(detail.get("source"), detail.get("source_url"), item.get("page"), detail.get("format"))
    if url:
        st.link_button("Open the source" + (f" at page {item['page']}" if item.get("page") else ""), url)
    elif detail.get("source"):
        st.text(f"Source: {detail['source']}")


def _actions(path: str, item: dict, criteria: list[str], name: str) -> None:
    """One row of buttons above the passage: confirm, reject, skip, undo, confirm for the
    next-best criterion; each with its keyboard shortcut."""
    if not name:
        return
    ref = data.ref_of(item)
    others = [c for c in criteria if c != item["criterion_id"]]
    best = next_best(item, data.other_criteria(path, item["statement_id"], item["criterion_id"]), criteria)
    if st.session_state.get("q_for") != ref.match_id:  # a new card: offer its own next-best
        st.session_state["q_for"] = ref.match_id
        st.session_state["q_other"] = best
    elif st.session_state.get("q_other") not in (None, *others):
        st.session_state["q_other"] = best
    target = st.session_state.get("q_other")
    stack = st.session_state.get("undo_stack") or []
    cols = st.columns([1, 1, 1, 1, 3])
    cols[0].button(
        "Confirm",
        key="confirm",
        type="primary",
        on_click=decisions.decide,
        args=(path, ref, "confirm"),
        shortcut=SHORTCUTS["confirm"],
    )
    cols[1].button(
        "Reject", key="reject", on_click=decisions.decide, args=(path, ref, "reject"), shortcut=SHORTCUTS["reject"]
    )
    cols[2].button("Skip", key="skip", on_click=decisions.skip, args=(ref.match_id,), shortcut=SHORTCUTS["skip"])
    cols[3].button(
        "Undo",
        key="undo",
        on_click=decisions.undo,
        args=(path,),
        disabled=not stack,
        help=f"Undo: {stack[-1]['summary']}" if stack else "Nothing to undo yet",
        shortcut=SHORTCUTS["undo"],
    )
    cols[4].button(
        f"Confirm for {target}" if target else "Confirm for another criterion (pick one below)",
        key="confirm_other",
        disabled=not target,
        on_click=decisions.decide,
        args=(path, ref, "other"),
        shortcut=SHORTCUTS["confirm_other"],
    )
    st.caption(
        "Keys: "
        + ", ".join(f"{k} {what}" for what, k in zip(("confirm", "reject", "skip", "undo"), "YXSU"))
        + (f", B confirm for {target} (the passage's next-best criterion)" if target and target == best else "")
    )
    _next_best_row(path, ref, item, others)
    if others:
        st.selectbox(
            "Confirm for another criterion (defaults to the passage's next-best)",
            others,
            key="q_other",
            index=None,
            placeholder="pick a criterion",
        )


def _next_best_row(path: str, ref: MatchRef, item: dict, others: list[str]) -> None:
    """The passage's next two criteria by the matcher's score, each a one-click reassignment
    (rejects the suggested criterion, confirms that one with the credit slider's value)."""
    nexts = [o for o in item.get("next_best") or [] if o["criterion_id"] in others]
    if not nexts:
        return
    cols = st.columns(len(nexts) + 1)
    cols[0].markdown("**Next best:**")
    for i, o in enumerate(nexts):
        cols[i + 1].button(
            f"Reassign to {o['criterion_id']} ({o['score']:.2f})",
            key=f"next_best_{i}",
            on_click=decisions.decide,
            args=(path, ref, "other"),
            kwargs={"target": o["criterion_id"]},
            help=f"Reject {item['criterion_id']} and confirm this passage for {o['criterion_id']}",
        )


def _details(name: str) -> None:
    """Partial credit and a note: used by the next Confirm (or Confirm for ...)."""
    st.session_state.setdefault("q_credit", 1.0)
    st.slider("Credit (partial credit below 1)", 0.0, 1.0, step=0.05, key="q_credit", disabled=not name)
    st.text_input("Note (optional)", key="q_note", disabled=not name)


def _bulk(path: str, items: list[dict], name: str) -> None:
    with st.expander(f"Bulk decision on these {len(items)} suggestions"):
        st.dataframe(
            pd.DataFrame(
                [
                    {k: i[k] for k in ("criterion_id", "lab", "document_id", "score", "probability", "text")}
                    for i in items
                ]
            ),
            hide_index=True,
        )
        if not name:
            return
        st.checkbox(f"I have read these {len(items)} suggestions", key="bulk_ack")
        ids = tuple(data.ref_of(i) for i in items)
        ready = bool(st.session_state.get("bulk_ack"))
        cols = st.columns(2)
        cols[0].button(
            f"Confirm all {len(ids)}",
            key="bulk_confirm",
            disabled=not ready,
            on_click=decisions.decide_all,
            args=(path, ids, "confirmed"),
        )
        cols[1].button(
            f"Reject all {len(ids)}",
            key="bulk_reject",
            disabled=not ready,
            on_click=decisions.decide_all,
            args=(path, ids, "rejected"),
        )


def _confident(path: str, name: str, filters: tuple, skipped: set) -> None:
    """Confirm at once the suggestions whose probability reaches a target precision: the button
    names how many and their estimated precision; each becomes an undoable decision (origin bulk)."""
    with st.container(border=True):
        st.markdown("**Confirm the confident suggestions**")
        target = st.number_input("Target precision", 0.5, 1.0, value=0.95, step=0.01, key="b_target")
        plan = data.bulk_plan(path, float(target), *filters)
        items = [i for i in plan.items if i["match_id"] not in skipped]
        if items:
            est = sum(i["probability"] for i in items) / len(items)
            wrong = sum(1 - i["probability"] for i in items)
            st.caption(
                f"{len(items)} undecided suggestions (filters apply) have a probability of at least {target:.2f}: "
                f"estimated precision {est:.3f}, so about {wrong:.1f} of them are wrong. Each becomes your "
                "decision, marked bulk in scores and evidence, and can be undone. Probabilities are fitted on "
                "labs other than the one scored; on a lab unlike those, expect less."
            )
        else:
            st.caption(f"No undecided suggestion has a probability of at least {target:.2f}.")
        if not name:
            return  # no decision button before a reviewer is named (as on the card)
        label = f"Confirm {len(items)} at estimated precision {est:.2f}" if items else "Confirm 0"
        st.button(
            label,
            key="bulk_above",
            disabled=not items,
            on_click=decisions.confirm_above,
            args=(path, float(target), tuple(i["match_id"] for i in items), filters),
        )
        last = data.latest_bulk_batch(path)
        if last:
            st.button(
                f"Undo bulk batch {last['batch']} ({last['n']} decisions by {last['reviewer']})",
                key="bulk_undo_batch",
                on_click=decisions.undo_batch,
                args=(path, last["batch"]),
            )


def _attach(path: str, criteria: list[str], lab: str | None, document: str | None, name: str) -> None:
    st.subheader("Attach a criterion to a passage the matcher missed")
    query = st.text_input("Search passages of current versions (words as written)", key="a_query").strip()
    if len(query) < 3:
        st.caption("Type at least three characters.")
        return
    found = data.search(path, query, lab, document)
    if not found:
        st.info("No passage contains that text (filters apply).")
        return
    by_id = {r["statement_id"]: r for r in found}
    if st.session_state.get("a_statement") not in by_id:
        st.session_state["a_statement"] = found[0]["statement_id"]
    st.selectbox(
        f"Passage ({len(found)} found)", list(by_id), key="a_statement", format_func=lambda sid: _label(by_id[sid])
    )
    chosen = by_id[st.session_state["a_statement"]]
    st.text(chosen["text"])
    st.selectbox("Criterion", criteria, key="a_criterion")
    st.session_state.setdefault("a_credit", 1.0)
    st.slider("Credit", 0.0, 1.0, step=0.05, key="a_credit", disabled=not name)
    st.button("Confirm attachment", key="attach", disabled=not name, on_click=decisions.attach, args=(path, by_id))


def _label(row: dict) -> str:
    page = f" p.{row['page']}" if row.get("page") is not None else ""
    text = " ".join(row["text"].split())
    return f"{row['lab']} / {row['document_id']}{page} #{row['seq']}: {text[:110]}"
