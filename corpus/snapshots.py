"""Content-addressed, immutable storage of fetched bytes.

A snapshot is stored once under ``root/<first two hex>/<remaining 62 hex>`` of its sha256.
Paths are derived from the hash only, never from a URL or file name, so nothing a remote
server says can place a file outside ``root``. Writes go to a temporary file in the target
folder and are moved into place with os.replace, so a crash never leaves a partial snapshot.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from labwatch.corpus.exceptions import SnapshotError

_SHA256 = re.compile(r"[0-9a-f]{64}")


class SnapshotStore:
    """Raw bytes keyed by sha256 under one root folder."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def path(self, sha: str) -> Path:
        """Where snapshot ``sha`` lives (it may not exist). Raises SnapshotError on a bad id."""
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha.lower()):
            raise SnapshotError(f"invalid snapshot id {sha!r}: expected 64 hex characters")
        sha = sha.lower()
        path = (self.root / sha[:2] / sha[2:]).resolve()
        if not path.is_relative_to(self.root):  # defence in depth: hex ids cannot escape
            raise SnapshotError(f"snapshot id {sha!r} resolves outside {self.root}")
        return path

    def has(self, sha: str) -> bool:
        """True if snapshot ``sha`` is stored."""
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` (once: an existing snapshot is left untouched); return its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha: str, *, verify: bool = True) -> bytes:
        """The bytes of snapshot ``sha``; SnapshotError if missing or (with verify) corrupt."""
        path = self.path(sha)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SnapshotError(f"snapshot {sha} not found under {self.root}") from None
        if verify and hashlib.sha256(data).hexdigest() != sha.lower():
            raise SnapshotError(f"snapshot {sha} at {path} is corrupt: its bytes hash differently")
        return data
