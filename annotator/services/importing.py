"""Importing files into a corpus: each file whole or not at all.

A file is read as it goes, :data:`BATCH_DOCUMENTS` documents at a time, each batch checked
and written before the next is read, all in one transaction: memory stays flat in the size
of the file, and an error anywhere rolls the whole file back.

Every imported document records its language in ``meta.lang`` (DESIGN §4), so that
tokenizing it later (snapping, export) uses its rules whatever the corpus language
becomes: the readers do it (:func:`annotator.formats.reader`), from ``--lang``.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from annotator.core.errors import (
    AnnotationError,
    AnnotatorError,
    CorpusError,
    InputError,
    SchemeError,
)
from annotator.core.extend import extend_for
from annotator.core.scheme import Scheme
from annotator.core.validation import check_annotator_name, check_set
from annotator.formats import ReadOptions, Record, detect, reader
from annotator.services.progress import Progress, no_progress
from annotator.store.corpus import Corpus, DocumentBatch

BATCH_DOCUMENTS = 1000
"""Documents read, checked and written at a time."""


@dataclass(slots=True)
class FileImport:
    """What one file brought into the corpus."""

    path: str
    format: str
    documents: int = 0
    already_present: int = 0
    annotation_sets: int = 0
    spans: int = 0
    relations: int = 0
    warnings: list[str] = field(default_factory=list)
    """What the file held but was not imported (e.g. rejected Prodigy answers)."""


@dataclass(slots=True)
class ImportReport:
    files: list[FileImport] = field(default_factory=list)
    added_labels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return sum(f.documents for f in self.files)


def import_paths(
    corpus: Corpus,
    paths: Sequence[Path],
    format: str = "auto",
    annotator: str | None = None,
    extend_scheme: bool = False,
    progress: Progress = no_progress,
    language: str | None = None,
) -> ImportReport:
    """Import files or folders one after the other, each in one transaction.

    Args:
        language: ``--lang``, the language of the documents whose file does not say it
            (see the module docstring).

    Raises:
        AnnotatorError: at the first file that cannot be imported (naming it, and the
            line or record); the files before it are imported, it and those after not.
    """
    if annotator is not None:
        check_annotator_name(annotator)
    if language is not None and not LANGUAGE.fullmatch(language):
        raise AnnotatorError(
            f"--lang {language!r} is not a language code; give one such as 'en' or 'fr'"
        )
    report = ImportReport()
    try:
        for number, path in enumerate(paths):
            progress(number, len(paths), "files")
            path = Path(path)
            if not path.exists():
                raise InputError(str(path), "no such file or folder")
            _refuse_empty(path)
            name = detect(path) if format == "auto" else format
            options = ReadOptions(annotator=annotator, scheme=corpus.scheme, language=language)
            file = _StreamedFile(corpus, path, name, options, extend_scheme, progress)
            with _collector_paused():
                imported = file.run()
            imported.warnings = options.warnings + imported.warnings
            for layer, labels in file.added_labels.items():
                report.added_labels.setdefault(layer, []).extend(labels)
            report.files.append(imported)
    except AnnotatorError as error:
        if report.files:  # say what is in, so that nobody imports those files twice
            done = ", ".join(f"{f.path} ({f.documents} documents)" for f in report.files)
            error.add_note(f"imported before this error: {done}")
        raise
    progress(len(paths), len(paths), "files")
    return report


LANGUAGE = re.compile(r"[a-z]{2,3}|xx")


def _refuse_empty(path: Path) -> None:
    """An empty or whitespace-only file is an error, whatever its format (README)."""
    if not path.is_file():
        return
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                if chunk.strip():
                    return
    except OSError as error:
        raise InputError(str(path), f"cannot read the file ({error.strerror})") from None
    raise InputError(str(path), "the file is empty (or holds only whitespace): nothing to import")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one file is read and written.

    Reading a file creates millions of objects, each allocation counting toward a
    collection that walks the live ones again: about a third of the import time of a
    large file (DESIGN §10 measures it). Refcounting frees each batch once written; the
    little cyclic garbage an import makes (an error's traceback) is collected once the
    collector resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _StreamedFile:
    """One file's import: its records read, checked and written batch after batch, in one
    transaction (:meth:`Corpus.add_document_batches`).

    With ``--extend-scheme`` the file is read twice: once to extend the scheme by all it
    uses, then to check every set against that scheme and write it, as when the file was
    read whole.
    """

    def __init__(
        self,
        corpus: Corpus,
        path: Path,
        name: str,
        options: ReadOptions,
        extend_scheme: bool,
        progress: Progress,
    ) -> None:
        self.corpus, self.path, self.name, self.options = corpus, path, name, options
        self.extend_scheme = extend_scheme
        self.progress = progress
        self.added_labels: dict[str, list[str]] = {}
        self.spread = extend_scheme and name != "jsonl"  # the native format names its layers
        self.moved: Counter[tuple[str, str]] = Counter()  # spans spread, by (file, layer)
        self.outcome = FileImport(str(path), name)

    def run(self) -> FileImport:
        try:
            added = self.corpus.add_document_batches(self._batches)
        except (AnnotationError, CorpusError, SchemeError) as error:
            raise InputError(str(self.path), str(error)) from None
        outcome = self.outcome
        outcome.documents, outcome.already_present = added, outcome.documents - added
        return outcome

    def _records(self) -> Iterator[list[Record]]:
        """The file's records, :data:`BATCH_DOCUMENTS` at a time (overlaps spread)."""
        self.options.warnings.clear()  # read again: say it once
        batch: list[Record] = []
        read = 0
        for record in reader(self.name).read(self.path, self.options):
            batch.append(record)
            if len(batch) == BATCH_DOCUMENTS:
                read += len(batch)
                self.progress(read, 0, f"documents read from {self.path.name}")
                yield self._spread(batch)
                batch = []
        if batch:
            yield self._spread(batch)

    def _spread(self, batch: list[Record]) -> list[Record]:
        if self.spread:
            _spread_overlaps(batch, self.corpus.scheme, self.moved)
        return batch

    def _batches(self, known: Callable[[Iterable[str]], dict[str, str]]) -> Iterator[DocumentBatch]:
        """What :meth:`Corpus.add_document_batches` writes; ``known(ids)``: the text
        hashes of those documents that are in the corpus (before this import)."""
        self.outcome = outcome = FileImport(str(self.path), self.name)
        self.added_labels = {}
        self.moved.clear()
        scheme = self.corpus.scheme
        if self.extend_scheme:
            records = (r for batch in self._records() for r in batch)
            extended = extend_for(scheme, (a for r in records for a in r.document.annotations))
            if extended != scheme:
                _note_added_labels(scheme, extended, self.added_labels)
                scheme = extended
            self.moved.clear()  # counted again by the second reading
        stored = scheme if scheme != self.corpus.scheme else None
        checked = _Checked()
        for batch in self._records():
            checked.validate(batch, scheme)
            existing = known(r.document.id for r in batch)
            for record in batch:
                sha = existing.get(record.document.id)
                if sha is not None and sha != record.document.text_sha256:
                    raise InputError(
                        record.path,
                        f"document {record.document.id!r} is already in the corpus with "
                        "another text; give this one another id",
                        line=record.line,
                        unit=record.unit,
                    )
            docs = [r.document for r in batch]
            sets = [a for d in docs for a in d.annotations]
            outcome.documents += len(docs)
            outcome.annotation_sets += len(sets)
            outcome.spans += sum(len(a.spans) for a in sets)
            outcome.relations += sum(len(a.relations) for a in sets)
            yield docs, stored
        outcome.warnings = _overlap_warnings(self.moved)


OVERLAP_SUFFIX = "_overlapping"
"""Layer that takes, under ``--extend-scheme``, the spans a non-overlap layer refuses."""


def _spread_overlaps(
    records: list[Record], scheme: Scheme, moved: Counter[tuple[str, str]]
) -> None:
    """Move the accepted spans that overlap another span of a layer forbidding overlaps
    to the layer ``<layer>_overlapping`` (which allows them), as the formats other than
    the native one only guess the layer; count what was moved in ``moved``, by (file,
    layer moved to).

    In each set, spans are kept in text order, longest first at one start; a span that
    overlaps one kept before it moves.
    """
    for record in records:
        for aset in record.document.annotations:
            ends: dict[str, int] = {}
            spans = aset.spans
            for index in sorted(range(len(spans)), key=lambda i: (spans[i].start, -spans[i].end)):
                span = spans[index]
                layer = scheme.layer(span.layer)
                if span.suggested or layer is None or layer.overlap:
                    continue
                if span.start < ends.get(span.layer, 0):
                    target = span.layer + OVERLAP_SUFFIX
                    spans[index] = replace(span, layer=target)
                    moved[(record.path, target)] += 1
                else:
                    ends[span.layer] = span.end


def _overlap_warnings(moved: Counter[tuple[str, str]]) -> list[str]:
    """What :func:`_spread_overlaps` moved, as warnings."""
    return [
        f"{path}: {count} spans overlap others in a layer that forbids overlaps; they were "
        f"imported into the layer {target!r}, which allows them"
        for (path, target), count in moved.items()
    ]


class _Checked:
    """The checks of a file's records against the scheme, batch after batch: the
    document ids and annotator names seen so far are remembered between batches."""

    def __init__(self) -> None:
        self.seen: dict[str, int | None] = {}
        self.names: set[str] = set()  # annotator names already checked (a file repeats a few)

    def validate(self, records: list[Record], scheme: Scheme) -> None:
        seen, names = self.seen, self.names
        for record in records:
            doc = record.document
            if doc.id in seen:
                first = seen[doc.id]
                where = f" (first at {record.unit} {first})" if first is not None else ""
                raise InputError(
                    record.path,
                    f"document id {doc.id!r} appears twice{where}",
                    line=record.line,
                    unit=record.unit,
                )
            seen[doc.id] = record.line
            annotators: set[str] = set()
            for aset in doc.annotations:
                try:
                    if type(aset.annotator) is not str or aset.annotator not in names:
                        check_annotator_name(aset.annotator)
                        names.add(aset.annotator)
                    if aset.annotator in annotators:
                        raise AnnotationError(
                            f"annotator {aset.annotator!r} has two annotation sets on it"
                        )
                    annotators.add(aset.annotator)
                    check_set(doc.id, doc.text, aset, scheme)
                except AnnotatorError as error:
                    line = _span_line(record, str(error))
                    raise InputError(record.path, str(error), line=line, unit=record.unit) from None


_QUOTED = re.compile(r"'([^']+)'")


def _span_line(record: Record, message: str) -> int | None:
    """The line of the last span a message names, when the format has a line per span
    (an overlap names two spans: the second is the one that overlaps), else the record's."""
    if record.span_lines:
        for span_id in reversed(_QUOTED.findall(message)):
            if span_id in record.span_lines:
                return record.span_lines[span_id]
    return record.line


def _note_added_labels(old: Scheme, new: Scheme, added: dict[str, list[str]]) -> None:
    for layer in new.span_layers:
        before = old.layer(layer.name)
        for label in layer.labels:
            if before is None or before.label(label.name) is None:
                added.setdefault(layer.name, []).append(label.name)
