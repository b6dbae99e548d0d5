"""Parsing untrusted bytes in a separate, limited worker process.

A hostile or broken file (a decompression bomb inside a PDF, HTML nested tens of thousands of
levels deep, a parser bug that loops) must not take down a run. Each document is parsed by a
long-lived worker process with an address-space limit; a parse that exceeds its time is killed
and the worker replaced. Failures come back as ``ParseError`` naming the source and the reason.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import traceback

DEFAULT_TIMEOUT = float(os.environ.get("LABWATCH_PARSE_TIMEOUT", "60"))
DEFAULT_MEMORY_MB = int(os.environ.get("LABWATCH_PARSE_MEMORY_MB", "2048"))


def _worker(conn, memory_mb: int) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from labwatch.extractors.exceptions import ParseError
    from labwatch.extractors.parse import parse_document

    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        data, source, kind = msg
        try:
            conn.send(("ok", parse_document(data, source=source, kind=kind)))
        except ParseError as exc:
            conn.send(("parse_error", exc))
        except MemoryError:
            conn.send(("error", f"{source}: parsing needed more than {memory_mb} MB of memory (limit)"))
        except RecursionError:
            conn.send(("error", f"{source}: structure nested too deeply to parse"))
        except Exception as exc:  # noqa: BLE001 - any parser bug becomes a recorded failure
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            conn.send(("error", f"{source}: unexpected parser error: {tb}"))


class ParserPool:
    """One worker process, started lazily and replaced after a crash or a timeout."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._proc = None
        self._conn = None
        self._ctx = mp.get_context("spawn")

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child, self.memory_mb), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def parse(self, data: bytes, *, source: str, kind: str = "auto"):
        """Parse in the worker; raises ParseError (named reason) on any failure."""
        from labwatch.extractors.exceptions import ParseError

        if self._proc is None or not self._proc.is_alive():
            self._start()
        try:
            self._conn.send((data, source, kind))
            if not self._conn.poll(self.timeout):
                self._kill()
                raise ParseError(source, f"parsing took longer than {self.timeout:.0f} s (stopped)")
            status, payload = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            code = self._proc.exitcode if self._proc is not None else None
            self._kill()
            raise ParseError(source, f"the parser process died (exit {code}); the file is malformed or "
                                     f"needs more than {self.memory_mb} MB") from None
        if status == "ok":
            return payload
        if status == "parse_error":
            raise payload
        raise ParseError(source, payload.split(": ", 1)[-1] if payload.startswith(source) else payload)

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
        self._proc = self._conn = None
