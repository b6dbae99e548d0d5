"""Per-source rules in the registry: check_every and CSS selectors, validated with the key named."""

from __future__ import annotations

import datetime as dt

import pytest

from labwatch.corpus.exceptions import RegistryError
from labwatch.corpus.registry import parse_lab


def one(**rules):
    return parse_lab({"lab": "vantor", "sources": [{"url": "https://vantor.example/policy", **rules}]}, "vantor.yaml")


def test_rules_are_read_into_the_source():
    source = one(check_every="12h", select="main .policy", remove=[".news", "aside"]).sources[0]
    assert source.check_every == dt.timedelta(hours=12)
    assert source.select == ("main .policy",) and source.remove == (".news", "aside")
    assert one(include=["article"], exclude=".ad").sources[0].select == ("article",)  # aliases
    plain = one().sources[0]
    assert plain.check_every is None and plain.select == () and plain.remove == ()


@pytest.mark.parametrize(
    "value, delta", [("30m", dt.timedelta(minutes=30)), ("7d", dt.timedelta(days=7)), ("2w", dt.timedelta(weeks=2))]
)
def test_intervals(value, delta):
    assert one(check_every=value).sources[0].check_every == delta


@pytest.mark.parametrize(
    "rules, message",
    [
        ({"check_every": "weekly"}, "sources[0].check_every: 'weekly' is not an interval"),
        ({"check_every": "0h"}, "is not an interval"),
        ({"select": "div["}, "sources[0].select[0]: 'div[' is not a valid CSS selector"),
        ({"remove": ["ok", ""]}, "sources[0].remove[1]: expected a CSS selector"),
        ({"select": []}, "sources[0].select: expected a CSS selector or a list"),
        ({"select": "a", "include": "b"}, "select and include are the same rule"),
    ],
)
def test_bad_rules_name_the_file_and_key(rules, message):
    with pytest.raises(RegistryError, match="vantor.yaml: ") as info:
        one(**rules)
    assert message in str(info.value)


def test_sources_check_validates_the_rules_and_counts_them(tmp_path):
    from typer.testing import CliRunner

    from labwatch.flows.cli import app

    (tmp_path / "vantor.yaml").write_text(
        "lab: vantor\nsources:\n  - url: https://vantor.example/p\n    select: main\n    check_every: 1d\n"
    )
    ok = CliRunner().invoke(app, ["sources", "check", "--sources", str(tmp_path), "--format", "json"])
    assert ok.exit_code == 0 and '"with_selectors": 1' in ok.stdout and '"with_interval": 1' in ok.stdout
    (tmp_path / "vantor.yaml").write_text(
        "lab: vantor\nsources:\n  - url: https://vantor.example/p\n    select: 'p >'\n"
    )
    bad = CliRunner().invoke(app, ["sources", "check", "--sources", str(tmp_path)])
    assert bad.exit_code == 1 and "vantor.yaml: sources[0].select[0]" in bad.stderr and "Traceback" not in bad.stderr
