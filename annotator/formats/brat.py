"""brat standoff: pairs of ``NAME.txt`` + ``NAME.ann``, in a folder or a zip archive.

A folder or archive is read recursively; a document's id is the path of its ``.txt``
relative to the folder (or archive), without the suffix, as for text folders. A single
``.ann`` file (or ``.txt`` with ``--format brat``) is read with its partner next to it.
A ``.txt`` without ``.ann`` is a document without annotations (a warning says how
many); an ``.ann`` without ``.txt`` is an error. Empty ``.txt`` files are left out with
a warning. How ``.ann`` lines map to spans, relations and attributes:
:mod:`annotator.formats.brat_standoff`. Annotator: ``--annotator``, else ``brat``.
Zip archives are read in memory with the checks of :mod:`annotator.formats.archives`.

Writing (OUT is a new or empty folder, or a ``.zip`` file): one ``.txt`` + ``.ann``
pair per document, named after its id (characters a file name cannot hold become
``_``), and an ``annotation.conf`` declaring the labels, relations and attributes used,
with overlaps allowed, so that brat opens the collection as it is. brat has no
document labels and no document metadata: those are counted as left out.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from annotator.core.errors import AnnotatorError, InputError
from annotator.core.model import Document
from annotator.formats import ReadOptions, Record, WriteOptions, WriteReport
from annotator.formats.archives import read_members
from annotator.formats.brat_standoff import NORM, NOTES, TRUE, parse, standoff
from annotator.formats.folders import walk
from annotator.formats.interchange import (
    METADATA,
    annotator_for,
    only_set,
    relations_to_write,
    spans_to_write,
    warn,
)
from annotator.formats.reading import BOM, decode, read_bytes

SUFFIXES = (".ann", ".zip")
DEFAULT_ANNOTATOR = "brat"


def detect(path: Path) -> bool:
    if path.is_dir():
        return any(name.lower().endswith(".ann") for name, _ in walk(path, _wanted).files)
    if path.suffix.lower() == ".zip":
        return _holds_ann(path)
    return path.suffix.lower() in SUFFIXES


def _holds_ann(path: Path) -> bool:
    """Whether a zip holds ``.ann`` files, by its member names (nothing is decompressed):
    a zip of other files (WebAnno's ``.tsv``) is another format's. A zip that cannot be
    listed is brat's to refuse with its own message."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.lower().endswith(".ann") for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return True


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    pairs = _pairs(path, options)
    if not pairs:
        raise InputError(str(path), "no .txt and .ann files here")
    lonely: list[str] = []
    empty: list[str] = []
    for doc_id, (txt, ann) in sorted(pairs.items()):
        if txt is None:
            assert ann is not None
            raise InputError(ann[0], "no .txt file with the same name next to this .ann file")
        text = decode(txt[1], Path(txt[0]))
        if "\x00" in text:
            raise InputError(txt[0], f"the text contains a NUL character at {text.index(chr(0))}")
        if not text:
            empty.append(txt[0])
            continue
        sets = []
        lines: dict[str, int] = {}
        if ann is None:
            lonely.append(txt[0])
        else:
            standoff = decode(ann[1], Path(ann[0]))
            aset = parse(standoff, text, ann[0], annotator_for(options, DEFAULT_ANNOTATOR), options)
            sets = [] if aset.is_empty() else [aset]
            lines = _span_lines(standoff)
        meta = {"source": PurePosixPath(txt[0].replace("\\", "/")).name}
        yield Record(Document(doc_id, text, meta, sets), (ann or txt)[0], span_lines=lines)
    if lonely:
        example = f"e.g. {lonely[0]}"
        warn(options, path, f"{len(lonely)} .txt files without .ann imported as is ({example})")
    if empty:
        warn(options, path, f"{len(empty)} empty .txt files left out (e.g. {empty[0]})")


def _span_lines(standoff: str) -> dict[str, int]:
    """The line of each ``T`` line's id, for errors about its span."""
    lines: dict[str, int] = {}
    for number, line in enumerate(standoff.split("\n"), start=1):
        ident = line.split("\t", 1)[0]
        if ident.startswith("T"):
            lines.setdefault(ident, number)
    return lines


_Pair = tuple[tuple[str, bytes] | None, tuple[str, bytes] | None]


def _pairs(path: Path, options: ReadOptions) -> dict[str, _Pair]:
    """``{document id: ((txt name, bytes) | None, (ann name, bytes) | None)}``."""
    files: dict[str, bytes] = {}
    if path.is_dir():
        walked = walk(path, _wanted)  # links leading outside the folder are left out
        walked.warn(path, options)
        files = {name: read_bytes(file) for name, file in walked.files}
        shown = {name: str(path / name) for name in files}
    elif path.suffix.lower() == ".zip":
        files = read_members(path, _wanted)
        shown = {name: f"{path}:{name}" for name in files}
        for name, data in files.items():
            if data.startswith(BOM):
                raise InputError(shown[name], "starts with a byte order mark (BOM); remove it")
    elif path.suffix.lower() in (".txt", ".ann"):
        partners = [path.with_suffix(suffix) for suffix in (".txt", ".ann")]
        files = {p.name: read_bytes(p) for p in partners if p.is_file()}
        shown = {p.name: str(p) for p in partners}
    else:
        raise InputError(str(path), "brat reads a folder, a .zip, or a .ann or .txt file")
    pairs: dict[str, _Pair] = {}
    for name, data in files.items():
        doc_id, suffix = name.rsplit(".", 1)
        txt, ann = pairs.get(doc_id, (None, None))
        if suffix.lower() == "txt":
            txt = (shown[name], data)
        else:
            ann = (shown[name], data)
        pairs[doc_id] = (txt, ann)
    return pairs


def _wanted(name: str) -> bool:
    return name.lower().endswith((".txt", ".ann")) and not _hidden(name)


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))


# -- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    """Write the collection to the folder or ``.zip`` ``out``, which appears complete or
    not at all."""
    report = WriteReport(files=[str(out)])
    files: dict[str, str] = {}
    names: set[str] = set()
    types: dict[str, dict[str, set[str]]] = {"entities": {}, "relations": {}, "attributes": {}}
    for doc in documents:
        report.documents += 1
        if doc.meta:
            report.leave_out(METADATA)
        name = _file_name(doc.id, names)
        lines: list[str] = []
        aset = only_set(doc, report)
        if aset is not None:
            spans = spans_to_write(aset, options, report)
            relations = relations_to_write(aset, spans, report)
            report.spans += len(spans)
            lines = standoff(doc.text, spans, relations, report)
            if aset.doc_labels:
                report.leave_out("document labels (brat has none)", len(aset.doc_labels))
            types["entities"].update((s.label, set()) for s in spans)
            types["relations"].update((r.label, set()) for r in relations)
            for span in spans:
                for key, value in span.attrs.items():
                    if key != NOTES and not key.startswith(NORM):
                        types["attributes"].setdefault(key, set()).add(str(value))
        files[f"{name}.txt"] = doc.text
        files[f"{name}.ann"] = "".join(f"{line}\n" for line in lines)
    files["annotation.conf"] = _configuration(types)
    _save(files, out)
    return report


def _file_name(doc_id: str, taken: set[str]) -> str:
    """A relative path for a document, safe on every system and unique (ignoring case)."""
    parts = [re.sub(r"[^\w.\-]", "_", part) for part in doc_id.split("/")]
    parts = [f"_{part}" if not part or part.startswith(".") else part for part in parts]
    name = base = "/".join(parts)
    number = 1
    while name.lower() in taken or name.lower() == "annotation":
        number += 1
        name = f"{base}-{number}"
    taken.add(name.lower())
    return name


def _configuration(types: dict[str, dict[str, set[str]]]) -> str:
    """An ``annotation.conf`` that lets brat show and edit what was exported."""
    lines = ["[entities]", *sorted(types["entities"]), "", "[relations]"]
    lines += [f"{label}\tArg1:<ENTITY>, Arg2:<ENTITY>" for label in sorted(types["relations"])]
    lines += ["<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "", "[events]", ""]
    lines.append("[attributes]")
    for name, values in sorted(types["attributes"].items()):
        if values == {TRUE}:
            lines.append(f"{name}\tArg:<ENTITY>")
        elif all(len(v.split()) == 1 for v in values):
            lines.append(f"{name}\tArg:<ENTITY>, Value:{'|'.join(sorted(values))}")
    return "\n".join(lines) + "\n"


def _save(files: dict[str, str], out: Path) -> None:
    if not out.parent.exists():
        raise AnnotatorError(f"{out.parent}: no such folder")
    if out.suffix.lower() == ".zip":
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                    for name, content in files.items():
                        archive.writestr(name, content.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AnnotatorError(f"{out}: exists and is not an empty folder; choose a new folder")
    folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, content in files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as handle:
                handle.write(content)
        if out.exists():
            out.rmdir()
        os.replace(folder, out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
