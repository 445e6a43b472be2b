"""Exporting a corpus (or one annotator's layer of it) to a file format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.model import GOLD, Document
from annotator.core.who_claims import actors_of
from annotator.formats import WriteOptions, WriteReport, writer
from annotator.formats.atomic import output_errors
from annotator.services.progress import Progress, no_progress
from annotator.store.actors import actors
from annotator.store.corpus import Corpus

ALL = "all"


def resolve_source(corpus: Corpus, format: str, source: str | None) -> str:
    """Which annotation sets to export (DESIGN §7's defaults for ``--from``)."""
    annotators = corpus.annotators()
    if source is None:
        if format == "jsonl":
            return ALL
        if GOLD in annotators:
            return GOLD
        if len(annotators) == 1:
            return annotators[0]
        if not annotators:
            raise AnnotatorError("the corpus has no annotations to export yet")
        raise AnnotatorError(
            "several annotators and no gold layer: choose one with --from "
            f"(annotators: {', '.join(annotators)}; or --from all)"
        )
    if source not in (ALL, *annotators):
        if source == GOLD:
            raise AnnotatorError(
                "the corpus has no gold layer yet; adjudicate first, or export with "
                f"--from NAME (annotators: {', '.join(annotators) or 'none'})"
            )
        raise AnnotatorError(
            f"no annotator named {source!r}; annotators: {', '.join(annotators) or 'none'}"
        )
    return source


def selected_documents(
    corpus: Corpus, source: str, progress: Progress = no_progress
) -> Iterator[Document]:
    """Documents with the sets of ``source``: every document for ``all``, else only those
    that ``source`` annotated (an unannotated document is not a negative example)."""
    total = corpus.document_count()
    annotators = None if source == ALL else [source]
    registry = actors(corpus)
    for number, doc in enumerate(corpus.documents(annotators=annotators), start=1):
        if number % 100 == 0 or number == total:
            progress(number, total, "documents")
        if source == ALL or doc.annotations:
            if registry and any(aset.actor_links for aset in doc.annotations):
                doc.actors = actors_of(doc, registry)  # the entries its links name
            yield doc


def export(
    corpus: Corpus,
    out: Path,
    format: str = "jsonl",
    source: str | None = None,
    include_suggestions: bool = False,
    progress: Progress = no_progress,
) -> WriteReport:
    """Write the corpus to ``out`` in ``format``; the file appears only when complete."""
    write = writer(format)
    chosen = resolve_source(corpus, format, source)
    docs = selected_documents(corpus, chosen, progress)
    options = WriteOptions(
        include_suggestions=include_suggestions, scheme=corpus.scheme, actors=actors(corpus)
    )
    with output_errors(Path(out)):
        return write(docs, Path(out), options)
