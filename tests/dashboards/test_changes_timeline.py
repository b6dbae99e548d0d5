"""The changes timeline cites each side of a change and links it to its page (AppTest)."""

from __future__ import annotations

from datetime import date

from labwatch.flows.change_detection import recompute_changes
from labwatch.warehouse import store

from .conftest import FIRM, _version

OLD = [
    ("We will test each model for cyber offence skills.", FIRM, []),
    ("Our board approves every change to this charter.", FIRM, []),
    ("We will publish a summary of every test.", FIRM, []),
    ("We will repeat the tests every three months.", FIRM, []),
]
NEW = OLD[:3] + [("We will repeat the tests every six months.", FIRM, [])]


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _add_charter(warehouse, old_day: date, new_day: date) -> tuple[str, str]:
    url = "https://alpha.example/charter.pdf"
    with warehouse.write() as con:
        for sha, texts, day in (("c1", OLD, old_day), ("c2", NEW, new_day)):
            store.store_version(con, _version("alpha-lab", "charter", sha, texts, published=day, source=url))
        recompute_changes(con, "alpha-lab", "charter")
        return tuple(
            r[0]
            for r in con.execute(
                "SELECT version_id FROM versions WHERE document_id = 'charter' ORDER BY snapshot_sha"
            ).fetchall()
        )


def test_timeline_cites_both_sides_and_links_each_to_its_page(app, warehouse):
    old_vid, new_vid = _add_charter(warehouse, date(2025, 1, 10), date(2025, 6, 1))
    at = app("Changes")
    assert not at.exception, [e.value for e in at.exception]
    body = _markdown(at)
    assert "weakened" in body
    # the interval is passage 3 of 4, on page 2 of both versions: each side links to that page
    assert body.count('href="https://alpha.example/charter.pdf#page=2"') == 2
    assert "p. 2" in body and "Evaluations" in body
    assert old_vid.replace("_", "&#95;") in body and new_vid.replace("_", "&#95;") in body
    assert 'title="c1"' in body and 'title="c2"' in body  # each side's snapshot sha256
    assert "re-uploaded under the same date" not in body


def test_a_silent_reupload_is_marked_on_the_timeline(app, warehouse):
    _add_charter(warehouse, date(2025, 6, 1), date(2025, 6, 1))
    body = _markdown(app("Changes"))
    assert "re-uploaded under the same date" in body
