"""Regenerate README.md's sample outputs and timings from real runs, so they cannot drift.

Runs the tour in a fresh, empty working directory (as a newcomer's clone: no data/ yet, no
LABWATCH_DB, no Prefect server): `labwatch run` on the bundled corpus, timed, then a second run,
the change list, the review queue, two confirmations (one for a scored criterion, one for an
unscored one) and the scores they give. Each output replaces the README block between
``<!-- readme:NAME -->`` and ``<!-- /readme:NAME -->``.

    python scripts/readme_outputs.py           # rewrite README.md
    python scripts/readme_outputs.py --check   # exit 1 if README.md's blocks differ (numbers aside)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- readme:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /readme:(?P=name) -->)", re.S)
DB = "data/demo.duckdb"


def labwatch(args: list[str], cwd: Path) -> tuple[str, float]:
    """Run `labwatch ARGS` in ``cwd`` as a user would (a new process, stdout then stderr);
    returns the output and the wall-clock seconds. A failing command stops the script."""
    env = {k: v for k, v in os.environ.items() if k not in ("LABWATCH_DB", "PREFECT_API_URL")}
    env["HF_HUB_OFFLINE"] = "1"
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "labwatch.flows.cli", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"labwatch {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return (done.stdout + done.stderr).rstrip() + "\n", seconds


def shown(commands: list[list[str]], cwd: Path) -> str:
    """A ```text block body: each command after `$ `, then what it printed."""
    parts = []
    for args in commands:
        output, _ = labwatch(args, cwd)
        parts.append(f"$ labwatch {' '.join(_quote(a) for a in args)}\n{output}")
    return "\n".join(parts)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w./:=@%+,-]+", arg) else f'"{arg}"'


def pick_examples(cwd: Path) -> tuple[str, str]:
    """The best-first suggestion of a criterion that scores (no parent, positive weight), and
    the best-first one of an unscored criterion: the two the tour confirms."""
    items = json.loads(labwatch(["review", "list", "--db", DB, "--limit", "0", "--format", "json"], cwd)[0])["items"]
    scores = json.loads(labwatch(["score", "--db", DB, "--format", "json"], cwd)[0])
    rubric = {c["criterion_id"]: c for c in scores["labs"][0]["criteria"]}

    def scoring(c: dict) -> bool:
        return c["scored"] and c["weight"] > 0 and not c["parent"]

    scored = next(i["id"] for i in items if scoring(rubric[i["criterion_id"]]))
    unscored = next(i["id"] for i in items if not rubric[i["criterion_id"]]["scored"])
    return scored, unscored


def tour(cwd: Path) -> dict[str, str]:
    """Every README block, from real runs in ``cwd``."""
    blocks: dict[str, str] = {}
    load = os.getloadavg()[0]  # other work on the machine slows the run: say how much there was
    first, cold = labwatch(["run"], cwd)
    blocks["run"] = f"$ labwatch run\n{first}"
    _, warm = labwatch(["run"], cwd)
    cores = os.cpu_count() or 1
    blocks["timing"] = (
        f"(`s` is the run's own time, model loading included; the whole command took {cold:.0f} s here, on "
        f"{cores} cores with a load average of {load:.1f} as it started, with Python's files already compiled; a fresh "
        "clone's first run also compiles them. "
        f"A second `labwatch run` took {warm:.1f} s: it decides from file sizes, times and content hashes, "
        "before any model loads, that nothing changed, and adds nothing.)\n"
    )
    blocks["changes"] = shown([["changes", "--db", DB, "--lab", "brackenridge-labs"]], cwd)
    blocks["review"] = shown([["review", "list", "--db", DB, "--limit", "3"]], cwd)
    scored, unscored = pick_examples(cwd)
    blocks["decide"] = shown(
        [
            ["review", "confirm", scored, "--reviewer", "ana", "--db", DB],
            ["review", "confirm", unscored, "--reviewer", "ana", "--db", DB],
            ["score", "--db", DB],
        ],
        cwd,
    )
    folders = sorted({p.parent for p in (cwd / "data").rglob("*.atom")})
    blocks["feeds"] = "".join(
        f"$ ls {folder.relative_to(cwd).as_posix()}\n" + "".join(f"{p.name}\n" for p in sorted(folder.glob("*.atom")))
        for folder in folders
    )
    return {name: (f"```text\n{body}```\n" if name != "timing" else body) for name, body in blocks.items()}


def rewrite(readme: str, blocks: dict[str, str]) -> str:
    """``readme`` with each marked block's body replaced; every block must be marked once."""
    found = [m["name"] for m in BLOCK.finditer(readme)]
    missing = set(blocks) - set(found)
    if missing or len(found) != len(set(found)):
        raise SystemExit(f"README.md: blocks missing {sorted(missing)} or repeated in {found}")
    return BLOCK.sub(lambda m: m.group(1) + blocks.get(m["name"], m["body"]) + m.group(4), readme)


def structure(text: str) -> str:
    """What must not drift: the words, commands and columns; numbers (timings, counts, dates,
    ids) and table spacing aside."""
    text = re.sub(r"[─━│┃┏┓┗┛┡┩┠┨┯┷┼╇╈━┳┻╋└┘┌┐├┤┬┴]", " ", text)
    text = re.sub(r"\b[a-z]_[0-9a-f]{6,}\b", "ID", text)  # match, run and version ids
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return " ".join(text.split())


def blocks_of(readme: str) -> dict[str, str]:
    return {m["name"]: m["body"] for m in BLOCK.finditer(readme)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of rewriting README.md")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="labwatch-readme-") as tmp:
        blocks = tour(Path(tmp))
    text = args.readme.read_text(encoding="utf-8")
    if not args.check:
        args.readme.write_text(rewrite(text, blocks), encoding="utf-8")
        print(f"rewrote {len(blocks)} blocks of {args.readme}")
        return 0
    have = blocks_of(text)
    stale = [n for n, body in blocks.items() if structure(have.get(n, "")) != structure(body)]
    for name in stale:
        print(f"README block {name!r} differs from a real run:\n--- README\n{have.get(name)}\n--- run\n{blocks[name]}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
