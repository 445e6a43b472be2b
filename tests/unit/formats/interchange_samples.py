"""Helpers shared by the interchange format tests (Prodigy, doccano, brat, CoNLL, Label
Studio): reading a file as the import would, comparing annotations whatever their ids,
and corpora to import into."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from annotator.core.model import AnnotationSet, Document
from annotator.core.scheme import Scheme
from annotator.formats import ReadOptions, reader
from annotator.services.corpora import default_scheme
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.conftest import FORMATS_REAL
from tests.unit.corpus_samples import sample_records, write_jsonl

REAL = FORMATS_REAL

#: A scheme that knows no label: foreign files are imported with --extend-scheme.
OPEN_SCHEME = {
    "language": "en",
    "span_layers": [{"name": "entity", "overlap": True, "labels": []}],
}


def read(
    format: str,
    path: Path,
    scheme: Scheme | None = None,
    annotator: str | None = None,
) -> tuple[list[Document], list[str]]:
    """The documents a format reads from ``path``, and its warnings."""
    options = ReadOptions(annotator=annotator, scheme=scheme)
    docs = [record.document for record in reader(format).read(path, options)]
    return docs, options.warnings


def open_corpus(path: Path) -> Corpus:
    """A new corpus whose scheme has one empty entity layer that allows overlaps."""
    return Corpus.create(path, Scheme.from_dict(OPEN_SCHEME))


def sample_corpus(tmp_path: Path) -> Corpus:
    """A default-scheme corpus holding the sample documents (every kind of annotation)."""
    corpus = Corpus.create(tmp_path / "samples.annotator", default_scheme())
    import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
    return corpus


def sample_corpus_path(tmp_path: Path) -> Path:
    """The file of :func:`sample_corpus`, closed (to compare states before and after)."""
    with sample_corpus(tmp_path):
        pass
    return tmp_path / "samples.annotator"


SpanKey = tuple[str, str, int, int]


def span_keys(aset: AnnotationSet, with_attrs: bool = True) -> list[tuple[Any, ...]]:
    """Spans as ``(layer, label, start, end[, attrs])``, sorted: ids do not matter."""
    keys = []
    for s in aset.spans:
        key: tuple[Any, ...] = (s.layer, s.label, s.start, s.end)
        if with_attrs:
            key += (tuple(sorted(s.attrs.items())),)
        keys.append(key)
    return sorted(keys)


def relation_keys(aset: AnnotationSet) -> list[tuple[SpanKey, SpanKey, str]]:
    """Relations as ``(head span, child span, label)``, sorted."""
    spans = {s.id: (s.layer, s.label, s.start, s.end) for s in aset.spans}
    return sorted((spans[r.head], spans[r.child], r.label) for r in aset.relations)


def accepted(aset: AnnotationSet) -> AnnotationSet:
    """``aset`` without suggestions and the relations that touch them (what an export
    writes without --include-suggestions)."""
    spans = [s for s in aset.spans if not s.suggested]
    kept = {s.id for s in spans}
    relations = [r for r in aset.relations if r.head in kept and r.child in kept]
    return AnnotationSet(aset.annotator, aset.status, spans, relations, dict(aset.doc_labels))


def label_counts(docs: list[Document]) -> Counter[str]:
    return Counter(s.label for d in docs for a in d.annotations for s in a.spans)


def relation_counts(docs: list[Document]) -> Counter[str]:
    return Counter(r.label for d in docs for a in d.annotations for r in a.relations)


def totals(docs: list[Document]) -> tuple[int, int, int]:
    """``(documents, spans, relations)``."""
    sets = [a for d in docs for a in d.annotations]
    return len(docs), sum(len(a.spans) for a in sets), sum(len(a.relations) for a in sets)
