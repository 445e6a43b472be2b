"""spaCy's binary training format (``.spacy`` DocBin files), format name ``spacy``.

Reading takes a ``.spacy`` file, or a folder of them (and of subfolders of them) such as
an export's ``OUT/`` or, for a corpus in several languages, its ``OUT/en/`` and ``OUT/fr/``
(:mod:`annotator.nlp.docbin_import` says how Docs map to documents). Writing produces
the folder of DESIGN §5 with the default split and strict alignment
(:mod:`annotator.nlp.export`); ``annotator export --format spacy`` goes through
:mod:`annotator.services.training` for its options.

spaCy is imported only when a file is read or written: detecting the format of a file
must stay cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.model import Document
from annotator.formats import ReadOptions, Record, WriteOptions, WriteReport
from annotator.formats.folders import Walk, walk
from annotator.formats.reading import read_bytes

SUFFIXES = (".spacy",)


def detect(path: Path) -> bool:
    if path.is_dir():
        return any(_files(path))
    return path.suffix.lower() in SUFFIXES


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    from annotator.nlp.docbin_import import documents_from_docbin

    if path.is_dir():
        found = _walk(path)
        found.warn(path, options)
        files = [file for _, file in found.files]
    else:
        files = [path]
    if not files:
        raise InputError(str(path), "no .spacy files in this folder")
    for file in files:
        data = read_bytes(file)
        for document, number in documents_from_docbin(
            data, str(file), options.annotator, options.scheme, options.warnings, options.language
        ):
            yield Record(document, str(file), number, unit="doc")


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    """Export to the folder ``out`` with the default options (dev 0.2, seed 0, strict).

    Spans that do not align are left out of ``doc.ents``/``doc.spans`` (they stay in
    ``user_data``) and counted in the returned report's ``left_out``.
    """
    from annotator.nlp.export import SpacyExportOptions, export_docbins

    scheme = options.scheme
    if scheme is None:
        raise ValueError("the spacy writer needs the corpus scheme in WriteOptions.scheme")
    exported = export_docbins(
        documents, out, scheme, SpacyExportOptions(include_suggestions=options.include_suggestions)
    )
    report = WriteReport(
        documents=exported.documents,
        spans=exported.spans,
        files=exported.files,
        split=exported.audit.split,
    )
    if exported.audit.misaligned:
        report.leave_out(
            "spans not on token boundaries (see report.json)", len(exported.audit.misaligned)
        )
    if exported.audit.overlapping:
        report.leave_out(
            "overlapping entities kept out of doc.ents", len(exported.audit.overlapping)
        )
    return report


def _walk(folder: Path) -> Walk:
    """The DocBins in ``folder`` and its subfolders (a multilingual export has ``OUT/en/``
    and ``OUT/fr/``), never through a link that leads outside it."""
    return walk(
        folder,
        lambda name: (
            name.lower().endswith(SUFFIXES)
            and not any(part.startswith(".") for part in name.split("/"))
        ),
    )


def _files(folder: Path) -> list[Path]:
    return [file for _, file in _walk(folder).files]
