"""Session fixtures for end-to-end tests: one demo run shared by the CLI tests."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from typer.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def invoke(*args, check=True, input=None):
    """Run the CLI in-process (models stay loaded across calls); returns the click Result."""
    from labwatch.flows.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False, input=input)
    if check and result.exit_code != 0:
        raise AssertionError(
            f"labwatch {' '.join(map(str, args))} exited {result.exit_code}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def invoke_json(*args):
    result = invoke(*args, "--format", "json")
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The bundled sample corpus, run once (without Prefect) into a fresh warehouse."""
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    first = invoke_json("run", "--no-prefect", "--db", db)
    return db, first


@pytest.fixture()
def demo_copy(demo_db, tmp_path):
    """A private copy of the demo warehouse, for tests that write decisions."""
    db, _ = demo_db
    target = tmp_path / "demo.duckdb"
    shutil.copy(db, target)
    return target


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """Prefect's test harness (a temporary local API), started once per session."""
    from labwatch.flows.prefect_env import configure_prefect_env

    os.environ["LABWATCH_HOME"] = str(tmp_path_factory.mktemp("lwhome"))
    configure_prefect_env()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL (Debian's package) on loopback for the DuckLake tests, once per session."""
    from tests.warehouse.postgres_server import Unavailable, postgres

    try:
        with postgres() as server:
            yield server
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
