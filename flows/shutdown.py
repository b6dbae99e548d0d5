"""Ending a command without the interpreter's teardown.

When a command returns, everything it wrote is committed and its warehouse connections are
closed; what is left for Python to do is tear down the modules it loaded (onnxruntime or torch,
DuckDB, spaCy in the parser worker, which it also joins). That took 0.5 s on an idle machine
and about 1 s on a busy one after `labwatch run`, time the user waits for and nothing needs.
``leave`` stops the process's parser workers, flushes the logs and the output, and ends the
process at once. It exits the ordinary way whenever something might still need the
teardown: Prefect is loaded (its client sends logs and events at exit), or a thread that is not
a daemon is still alive, or ``LABWATCH_FULL_EXIT=1``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import NoReturn


def leave(code: int) -> NoReturn:
    """End the process with ``code``: at once when nothing needs the teardown, else normally."""
    if os.environ.get("LABWATCH_FULL_EXIT") == "1" or "prefect" in sys.modules:
        sys.exit(code)
    _stop_workers()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)  # a thread may still be writing: let the interpreter wait for it
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): there is no reader left
            pass
    os._exit(code)


def _stop_workers() -> None:
    """Stop the cached Derivers' idle threads and their parser workers (a worker asked to stop
    exits at once), so that no child outlives the command holding its output pipes."""
    run = sys.modules.get("labwatch.flows.run")
    for deriver in list(getattr(run, "_derivers", {}).values()):
        deriver.close()
