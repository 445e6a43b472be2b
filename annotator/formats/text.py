"""Plain text and Markdown files, or folders of them: one document per file.

The id is the file's path relative to the folder (or its name), without the suffix;
the text is stored exactly as the file holds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.model import Document
from annotator.formats import ReadOptions, Record
from annotator.formats.folders import Walk, walk
from annotator.formats.reading import check_text, decode, read_bytes

SUFFIXES = (".txt", ".md", ".markdown")


def detect(path: Path) -> bool:
    if path.is_dir():
        return bool(_files(path).files)
    return path.suffix.lower() in SUFFIXES


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    if path.is_dir():
        walked = _files(path)
        walked.warn(path, options)
        files = [file for _, file in walked.files]
        if not files:
            raise InputError(str(path), f"no {'/'.join(SUFFIXES)} files in this folder")
        for file in files:
            doc_id = file.relative_to(path).with_suffix("").as_posix()
            yield Record(read_document(file, doc_id), str(file))
    else:
        yield Record(read_document(path, path.stem), str(path))


def read_document(file: Path, doc_id: str, meta: dict[str, object] | None = None) -> Document:
    """One text file as a document, refusing invalid UTF-8, a BOM, NUL and empty files."""
    text = decode(read_bytes(file), file)
    if not text.strip():
        raise InputError(str(file), "the file is empty; there is nothing to annotate")
    check_text(text, file)
    return Document(doc_id, text, {"source": file.name, **(meta or {})})


def _files(folder: Path) -> Walk:
    """The folder's text files; symbolic links leading outside it are left out."""
    return walk(folder, _wanted)


def _wanted(name: str) -> bool:
    file = name.rsplit("/", 1)[-1]
    return file.lower().endswith(SUFFIXES) and not file.startswith(".")
