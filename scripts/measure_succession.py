"""How well the succession proposal separates related documents from unrelated ones.

Usage: python scripts/measure_succession.py DIR [DIR...]
Every *.txt under the folders is one document version; the lab is the file name's first part
(``<lab>_...`` or ``<lab>__...``). Prints the similarity (flows/succession.py) of every pair,
grouped as same-lab (related: versions or successors of one policy) or cross-lab (unrelated
frameworks), then the same for generated look-alike documents (flows/benchcorpus.py), and which
pairs the threshold proposes. Prints figures and file names only, never text.
"""

from __future__ import annotations

import itertools
import re
import sys
import tempfile
from pathlib import Path

from labwatch.flows.benchcorpus import generate_corpus
from labwatch.flows.succession import PROPOSE_AT, similarity


def _lab(path: Path) -> str:
    return re.split(r"_", path.stem, maxsplit=1)[0]


def main(folders: list[str]) -> None:
    docs = {p: p.read_text(encoding="utf-8") for f in folders for p in sorted(Path(f).rglob("*.txt"))}
    groups: dict[str, list[tuple[float, str, str]]] = {"same lab": [], "cross lab": []}
    for a, b in itertools.combinations(docs, 2):
        group = "same lab" if _lab(a) == _lab(b) else "cross lab"
        groups[group].append((similarity(docs[a], docs[b]), a.name, b.name))
    with tempfile.TemporaryDirectory() as tmp:
        generate_corpus(Path(tmp), 16, pdf_every=0, n_labs=1)
        fake = [p.read_text(encoding="utf-8") for p in sorted(Path(tmp).rglob("*.txt"))]
    groups["generated look-alikes"] = [(similarity(a, b), "bench", "bench") for a, b in itertools.combinations(fake, 2)]
    print(f"threshold {PROPOSE_AT}")
    for name, rows in groups.items():
        if not rows:
            continue
        values = sorted(r[0] for r in rows)
        above = sum(v >= PROPOSE_AT for v in values)
        print(f"{name}: {len(rows)} pairs, min {values[0]:.3f}, max {values[-1]:.3f}, proposed {above}")
        if name == "same lab":
            for value, a, b in sorted(rows, reverse=True):
                print(f"  {value:.3f}  {a} | {b}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["../shared/corpus-dev", "../shared/eval/changes-dev/docs"])
