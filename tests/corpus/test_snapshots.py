"""Content-addressed snapshot storage: once per content, atomic, never outside its root."""

from __future__ import annotations

import hashlib
import os
import random

import pytest

from labwatch.corpus.exceptions import SnapshotError
from labwatch.corpus.snapshots import SnapshotStore


def test_put_get_roundtrip_and_layout(tmp_path):
    store = SnapshotStore(tmp_path)
    data = b"%PDF-1.7 a policy"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == tmp_path.resolve() / sha[:2] / sha[2:]
    assert store.has(sha) and store.get(sha) == data


def test_same_content_is_stored_once_and_never_rewritten(tmp_path):
    store = SnapshotStore(tmp_path)
    sha = store.put(b"same bytes")
    before = os.stat(store.path(sha)).st_mtime_ns
    assert store.put(b"same bytes") == sha
    assert os.stat(store.path(sha)).st_mtime_ns == before
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [store.path(sha)]  # no temporary files left behind
    assert not os.access(store.path(sha), os.W_OK) or os.geteuid() == 0


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "ab/../../../../tmp/x",
        "a" * 63,
        "g" * 64,
        "..%2f..%2fetc%2fpasswd",
        "",
        "0" * 62 + "/.",
        "https://example.org/policy.pdf",
    ],
)
def test_ids_that_are_not_hashes_cannot_name_a_path(tmp_path, bad):
    store = SnapshotStore(tmp_path)
    with pytest.raises(SnapshotError, match="invalid snapshot id"):
        store.path(bad)
    with pytest.raises(SnapshotError):
        store.get(bad)


def test_missing_and_corrupt_snapshots_are_named_errors(tmp_path):
    store = SnapshotStore(tmp_path)
    with pytest.raises(SnapshotError, match="not found"):
        store.get("0" * 64)
    sha = store.put(b"original")
    path = store.path(sha)
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(SnapshotError, match="corrupt"):
        store.get(sha)


def test_uppercase_id_is_the_same_snapshot(tmp_path):
    store = SnapshotStore(tmp_path)
    sha = store.put(b"x")
    assert store.get(sha.upper()) == b"x"


def test_any_content_lands_under_root(tmp_path):
    rng = random.Random(7)
    samples = [b"", b"\x00", b"../../etc/passwd", *(rng.randbytes(rng.randrange(1, 300)) for _ in range(40))]
    store = SnapshotStore(tmp_path)
    for data in samples:
        sha = store.put(data)
        assert store.path(sha).is_relative_to(tmp_path.resolve())
        assert store.get(sha) == data
