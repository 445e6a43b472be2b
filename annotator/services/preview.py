"""Reading a file for the import dialog's preview, without writing anything.

The window shows the first documents with their spans, the format that was detected,
the warnings, and what the corpus scheme lacks, before the user commits the import
(:func:`annotator.services.importing.import_paths` then reads the file again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.extend import extend_for
from annotator.core.model import Document
from annotator.core.scheme import Scheme
from annotator.core.validation import check_annotator_name, problems, unknown_labels
from annotator.formats import ReadOptions, detect, reader


@dataclass(slots=True)
class Preview:
    """What importing ``path`` would bring, read but not written."""

    path: str
    format: str
    detected: bool
    """True when ``format`` was detected (``auto``) rather than given."""
    documents: list[Document] = field(default_factory=list)
    """The first documents, with their annotation sets."""
    total_documents: int = 0
    annotation_sets: int = 0
    spans: int = 0
    relations: int = 0
    warnings: list[str] = field(default_factory=list)
    unknown_labels: dict[str, list[str]] = field(default_factory=dict)
    """Labels by layer that the scheme lacks."""
    needs_extension: bool = False
    """True when the file uses labels, relations, attributes or answers the scheme lacks:
    importing it needs ``--extend-scheme`` (the dialog's "extend the scheme" box)."""
    problems: list[str] = field(default_factory=list)
    """The first problems that would make the import fail even with --extend-scheme
    (offsets, overlaps in a layer that forbids them...)."""


def preview(
    path: Path,
    format: str = "auto",
    annotator: str | None = None,
    scheme: Scheme | None = None,
    limit: int = 20,
    max_problems: int = 10,
) -> Preview:
    """Read ``path`` as the import would, keeping the first ``limit`` documents.

    Args:
        path: a file or folder.
        format: a format name, or ``auto`` to detect it.
        annotator: the ``--annotator`` name for annotations the file does not attribute.
        scheme: the corpus scheme, to put labels in their layers and list what it lacks.
        limit: how many documents to keep for display.
        max_problems: how many problems to list at most.

    Raises:
        AnnotatorError: the file cannot be read (naming the file, line and reason), or no
            format recognises it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such file or folder")
    if annotator is not None:
        check_annotator_name(annotator)
    name = detect(path) if format == "auto" else format
    options = ReadOptions(annotator=annotator, scheme=scheme)
    result = Preview(str(path), name, detected=format == "auto")
    records = list(reader(name).read(path, options))
    result.warnings = options.warnings
    result.total_documents = len(records)
    result.documents = [r.document for r in records[:limit]]
    sets = [(r, a) for r in records for a in r.document.annotations]
    result.annotation_sets = len(sets)
    result.spans = sum(len(a.spans) for _, a in sets)
    result.relations = sum(len(a.relations) for _, a in sets)
    if scheme is None:
        return result
    extended = extend_for(scheme, (a for _, a in sets))
    result.needs_extension = extended != scheme
    missing: dict[str, set[str]] = {}
    for record, aset in sets:
        for layer, labels in unknown_labels(aset, scheme).items():
            missing.setdefault(layer, set()).update(labels)
        for problem in problems(record.document.text, aset, extended):
            if len(result.problems) < max_problems:
                where = f"{record.path}, line {record.line}" if record.line else record.path
                result.problems.append(f"{where}: document {record.document.id!r}: {problem}")
    result.unknown_labels = {layer: sorted(labels) for layer, labels in missing.items()}
    return result
