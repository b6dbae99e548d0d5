"""The local corpus layout that ``labwatch run`` and ``labwatch ingest`` read.

``DIR/<lab>/<file>`` is one document (id = file stem); ``DIR/<lab>/<document>/<file>...`` are
successive versions of one document, ordered by ``published`` in an optional
``versions.yaml`` beside them, else by name with numbers compared as numbers. A file may carry a
sidecar ``<file>.meta.yaml`` (published, title, url); ``DIR/labs.yaml`` may name the labs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from labwatch.corpus.exceptions import CorpusError

SKIP_NAMES = {"versions.yaml", "versions.yml", "labs.yaml", "readme.md", "readme.txt", ".ds_store"}
LAB_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class LocalDocument:
    """One file of the corpus: a version of (lab, document_id)."""

    lab: str
    document_id: str
    path: Path
    order: int = 0
    published: date | None = None
    title: str | None = None
    url: str | None = None
    lab_name: str | None = None


def slugify(text: str) -> str:
    """A lab or document id from a folder or file name."""
    s = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-.")
    return s or "document"


def natural_key(name: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not readable YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a mapping at the top level")
    return data


def _as_date(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CorpusError(f"{where}: published {value!r} is not a date (YYYY-MM-DD)") from exc


def _is_document_file(path: Path) -> bool:
    name = path.name.lower()
    return (path.is_file() and not name.startswith(".") and name not in SKIP_NAMES
            and not name.endswith((".meta.yaml", ".meta.yml")))


def _sidecar(path: Path) -> dict:
    side = path.with_name(path.name + ".meta.yaml")
    return _read_yaml(side) if side.exists() else {}


def discover_corpus(root: Path) -> list[LocalDocument]:
    """Every document version under ``root``, in ingestion order (per document, oldest first)."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found")
    names = {}
    if (root / "labs.yaml").exists():
        for entry in _read_yaml(root / "labs.yaml").get("labs", []) or []:
            if isinstance(entry, dict) and entry.get("lab"):
                names[str(entry["lab"])] = entry.get("name")
    found: list[LocalDocument] = []
    for lab_dir in sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: natural_key(p.name)):
        lab = slugify(lab_dir.name)
        for entry in sorted(lab_dir.iterdir(), key=lambda p: natural_key(p.name)):
            if entry.is_dir() and not entry.name.startswith("."):
                found.extend(_versions_of(entry, lab, names.get(lab)))
            elif _is_document_file(entry):
                meta = _sidecar(entry)
                found.append(LocalDocument(
                    lab=lab, document_id=slugify(str(meta.get("document") or entry.stem)), path=entry,
                    published=_as_date(meta.get("published"), str(entry)), title=meta.get("title"),
                    url=meta.get("url"), lab_name=names.get(lab)))
    return found


def _versions_of(folder: Path, lab: str, lab_name: str | None) -> list[LocalDocument]:
    files = [p for p in folder.iterdir() if _is_document_file(p)]
    listed: dict[str, dict] = {}
    vfile = folder / "versions.yaml"
    if vfile.exists():
        for item in _read_yaml(vfile).get("versions", []) or []:
            if not isinstance(item, dict) or "file" not in item:
                raise CorpusError(f"{vfile}: each entry of 'versions' needs a 'file'")
            listed[str(item["file"])] = item
        missing = [n for n in listed if not (folder / n).is_file()]
        if missing:
            raise CorpusError(f"{vfile}: lists {', '.join(missing)} which is not in {folder}")

    def key(p: Path):
        item = listed.get(p.name, {})
        pub = _as_date(item.get("published") or _sidecar(p).get("published"), str(vfile if item else p))
        return (pub or date.max, natural_key(p.name))

    out = []
    for i, p in enumerate(sorted(files, key=key)):
        item = {**_sidecar(p), **listed.get(p.name, {})}
        out.append(LocalDocument(
            lab=lab, document_id=slugify(folder.name), path=p, order=i,
            published=_as_date(item.get("published"), str(vfile if p.name in listed else p)),
            title=item.get("title"), url=item.get("url"), lab_name=lab_name))
    return out


def bundled_corpus() -> Path:
    """The sample corpus shipped with the package (fictional labs, written for labwatch)."""
    return Path(__file__).resolve().parent.parent / "sample_corpus"
