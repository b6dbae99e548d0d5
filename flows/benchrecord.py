"""Recorded benchmark figures: the latest per machine and scenario, and what regressed.

`labwatch bench` writes every result as JSON; ``--record`` keeps it in a records file
(``docs/benchmarks.json``) under the machine and the scenario (corpus, model, Prefect mode).
Every later bench of the same scenario on the same machine is compared with that record, and
a figure more than ``TOLERANCE`` worse is called out. The call-out is information, not a test:
timings on a shared machine move by more than that between identical runs.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

TOLERANCE = 0.20

# figures compared with the record: lower is better for times, ratios and memory ...
LOWER_IS_BETTER = (
    "cold_run_s",
    "unchanged_rerun_s",
    "ratio_cold_to_torch_encode_only",
    "ratio_cold_to_onnx_encode_only",
    "peak_rss_mb_cold_run",
    "seconds_per_1000_documents",
)
# ... higher is better for rates
HIGHER_IS_BETTER = ("pdf_pages_per_s", "segment_passages_per_s", "features_passages_per_s", "passages_per_s")


def machine_key() -> str:
    """What makes timings comparable: architecture, cores, memory, Python."""
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (ValueError, OSError, AttributeError):  # not every platform reports it
        mem_gb = 0
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem_gb} GB, Python {platform.python_version()}"


def scenario_key(result: dict) -> str:
    """Which bench it was: the corpus, the encoder, and whether the run was a Prefect flow."""
    return f"{result['corpus_kind']} | {result['model']} | prefect {result['prefect']}"


def load_records(path: Path) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def recorded(records: dict, result: dict) -> dict | None:
    return records.get(result["machine"], {}).get(scenario_key(result))


def regressions(result: dict, record: dict | None, tolerance: float = TOLERANCE) -> list[str]:
    """One line per figure worse than the record by more than ``tolerance`` (fraction)."""
    if not record:
        return []
    out = []
    for key in LOWER_IS_BETTER + HIGHER_IS_BETTER:
        new, old = _number(result.get(key)), _number(record.get(key))
        if new is None or old is None or old <= 0:
            continue
        worse = new > old * (1 + tolerance) if key in LOWER_IS_BETTER else new < old * (1 - tolerance)
        if worse:
            change = (new - old) / old
            out.append(f"{key}: {new:g} vs {old:g} recorded {record.get('date', '')} ({change:+.0%})".rstrip())
    for name, new in (result.get("short_commands_s") or {}).items():
        old = _number((record.get("short_commands_s") or {}).get(name))
        if old and new > old * (1 + tolerance) and new - old > 0.05:  # 50 ms is scheduling noise
            out.append(f"short command {name!r}: {new:g} s vs {old:g} s recorded ({(new - old) / old:+.0%})")
    return out


def save_record(path: Path, result: dict) -> None:
    """Keep ``result`` as the latest figures of its machine and scenario (other entries stay)."""
    records = load_records(path)
    records.setdefault(result["machine"], {})[scenario_key(result)] = result
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
