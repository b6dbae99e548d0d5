"""A DuckLake password never shows: not in output, errors, status, stored rows or folder names.

Against a real PostgreSQL that requires a password (scram-sha-256), so the libpq ways of giving
it (``PGPASSWORD``, a password file) are shown to work and a wrong one to fail on one line.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from labwatch.warehouse.lakeurl import LakeAddress, default_home, has_secret, redact

from .conftest import SECRET, invoke, invoke_json


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("host=h password=abc dbname=x", "host=h password=*** dbname=x"),
        ("host=h password = 'a b\\' c' dbname=x", "host=h password = *** dbname=x"),
        ("sslpassword=k password=", "sslpassword=*** password=***"),
        ("PASSWORD=abc", "PASSWORD=***"),
        ("postgresql://lab:abc@h:5432/db?sslmode=require", "postgresql://lab:***@h:5432/db?sslmode=require"),
        ("ducklake:postgres:postgresql:/lab:abc@h/db", "ducklake:postgres:postgresql:/lab:***@h/db"),  # // lost
        ("postgres://h/db?user=lab&password=abc", "postgres://h/db?user=lab&password=***"),
        ("host=h passfile=/home/a/.pgpass user=password", "host=h passfile=/home/a/.pgpass user=password"),
    ],
)
def test_redact_hides_every_password_form_and_nothing_else(text, shown):
    assert redact(text) == shown
    assert has_secret(text) == (text != shown)


def test_the_default_home_does_not_depend_on_the_password(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    plain = "host=h port=5 user=lab dbname=lake"
    assert default_home(plain) == default_home(f"{plain} password=one") == default_home(f"password=two {plain}")


def test_a_home_named_with_the_password_by_an_earlier_labwatch_is_adopted(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    conninfo = f"host=h user=lab dbname=lake password={SECRET}"
    old_hash = hashlib.sha256(" ".join(sorted(conninfo.split())).encode()).hexdigest()[:10]
    old = tmp_path / "labwatch" / "lakes" / f"lake-{old_hash}"
    (old / "lake.journal").mkdir(parents=True)
    (old / "lake.journal" / "event.json").write_text("{}", encoding="utf-8")
    home = LakeAddress.parse(f"ducklake:postgres:{conninfo}").home
    assert home != old and not old.exists() and (home / "lake.journal" / "event.json").exists()


@pytest.fixture()
def lake(seeded_lake) -> str:
    return seeded_lake


def _match_id(url: str) -> str:
    items = invoke_json("review", "list", "--db", url)["items"]
    return items[0]["id"]


def _everything_printed(result) -> str:
    return result.stdout + result.stderr


def test_no_command_on_a_lake_prints_its_password(lake):
    match_id = _match_id(lake)
    commands = [
        ("status", "--no-models"),
        ("status", "--no-models", "--format", "json"),
        ("review", "confirm", match_id, "--reviewer", "ana"),
        ("review", "list"),
        ("review", "list", "--format", "json"),
        ("score",),
        ("score", "--format", "json"),
        ("sql", "select * from lab_scores"),
        ("sql", "select * from no_such_table"),  # an error
    ]
    for args in commands:
        result = invoke(*args, "--db", lake)
        assert SECRET not in _everything_printed(result), args
    status = invoke_json("status", "--no-models", "--db", lake)
    assert "password=***" in status["db"] and status["exists"]
    table = invoke("status", "--no-models", "--db", lake)
    assert "password=***" in " ".join(table.stdout.split())


@pytest.mark.parametrize(
    "change",
    [
        lambda url: url.replace("dbname=", "dbname=nosuch"),  # no such catalog database
        lambda url: url.replace(f"password={SECRET}", f"password={SECRET}x"),  # a wrong password
    ],
)
def test_errors_about_a_lake_are_one_line_without_its_password(lake, change):
    bad = change(lake)
    for args in (("status", "--no-models"), ("review", "list"), ("score",), ("sql", "select 1")):
        result = invoke(*args, "--db", bad)
        printed = _everything_printed(result)
        assert SECRET not in printed, args
        if args[0] != "status":  # status reports a missing warehouse as exists: false
            assert result.exit_code == 1 and printed.startswith("error: ") and "password=***" in printed, printed
            assert "Traceback" not in printed


def test_a_uri_address_error_hides_its_password():
    result = invoke("status", "--no-models", "--db", f"ducklake:postgres:postgresql://lab:{SECRET}@127.0.0.1/x")
    assert result.exit_code == 1 and SECRET not in _everything_printed(result) and "lab:***@" in result.stderr


def test_the_password_is_stored_nowhere(lake, pg_with_password, tmp_path):
    pg = pg_with_password
    match_id = _match_id(lake)
    assert invoke("review", "confirm", match_id, "--reviewer", "ana", "--db", lake).exit_code == 0
    assert invoke("score", "--db", lake).exit_code == 0
    leaks = [str(p) for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaks == []
    dbname = lake.split("dbname=")[1].split()[0]
    dump = subprocess.run(
        [str(Path(pg._bindir) / "pg_dump"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "lab", dbname],
        capture_output=True,
        text=True,
        env={"PGPASSWORD": SECRET, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert dump.returncode == 0 and "ducklake_metadata" in dump.stdout, dump.stderr
    assert SECRET not in dump.stdout


def _address_without_password(lake: str) -> str:
    return lake.replace(f" password={SECRET}", "")


def test_pgpassword_and_a_password_file_work_and_keep_the_same_home(lake, tmp_path, monkeypatch):
    url = _address_without_password(lake)
    home_dir = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home_dir))
    no_home = lambda u: u.split(" home=")[0]  # noqa: E731  (the default home, named by the address)
    result = invoke("score", "--db", no_home(url))
    assert result.exit_code == 1 and "password" in result.stderr  # PostgreSQL asks for one
    monkeypatch.setenv("PGPASSWORD", SECRET)
    assert invoke_json("score", "--db", no_home(url))["labs"]
    monkeypatch.delenv("PGPASSWORD")
    port = url.split("port=")[1].split()[0]
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{port}:*:lab:{SECRET}\n", encoding="utf-8")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    assert invoke_json("score", "--db", no_home(url))["labs"]
    # the same home (journal, snapshots, feeds) with the password in the address or not
    assert LakeAddress.parse(no_home(url)).home == LakeAddress.parse(no_home(lake)).home


def test_a_schedule_or_a_run_on_workers_refuses_a_password_it_would_store(lake, tmp_path):
    result = invoke("schedule", "--db", lake)
    assert result.exit_code == 1 and SECRET not in _everything_printed(result)
    assert "~/.pgpass or PGPASSWORD" in result.stderr
    from labwatch.flows.workers import run_split
    from labwatch.warehouse.lakeurl import LakeAddressError

    with pytest.raises(LakeAddressError, match="PGPASSWORD") as caught:
        run_split(tmp_path, lake, [["a"]], deployment="labwatch-run/split-run", timeout=1)
    assert SECRET not in str(caught.value)
