"""A throwaway PostgreSQL server for tests: Debian's package, on 127.0.0.1, in a temporary folder.

PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` user
(created by the Debian package). Where no server binaries are found, or it does not start,
``start`` raises ``Unavailable`` with the reason, and the tests that need it skip with it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


class Unavailable(RuntimeError):
    """PostgreSQL cannot be run here (the message says why)."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        on_path = shutil.which("initdb")
        if not on_path:
            raise Unavailable("PostgreSQL is not installed (apt-get install -y postgresql)")
        return Path(on_path).parent
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server; ``new_database`` gives each test its own empty database."""

    def __init__(self, run, bindir: Path, port: int):
        self._run, self._bindir, self.port, self._n = run, bindir, port, 0

    def new_database(self) -> str:
        """Create an empty database; returns its libpq connection string."""
        self._n += 1
        name = f"lake{self._n}"
        self._run(str(self._bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "lab", name)
        return f"host=127.0.0.1 port={self.port} user=lab dbname={name}"


@contextmanager
def postgres(password: str | None = None):
    """Start a server on a free loopback port, yield a ``Server``; stop and remove it after.

    With ``password``, user ``lab`` has it and every connection must give it (scram-sha-256);
    without, connections are trusted."""
    bindir = _bin_dir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise Unavailable("running as root without runuser: cannot start PostgreSQL as another user")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="labwatch-pg-"))
    if as_user:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()

    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}

    def run(*cmd: str) -> None:
        done = subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120, env=env)
        if done.returncode != 0:
            raise Unavailable(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}")

    started = False
    try:
        auth = ["--auth=trust"]
        if password:
            pwfile = root / "pwfile"
            pwfile.write_text(password + "\n", encoding="utf-8")
            if as_user:
                shutil.chown(pwfile, "postgres")
            auth = ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
        run(str(bindir / "initdb"), "-D", str(data), "-U", "lab", *auth, "-E", "UTF8")
        run(
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
            "-o", f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off", "start",
        )  # fmt: skip
        started = True
        yield Server(run, bindir, port)
    finally:
        if started:
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True
            )
        shutil.rmtree(root, ignore_errors=True)
