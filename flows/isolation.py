"""Parsing untrusted bytes in a separate, limited worker process.

The worker also runs the rest of the text stage (passages, commitment features) when asked
(``ParserPool.extract``): spaCy then loads there, beside the run process that loads the
embedding model, and the two work on different batches at once (docs/decisions/0005).

A hostile or broken file (a decompression bomb inside a PDF, HTML nested tens of thousands of
levels deep, a parser bug that loops) must not take down a run. Each document is parsed by a
long-lived worker process with an address-space limit; a parse that exceeds its time is killed
and the worker replaced. Failures come back as ``ParseError`` naming the source and the reason.

Limits come from ``LABWATCH_PARSE_TIMEOUT`` (seconds, default 60) and
``LABWATCH_PARSE_MEMORY_MB`` (default 2048; 0 = no limit), read when a pool is created. The
worker's start-up (importing the parsers) is not charged to the first document's time. A worker
also guards itself: it exits when the process that started it is gone (a killed run leaves no
parser behind), and a CPU-time limit per document stops a runaway parse even if nobody waits.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import threading
import time
import traceback

STARTUP_TIMEOUT = 120.0  # importing the parsers on a loaded machine; not charged to a document
EXIT_NO_MEMORY = 75  # the worker could not even load the parsers under its memory limit


def _env_number(name: str, default: float) -> float:
    """A non-negative number from the environment; an unusable value falls back to the default."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 0 else default


def default_timeout() -> float:
    return _env_number("LABWATCH_PARSE_TIMEOUT", 60.0) or 60.0


def default_memory_mb() -> int:
    return int(_env_number("LABWATCH_PARSE_MEMORY_MB", 2048))


def text_limits() -> dict[str, int]:
    """Bounds of the text stage per document, from the environment (``LABWATCH_MAX_PASSAGES``,
    ``LABWATCH_MAX_SENTENCE_CHARS``); 0 or an unusable value means the default."""
    from labwatch.extractors.statements.extraction import MAX_PASSAGES, MAX_SENTENCE_CHARS

    return {
        "max_passages": int(_env_number("LABWATCH_MAX_PASSAGES", MAX_PASSAGES)) or MAX_PASSAGES,
        "max_sentence_chars": int(_env_number("LABWATCH_MAX_SENTENCE_CHARS", MAX_SENTENCE_CHARS)) or MAX_SENTENCE_CHARS,
    }


def _watch_parent(parent_pid: int) -> None:
    """Exit the worker once its parent is gone (re-parented), even mid-parse in C code."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(3)


def _limit_cpu(seconds: float) -> None:
    """Allow this process ``seconds`` more CPU time (SIGXCPU ends it past that)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _worker(conn, memory_mb: int, cpu_seconds: float, parent_pid: int) -> None:
    import sys

    # spaCy's thinc imports torch when it can; the worker runs no model (a blank tokenizer only),
    # and torch would cost it a second of start-up and ~500 MB of its address-space limit
    sys.modules.setdefault("torch", None)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing parser must not dump gigabytes
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from labwatch.extractors.exceptions import ParseError
        from labwatch.extractors.parsing.formats import parse_document
        from labwatch.extractors.statements.extraction import extract_document  # spaCy loads here
    except (MemoryError, ImportError, OSError):
        # under an address-space limit a native library that cannot be mapped surfaces as an
        # ImportError/OSError, not a MemoryError: both mean the limit is too small to start
        if memory_mb:
            os._exit(EXIT_NO_MEMORY)  # quietly: the parent names the limit
        raise

    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            msg = None
        if msg is None:
            # asked to stop (or the parent is gone): every result has been sent, and nothing here
            # needs the interpreter's teardown (a third of a second with spaCy loaded)
            os._exit(0)
        op, data, source, kind, rules = msg
        _limit_cpu(cpu_seconds)
        try:
            if op == "extract":  # the text stage: parse, passages, commitment features
                conn.send(("ok", extract_document(data, source=source, kind=kind, rules=rules, **text_limits())))
            else:
                conn.send(("ok", parse_document(data, source=source, kind=kind, rules=rules)))
        except ParseError as exc:
            conn.send(("parse_error", exc))
        except MemoryError:
            conn.send(("error", f"{source}: parsing needed more than {memory_mb} MB of memory (limit)"))
        except RecursionError:
            conn.send(("error", f"{source}: structure nested too deeply to parse"))
        except Exception as exc:  # noqa: BLE001 - any parser bug becomes a recorded failure
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            conn.send(("error", f"{source}: unexpected parser error: {tb}"))


def describe_exit(code: int | None) -> str:
    """A worker's exit code in words: "killed by SIGABRT", "exit 1", "still running"."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


class ParserPool:
    """One worker process, started lazily and replaced after a crash or a timeout.

    Thread-safe: concurrent callers take turns with the one worker.
    """

    def __init__(self, timeout: float | None = None, memory_mb: int | None = None):
        self.timeout = default_timeout() if timeout is None else float(timeout)
        self.memory_mb = default_memory_mb() if memory_mb is None else int(memory_mb)
        self._proc = None
        self._conn = None
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()

    @property
    def worker_pid(self) -> int | None:
        """The current worker's process id (None before the first parse or after a kill)."""
        return self._proc.pid if self._proc is not None else None

    def _start(self, source: str) -> None:
        from labwatch.extractors.exceptions import ParseError

        parent, child = self._ctx.Pipe()
        # the CPU allowance is a backstop for an orphaned or unwatched worker; the wall-clock
        # timeout below normally stops a parse first
        cpu = max(self.timeout * 2, self.timeout + 10)
        self._proc = self._ctx.Process(
            target=_worker, args=(child, self.memory_mb, cpu, os.getpid()), daemon=True, name="labwatch-parser"
        )
        try:
            self._proc.start()
        except BaseException:
            self._proc = None  # never started: nothing to kill
            parent.close()
            raise
        finally:
            child.close()
        self._conn = parent
        try:
            ready = parent.poll(STARTUP_TIMEOUT) and parent.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = self._exit_code()
            self._kill()
            why = "too little memory to load the parsers" if code == EXIT_NO_MEMORY else describe_exit(code)
            raise ParseError(
                source,
                f"the parser process could not start ({why}; memory limit "
                f"{self.memory_mb} MB, LABWATCH_PARSE_MEMORY_MB)",
            )

    def _exit_code(self) -> int | None:
        if self._proc is None:
            return None
        self._proc.join(1)  # a worker that just died needs a moment to be reaped
        return self._proc.exitcode

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def warm(self) -> None:
        """Start the worker in the background (it takes seconds to load the parsers and spaCy), so that
        its start overlaps other start-up work; a failure here surfaces on the first parse."""
        import threading

        def start() -> None:
            with self._lock:
                if self._proc is None or not self._proc.is_alive():
                    try:
                        self._kill()
                        self._start("(parser start-up)")
                    except Exception:  # noqa: BLE001 - parse() retries and reports it
                        self._kill()

        threading.Thread(target=start, daemon=True, name="labwatch-parser-warmup").start()

    def parse(self, data: bytes, *, source: str, kind: str = "auto", rules=None):
        """Parse in the worker, within the pool's time and memory limits.

        Returns the ParsedDocument; raises ParseError naming ``source`` and the reason on any
        failure (bad bytes, time limit, memory limit, crashed parser). Never hangs longer than
        the timeout (plus the worker's start-up), and the next call gets a healthy worker.
        """
        return self._call("parse", data, source, kind, rules)

    def extract(self, data: bytes, *, source: str, kind: str = "auto", rules=None):
        """The whole text stage in the worker: an ``ExtractedDocument``.

        Same limits and errors as ``parse`` (the time limit covers the three steps). Running
        segmentation and feature detection here keeps spaCy out of the calling process, so the
        worker prepares text while the caller loads and runs the embedding model.
        """
        return self._call("extract", data, source, kind, rules)

    def _call(self, op: str, data: bytes, source: str, kind: str, rules=None):
        from labwatch.extractors.exceptions import ParseError

        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._kill()
                self._start(source)
            try:
                self._conn.send((op, data, source, kind, rules))
                if not self._conn.poll(self.timeout):
                    self._kill()
                    raise ParseError(
                        source,
                        f"parsing took longer than {self.timeout:g} s (stopped; "
                        "raise LABWATCH_PARSE_TIMEOUT for very large files)",
                    )
                status, payload = self._conn.recv()
            except (EOFError, OSError):
                how = describe_exit(self._exit_code())
                self._kill()
                raise ParseError(
                    source,
                    f"the parser process died ({how}): the file is malformed, or "
                    f"parsing it needs more than {self.memory_mb} MB "
                    "(LABWATCH_PARSE_MEMORY_MB)",
                ) from None
        if status == "ok":
            return payload
        if status == "parse_error":
            raise payload
        prefix = f"{source}: "
        raise ParseError(source, payload[len(prefix) :] if payload.startswith(prefix) else payload)

    def close(self) -> None:
        """Stop the worker (politely, then by force)."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except OSError:
                    pass
            if self._proc is not None:
                self._proc.join(2)
                if self._proc.is_alive():
                    self._proc.kill()
                    self._proc.join(2)
            if self._conn is not None:
                self._conn.close()
            self._proc = self._conn = None

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
