"""Documents and the annotations agreement reads, as plain tuples, a batch of documents
at a time: a corpus of millions of spans is read without an object per span.

The store reads them (:func:`annotator.store.row_reads.row_batches`), naming each span's
layer and label by the caller's code where it has one; :func:`batch_of` gives the same
rows for documents held as core objects. Offsets are those of :mod:`annotator.core.model`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from annotator.core.model import DocLabels, Document, Fragments

DocumentRow = tuple[Any, str, str, Mapping[str, Any]]
"""``(document key, id, text, meta)``."""
SetRow = tuple[Any, Any, str, str]
"""``(set key, document key, annotator, status)``."""
SpanRow = tuple[
    Any,
    "int | None",
    int,
    int,
    "str | None",
    "str | None",
    "str | None",
    "str | Mapping[str, Any] | None",
    "str | Fragments | None",
    int,
]
"""``(set key, code, start, end, layer, label, id, attrs, fragments, order)`` of an accepted
span (suggested ones are left out); ``fragments`` is None for an ordinary span, else its
pieces (the stored JSON ``[[s, e], ...]``, or the tuple of a core object). ``code`` is
the caller's code of (layer, label), or None, and then ``layer`` and ``label`` are given;
``id`` and ``attrs`` (the stored JSON text, or the mapping of a core object) are given for
the spans of the layer the caller details, else None. ``order`` orders the spans of a set
(the stored key, or the position among the batch's spans)."""
LinkRow = tuple[Any, str, str, int, int]
"""``(set key, head, label, child start, child end)`` of a relation; the child's extent
is ``(-1, -1)`` when the set has no span with the child's id."""


class PlainSpans(NamedTuple):
    """Accepted spans as columns (one int64 array per field, one element per span), in no
    particular order: those with a code, outside the detailed layer and not discontinuous,
    which are most spans and need nothing else. ``order`` is as in :data:`SpanRow`."""

    set: NDArray[np.int64]
    code: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    order: NDArray[np.int64]


def no_plain_spans() -> PlainSpans:
    return PlainSpans(*(np.empty(0, dtype=np.int64) for _ in range(5)))


class RowBatch(NamedTuple):
    """Some documents with their annotation sets.

    Documents come in corpus order, sets by document then in creation order, spans by
    set (in the sets' order) then in their stored order, relations by set then in their
    stored order. ``labels`` holds
    the answers of the sets that have some. The store reads most spans as columns
    (``plain``), the others as rows (``spans``); a set's spans, both together, are in
    the order of their ``order``.
    """

    documents: list[DocumentRow]
    sets: list[SetRow]
    spans: list[SpanRow]
    links: list[LinkRow]
    labels: dict[Any, DocLabels]
    plain: PlainSpans


def batch_of(documents: Iterable[Document], detailed: str | None) -> RowBatch:
    """The rows of documents held as core objects (set keys: their position; no codes).

    ``detailed`` is the layer whose spans come with their id and attributes.
    """
    batch = RowBatch([], [], [], [], {}, no_plain_spans())
    for number, document in enumerate(documents):
        batch.documents.append((number, document.id, document.text, document.meta))
        for aset in document.annotations:
            key = len(batch.sets)
            batch.sets.append((key, number, aset.annotator, aset.status))
            for s in aset.spans:
                if s.suggested:
                    continue
                shown = (s.id, s.attrs) if s.layer == detailed else (None, None)
                batch.spans.append(
                    (
                        key,
                        None,
                        s.start,
                        s.end,
                        s.layer,
                        s.label,
                        *shown,
                        s.fragments,
                        len(batch.spans),
                    )
                )
            extent = {s.id: (s.start, s.end) for s in aset.spans}
            batch.links.extend(
                (key, r.head, r.label, *extent.get(r.child, (-1, -1))) for r in aset.relations
            )
            if aset.doc_labels:
                batch.labels[key] = aset.doc_labels
    return batch
