"""Inputs for the importer fuzz test (``test_importer_fuzz.py``): files written by each
format's own writer from generated documents, then damaged the ways files arrive
damaged: truncated, invalid UTF-8, NUL, a BOM, random bytes, a JSON value of the wrong
type, a number (offset, token index) out of range, a broken zip archive.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hypothesis import strategies as st

from annotator.core.model import Document, Span
from annotator.core.validation import check_set
from annotator.formats import WriteOptions, writer
from annotator.services.corpora import default_scheme

Layout = Literal["file", "folder", "zip"]
CORRUPTIONS = (
    "none",
    "truncated",
    "bad utf-8",
    "nul",
    "bom",
    "random bytes",
    "wrong type",
    "out of range",
    "broken archive",
)
SCHEME = default_scheme()
#: Values that break an offset, a token index or a count.
OUT_OF_RANGE = (-1, -(10**9), 10**9, 2**63, 10**30)
#: Values of the wrong type for any JSON field.
WRONG: tuple[Any, ...] = (None, True, 1.5, -7, "x", "", [], [1, "a"], {}, {"a": None})


@dataclass
class Input:
    """The files of one import: name -> bytes, laid out as one file, a folder or a zip."""

    files: dict[str, bytes]
    layout: Layout
    suffix: str = ""
    json: Literal["lines", "whole"] | None = None
    archive_damage: tuple[int, bytes] | None = field(default=None)
    """Bytes written over the zip archive itself at an offset (``broken archive``)."""

    def write(self, where: Path) -> Path:
        """Put the input on disk under ``where``; return the path to import."""
        if self.layout == "file":
            ((_, content),) = self.files.items()
            path = where / f"input{self.suffix}"
            path.write_bytes(content)
            return path
        if self.layout == "folder":
            path = where / "input"
            for name, content in self.files.items():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                (path / name).write_bytes(content)
            return path
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files.items():
                archive.writestr(name, content)
        data = bytearray(buffer.getvalue())
        if self.archive_damage is not None:
            offset, noise = self.archive_damage
            data[offset : offset + len(noise)] = noise
        path = where / "input.zip"
        path.write_bytes(bytes(data))
        return path


def valid(doc: Document) -> Document:
    """``doc`` without what the default scheme forbids (overlapping entities, relations
    between layers that the scheme does not link), so that it must import."""
    heads = {"CLAIMANT": ("entity", "source", "claim"), "CUE": ("cue",)}
    for aset in doc.annotations:
        entities: list[Span] = []
        for span in list(aset.spans):
            if span.layer == "entity":
                if any(span.overlaps(other) for other in entities):
                    aset.spans.remove(span)
                    continue
                entities.append(span)
        layer = {s.id: s.layer for s in aset.spans}
        aset.relations = [
            r
            for r in aset.relations
            if layer.get(r.head) == "claim" and layer.get(r.child) in heads[r.label]
        ]
        check_set(doc.id, doc.text, aset, SCHEME)
    return doc


def written(format: str, doc: Document) -> Input:
    """``doc`` as the writer of ``format`` writes it (brat-zip: the brat folder, zipped)."""
    if format == "text":
        return Input({"doc.txt": doc.text.encode("utf-8")}, "file", ".txt")
    name = "brat" if format.startswith("brat") else format
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        if name in ("jsonl", "prodigy", "doccano"):
            out = out.with_suffix(".jsonl")
        elif name == "labelstudio":
            out = out.with_suffix(".json")
        elif name == "conll":
            out = out.with_suffix(".conll")
        writer(name)([doc], out, WriteOptions(scheme=SCHEME))
        if out.is_file():
            kind: Literal["lines", "whole"] | None = "lines"
            if name in ("labelstudio", "conll"):
                kind = "whole" if name == "labelstudio" else None
            return Input({out.name: out.read_bytes()}, "file", out.suffix, kind)
        files = {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and (name != "spacy" or p.suffix == ".spacy")
        }
    return Input(files, "zip" if format == "brat-zip" else "folder")


def damaged(data: st.DataObject, original: Input, corruption: str) -> Input:
    """``original`` with one file damaged by ``corruption`` (drawn where it strikes)."""
    files = dict(original.files)
    name = data.draw(st.sampled_from(sorted(files)), label="file")
    content = files[name]
    where = data.draw(st.integers(0, max(len(content) - 1, 0)), label="offset")
    result = Input(files, original.layout, original.suffix, original.json)
    if corruption == "truncated":
        files[name] = content[:where]
    elif corruption == "bad utf-8":
        files[name] = (
            content[:where]
            + data.draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80"]))
            + content[where:]
        )
    elif corruption == "nul":
        files[name] = content[:where] + b"\x00" + content[where:]
    elif corruption == "bom":
        files[name] = b"\xef\xbb\xbf" + content
    elif corruption == "random bytes":
        files[name] = data.draw(st.binary(max_size=300), label="bytes")
    elif corruption == "wrong type" and original.json is not None:
        files[name] = _rewrite_json(data, content, original.json, WRONG)
    elif corruption == "out of range":
        if original.json is not None:
            files[name] = _rewrite_json(data, content, original.json, OUT_OF_RANGE, ints=True)
        else:
            files[name] = _rewrite_digits(data, content)
    elif corruption == "broken archive" and original.layout == "zip":
        size = sum(len(c) for c in files.values()) + 200
        offset = data.draw(st.integers(0, size), label="archive offset")
        result.archive_damage = (offset, data.draw(st.binary(min_size=1, max_size=16)))
    elif corruption != "none":  # not applicable to this input: damage the bytes instead
        files[name] = (
            content[:where] + data.draw(st.binary(min_size=1, max_size=8)) + content[where:]
        )
    return result


def _rewrite_json(
    data: st.DataObject, content: bytes, kind: str, values: tuple[Any, ...], ints: bool = False
) -> bytes:
    lines = content.split(b"\n") if kind == "lines" else [content]
    number = data.draw(st.integers(0, max(len(lines) - 1, 0)), label="line")
    try:
        value = json.loads(lines[number])
    except ValueError:
        return content
    nodes = _nodes(value, ints)
    if not nodes:
        return content
    index = data.draw(st.integers(0, len(nodes) - 1), label="node")
    replacement = data.draw(st.sampled_from(values), label="value")
    lines[number] = json.dumps(_replace(value, nodes[index], replacement)).encode("utf-8")
    return b"\n".join(lines)


Path_ = tuple[object, ...]


def _nodes(value: Any, ints: bool, at: Path_ = ()) -> list[Path_]:
    """Paths to every node of a JSON value (only integers if ``ints``), root first."""
    found: list[Path_] = []
    if not ints or (isinstance(value, int) and not isinstance(value, bool)):
        found.append(at)
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, ints, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _nodes(item, ints, (*at, i))
    return found


def _replace(value: Any, at: Path_, replacement: Any) -> Any:
    if not at:
        return replacement
    head, rest = at[0], at[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, replacement) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, replacement) if i == head else v) for i, v in enumerate(value)]


def _rewrite_digits(data: st.DataObject, content: bytes) -> bytes:
    runs = list(re.finditer(rb"\d+", content))
    if not runs:
        return content + b"\n999999999"
    run = runs[data.draw(st.integers(0, len(runs) - 1), label="number")]
    value = str(data.draw(st.sampled_from(OUT_OF_RANGE))).encode()
    return content[: run.start()] + value + content[run.end() :]
