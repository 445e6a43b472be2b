"""Reading the whole corpus as plain rows (:mod:`annotator.core.rows`), a batch of
documents at a time, in one read transaction: what agreement reads.

Each batch costs one query per table over a range of document keys, whose rows come back
as they are: no object per span, and memory bounded by the batch, whatever the size of
the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, case, null, select

from annotator.core.model import DocLabels
from annotator.core.rows import RowBatch
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading
from annotator.store.rows import _add_answer, _driver_rows

#: Documents per batch: a few MB of rows, and few enough queries.
BATCH = 1000

_FIRST = itemgetter(0)


def row_batches(
    corpus: Corpus,
    codes: Mapping[tuple[str, str], int],
    detailed: str | None,
    batch: int = BATCH,
) -> Iterator[RowBatch]:
    """Every document of the corpus with its annotation sets, in corpus order, as
    batches of at most ``batch`` documents, all read in one transaction (a consistent
    snapshot of the corpus, however long the caller takes over each batch).

    Args:
        codes: the caller's code of each (layer, label) it knows; read again for each
            batch, so codes added meanwhile apply to the next one.
        detailed: the layer whose spans come with their id and attributes.
    """
    with reading(corpus.engine) as conn:
        last = 0
        while True:
            d = t.documents
            query = select(d.c.pk, d.c.doc_id, d.c.text, d.c.meta).where(d.c.pk > last)
            documents = conn.execute(query.order_by(d.c.pk).limit(batch)).all()
            if not documents:
                return
            first, last = documents[0][0], documents[-1][0]
            yield _batch(conn, documents, (first, last), codes, detailed)


def _batch(
    conn: Connection,
    documents: Sequence[Any],
    keys: tuple[int, int],
    codes: Mapping[tuple[str, str], int],
    detailed: str | None,
) -> RowBatch:
    """The rows of the documents whose keys are in the range ``keys``."""
    a, s, r, q = t.annotation_sets, t.spans, t.relations, t.doc_labels
    in_range = a.c.document_pk.between(*keys)
    sets = _driver_rows(
        conn,
        select(a.c.pk, a.c.document_pk, t.annotators.c.name, a.c.status)
        .join(t.annotators, t.annotators.c.pk == a.c.annotator_pk)
        .where(in_range)
        .order_by(a.c.document_pk, a.c.pk),
    )
    code = _code(codes)
    known = code.is_not(None)
    is_detailed = s.c.layer == (detailed or "")
    spans = _driver_rows(
        conn,
        select(
            s.c.set_pk,
            code,
            s.c.start_offset,
            s.c.end_offset,
            case((known, None), else_=s.c.layer),
            case((known, None), else_=s.c.label),
            case((is_detailed, s.c.span_id), else_=None),
            case((is_detailed, s.c.attrs), else_=None),
            s.c.fragments,
        )
        .join(a, a.c.pk == s.c.set_pk)
        .where(in_range, s.c.state != "suggested")
        .order_by(a.c.document_pk, s.c.set_pk, s.c.pk),
    )
    child = t.spans.alias("child")
    links = _driver_rows(
        conn,
        select(r.c.set_pk, r.c.head, r.c.label, child.c.start_offset, child.c.end_offset)
        .join(a, a.c.pk == r.c.set_pk)
        .outerjoin(child, (child.c.set_pk == r.c.set_pk) & (child.c.span_id == r.c.child))
        .where(in_range)
        .order_by(a.c.document_pk, r.c.set_pk, r.c.pk),
    )
    answers = _driver_rows(
        conn,
        select(q.c.set_pk, q.c.question, q.c.value, q.c.multi)
        .join(a, a.c.pk == q.c.set_pk)
        .where(in_range)
        .order_by(q.c.set_pk, q.c.pk),
    )
    labels = {key: _doc_labels(group) for key, group in groupby(answers, _FIRST)}
    rows = [
        (pk, doc_id, text, {} if meta == "{}" else json.loads(meta))
        for pk, doc_id, text, meta in documents
    ]
    return RowBatch(rows, sets, spans, links, labels)


def _code(codes: Mapping[tuple[str, str], int]) -> Any:
    """The SQL of a span's code (NULL for a layer and label ``codes`` lacks)."""
    by_layer: dict[str, dict[str, int]] = {}
    for (layer, label), number in codes.items():
        by_layer.setdefault(layer, {})[label] = number
    if not by_layer:
        return null()
    s = t.spans.c
    return case(
        *(
            (s.layer == layer, case(labels, value=s.label, else_=None))
            for layer, labels in by_layer.items()
        ),
        else_=None,
    )


def _doc_labels(rows: Iterable[Any]) -> DocLabels:
    """The answers of one set from its ``doc_labels`` rows (as the object reader does)."""
    labels: DocLabels = {}
    for _set_pk, question, value, multi in rows:
        _add_answer(labels, question, value, multi)
    return labels
