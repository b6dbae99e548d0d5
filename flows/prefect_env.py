"""Settings Prefect needs to run offline here; applied before Prefect is imported."""

from __future__ import annotations

import os
from pathlib import Path


def configure_prefect_env() -> None:
    """Ephemeral mode without telemetry, with a writable home and a generous start-up timeout."""
    os.environ.setdefault(
        "PREFECT_HOME", str(Path(os.environ.get("LABWATCH_HOME", Path.home() / ".labwatch")) / "prefect")
    )
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
