"""The local corpus layout that ``labwatch run`` and ``labwatch ingest`` read.

``DIR/<lab>/<file>`` is one document (id = file stem); ``DIR/<lab>/<document>/<file>...`` are
successive versions of one document, ordered by ``published`` in an optional
``versions.yaml`` beside them (files of one date in the order it lists them), else by name with
numbers compared as numbers. A file may carry a
sidecar ``<file>.meta.yaml`` (published, title, url, document, supersedes); ``DIR/labs.yaml`` may
name the labs. ``supersedes: <document>`` (in a sidecar, or at the top of ``versions.yaml``) says
the document succeeds another of the lab's documents.

Files lying directly in ``DIR`` are documents only when named ``<lab>__<document>.<ext>`` or
``<lab>__<document>__<version>.<ext>`` (double underscores). Several such files of one lab and
document are its versions, ordered by sidecar ``published``, else by version with numbers compared
as numbers. A document may not be both a flat file and inside a lab folder. Other files directly in
``DIR`` are not read; ``unplaced_files`` lists them so the caller can say so.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from labwatch.corpus.exceptions import CorpusError
from labwatch.corpus.untrusted_yaml import iso_date, load_untrusted_yaml

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
    supersedes: str | None = None  # the lab's document this one succeeds


def slugify(text: str) -> str:
    """A lab or document id from a folder or file name."""
    s = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-.")
    return s or "document"


def natural_key(name: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A corpus entry that was not read, and why (a link leading outside the corpus folder)."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class CorpusScan:
    """What ``scan_corpus`` found: the documents to read, and the entries it refused."""

    documents: list[LocalDocument]
    refused: list[Refusal]


class _Box:
    """The corpus folder as a box: an entry is read only if its real path (every symbolic link
    resolved) lies under the folder's real path. Refused entries are collected, once each."""

    def __init__(self, root: Path):
        self.root = root
        self.real_root = root.resolve()
        self.refused: dict[Path, Refusal] = {}

    def admits(self, path: Path) -> bool:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):  # a broken link, or a loop of links
            if path.is_symlink():
                self._refuse(path, f"{path}: a symbolic link that leads nowhere (broken or looping); not read")
            return False
        if real == self.real_root or real.is_relative_to(self.real_root):
            return True
        self._refuse(path, f"{path}: links to {real}, outside the corpus folder {self.root}; not read")
        return False

    def _refuse(self, path: Path, reason: str) -> None:
        self.refused.setdefault(path, Refusal(path, reason))


def _read_yaml(path: Path, box: _Box | None = None) -> dict:
    if box is not None and not box.admits(path):
        return {}
    try:
        data = load_untrusted_yaml(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise CorpusError(f"{path}: not readable ({exc.strerror or exc})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
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
        return iso_date(str(value))
    except ValueError as exc:
        raise CorpusError(f"{where}: published {value!r} is not a date (YYYY-MM-DD)") from exc


def _is_document_file(path: Path, box: _Box) -> bool:
    name = path.name.lower()
    return (
        not name.startswith(".")
        and name not in SKIP_NAMES
        and not name.endswith((".meta.yaml", ".meta.yml"))
        and box.admits(path)
        and path.is_file()
    )


NAME_MAX = 255  # bytes in one file name on common file systems


def _sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.yaml")


def _sidecar(path: Path, box: _Box) -> dict:
    side = _sidecar_path(path)
    if len(os.fsencode(side.name)) > NAME_MAX:  # no such file can exist; asking the OS would raise
        return {}
    return _read_yaml(side, box) if side.exists() or side.is_symlink() else {}


def discover_corpus(root: Path) -> list[LocalDocument]:
    """Every document version under ``root``, in ingestion order (per document, oldest first).
    Entries that lead outside ``root`` are left out (``scan_corpus`` names them)."""
    return scan_corpus(root).documents


def scan_corpus(root: Path) -> CorpusScan:
    """The documents under ``root`` and the entries refused: nothing whose real path (symbolic
    links resolved) lies outside ``root`` is read, neither a file nor a lab folder nor a sidecar."""
    root = _corpus_dir(root)
    box = _Box(root)
    names = _lab_names(root, box)
    in_folders = _lab_folder_docs(root, names, box)
    _check_one_source_per_document(in_folders, root)
    flat = _flat_docs(root, names, box)
    _check_not_ambiguous(in_folders, flat)
    _check_succession(in_folders + flat)
    return CorpusScan(in_folders + flat, list(box.refused.values()))


DOCUMENT_SUFFIXES = {".pdf", ".html", ".htm", ".xhtml", ".txt", ".md", ".text"}


def unplaced_files(root: Path) -> list[Path]:
    """Files directly in ``root`` that look like documents (PDF, HTML, text) but are not read:
    neither in a lab folder nor named ``<lab>__<document>``. Data files (YAML, JSON...) beside
    the labs are not reported."""
    return [
        p
        for p in _root_files(_corpus_dir(root), _Box(Path(root)))
        if _flat_parts(p) is None and p.suffix.lower() in DOCUMENT_SUFFIXES
    ]


def _corpus_dir(root: Path) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found")
    return root


def _lab_names(root: Path, box: _Box) -> dict[str, str | None]:
    names = {}
    if (root / "labs.yaml").exists() or (root / "labs.yaml").is_symlink():
        for entry in _read_yaml(root / "labs.yaml", box).get("labs", []) or []:
            if isinstance(entry, dict) and entry.get("lab"):
                names[slugify(str(entry["lab"]))] = entry.get("name")  # matches the slugified folder name
    return names


def _document(
    lab: str,
    document_id: str,
    path: Path,
    meta: dict,
    lab_name: str | None,
    *,
    order: int = 0,
    where: Path | None = None,
) -> LocalDocument:
    return LocalDocument(
        lab=lab,
        document_id=document_id,
        path=path,
        order=order,
        published=_as_date(meta.get("published"), str(where or _sidecar_path(path))),
        title=meta.get("title"),
        url=meta.get("url"),
        lab_name=lab_name,
        supersedes=slugify(str(meta["supersedes"])) if meta.get("supersedes") else None,
    )


def _lab_folder_docs(root: Path, names: dict, box: _Box) -> list[LocalDocument]:
    found: list[LocalDocument] = []
    lab_dirs = (p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir() and box.admits(p))
    claimed: dict[str, Path] = {}
    for lab_dir in sorted(lab_dirs, key=lambda p: natural_key(p.name)):
        lab = slugify(lab_dir.name)
        if (other := claimed.setdefault(lab, lab_dir)) != lab_dir:
            # merging them would score two labs as one; a new slug rule would change lab ids
            raise CorpusError(
                f"{other} and {lab_dir} both become lab id {lab!r}; rename one of the folders "
                "(lab ids keep only a-z, 0-9, '.', '_' and '-' of a folder name)"
            )
        for entry in sorted(lab_dir.iterdir(), key=lambda p: natural_key(p.name)):
            if not entry.name.startswith(".") and entry.is_dir() and box.admits(entry):
                found.extend(_versions_of(entry, lab, names.get(lab), box))
            elif _is_document_file(entry, box):
                meta = _sidecar(entry, box)
                doc_id = slugify(str(meta.get("document") or entry.stem))
                found.append(_document(lab, doc_id, entry, meta, names.get(lab)))
    return found


def _root_files(root: Path, box: _Box) -> list[Path]:
    return sorted((p for p in root.iterdir() if _is_document_file(p, box)), key=lambda p: natural_key(p.name))


def _flat_parts(path: Path) -> tuple[str, str, str] | None:
    """(lab, document, version) of a file named ``<lab>__<document>[__<version>].<ext>``, else None."""
    parts = path.stem.split("__")
    if not path.suffix or len(parts) not in (2, 3) or not all(p.strip() for p in parts):
        return None
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


def _flat_docs(root: Path, names: dict, box: _Box) -> list[LocalDocument]:
    groups: dict[tuple[str, str], list[tuple[Path, str, dict]]] = {}
    for path in _root_files(root, box):
        if parts := _flat_parts(path):
            meta = _sidecar(path, box)
            key = (slugify(parts[0]), slugify(str(meta.get("document") or parts[1])))
            groups.setdefault(key, []).append((path, parts[2], meta))

    def oldest_first(item: tuple[Path, str, dict]):
        path, version, meta = item
        published = _as_date(meta.get("published"), str(_sidecar_path(path))) or date.max
        return (published, natural_key(version), natural_key(path.name))

    out = []
    for (lab, doc_id), files in groups.items():
        out.extend(
            _document(lab, doc_id, path, meta, names.get(lab), order=i)
            for i, (path, _, meta) in enumerate(sorted(files, key=oldest_first))
        )
    return out


def _check_one_source_per_document(docs: list[LocalDocument], root: Path) -> None:
    """Two files (or a file and a version folder) that name the same document of a lab, such as
    ``acme/policy.txt`` beside ``acme/policy.pdf``, or ``Acme AI/`` beside ``acme-ai/``, would
    silently become versions of one document: refuse them, naming both."""
    sources: dict[tuple[str, str], Path] = {}
    for d in docs:
        source = d.path if d.path.parent.parent == root else d.path.parent  # a file, or a version folder
        other = sources.setdefault((d.lab, d.document_id), source)
        if other != source:
            raise CorpusError(
                f"{other} and {source} are both document {d.document_id!r} of lab {d.lab!r}; "
                "rename one, or put successive versions in one folder "
                f"({d.lab}/{d.document_id}/<version files>)"
            )


def _check_not_ambiguous(in_folders: list[LocalDocument], flat: list[LocalDocument]) -> None:
    placed = {(d.lab, d.document_id): d.path for d in in_folders}
    for d in flat:
        if (other := placed.get((d.lab, d.document_id))) is not None:
            raise CorpusError(
                f"{d.path} and {other} are both document {d.document_id!r} of lab {d.lab!r}; "
                "keep one of them (move the flat file into the lab folder, or rename it)"
            )


def _check_succession(docs: list[LocalDocument]) -> None:
    """Every file of a document names the same predecessor (or none), never itself, no cycle."""
    declared: dict[tuple[str, str], tuple[str, Path]] = {}
    for d in docs:
        if d.supersedes is None:
            continue
        if d.supersedes == d.document_id:
            raise CorpusError(f"{d.path}: supersedes: document {d.document_id!r} cannot supersede itself")
        first = declared.setdefault((d.lab, d.document_id), (d.supersedes, d.path))
        if first[0] != d.supersedes:
            raise CorpusError(
                f"{first[1]} and {d.path}: document {d.document_id!r} of lab {d.lab!r} supersedes "
                f"{first[0]!r} in one and {d.supersedes!r} in the other"
            )
    for lab, doc in declared:
        chain, pred = [doc], declared[(lab, doc)][0]
        while (lab, pred) in declared:
            if pred in chain:
                raise CorpusError(
                    f"{declared[(lab, doc)][1]}: supersedes: a cycle in lab {lab!r} ({' -> '.join([*chain, pred])})"
                )
            chain.append(pred)
            pred = declared[(lab, pred)][0]


def _versions_of(folder: Path, lab: str, lab_name: str | None, box: _Box) -> list[LocalDocument]:
    files = [p for p in folder.iterdir() if _is_document_file(p, box)]
    listed: dict[str, dict] = {}
    vfile = folder / "versions.yaml"
    shared: dict = {}
    if vfile.exists():
        vdata = _read_yaml(vfile, box)
        if vdata.get("supersedes"):
            shared["supersedes"] = vdata["supersedes"]  # for every version of the folder
        for item in vdata.get("versions", []) or []:
            if not isinstance(item, dict) or "file" not in item:
                raise CorpusError(f"{vfile}: each entry of 'versions' needs a 'file'")
            listed[str(item["file"])] = item
        missing = [n for n in listed if not (folder / n).is_file()]
        if missing:
            raise CorpusError(f"{vfile}: lists {', '.join(missing)} which is not in {folder}")

    position = {name: i for i, name in enumerate(listed)}

    def key(p: Path):
        item = listed.get(p.name, {})
        pub = _as_date(
            item.get("published") or _sidecar(p, box).get("published"), str(vfile if item else _sidecar_path(p))
        )
        # one date, several files (a re-upload): the order versions.yaml lists them in, else name
        return (pub or date.max, position.get(p.name, len(position)), natural_key(p.name))

    out = []
    for i, p in enumerate(sorted(files, key=key)):
        item = {**shared, **_sidecar(p, box), **listed.get(p.name, {})}
        out.append(
            _document(lab, slugify(folder.name), p, item, lab_name, order=i, where=vfile if p.name in listed else None)
        )
    return out


def bundled_corpus() -> Path:
    """The sample corpus shipped with the package (fictional labs, written for labwatch)."""
    return Path(str(resources.files("labwatch") / "sample_corpus"))
