"""Reading the whole corpus as plain rows (:mod:`annotator.core.rows`), a batch of
documents at a time, in one read transaction: what agreement reads.

Each batch costs one query per table over a range of document keys, whose rows come back
as they are: no object per span, and memory bounded by the batch, whatever the size of
the corpus.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from queue import Empty, Full, Queue
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, case, func, null, or_, select

from annotator.core.model import DocLabels
from annotator.core.rows import PlainSpans, RowBatch, no_plain_spans
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading
from annotator.store.rows import _add_answer, _driver_rows

#: Documents per batch: a few MB of rows, and few enough queries.
BATCH = 1000

_FIRST = itemgetter(0)
T = TypeVar("T")


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
        codes: the caller's code of each (layer, label) it knows; copied for each batch
            (in one step, which another thread adding codes cannot interleave), so codes
            added meanwhile apply to a later batch. A span whose code is missing comes
            with its layer and label.
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
            yield _batch(conn, documents, (first, last), dict(codes), detailed)


def read_ahead(batches: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The items of ``batches()``, the next one read by a thread while the caller works
    on this one: the database engine reads without Python's lock, so reading a corpus
    and computing over it take two cores rather than one after the other.

    The iterator runs wholly in its thread (its read transaction opens and closes there);
    an error in it is raised to the caller at the item it failed on, and a caller that
    stops early stops it.
    """
    items: Queue[tuple[bool, Any]] = Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        try:
            source = batches()
            try:
                for item in source:
                    if not offer((True, item)):
                        return
            finally:
                close = getattr(source, "close", None)
                if close is not None:  # a generator's transaction ends in this thread
                    close()
            offer((False, None))
        except BaseException as error:  # raised again in the caller's thread
            offer((False, error))

    thread = threading.Thread(target=work, name="annotator-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                more, item = items.get(timeout=0.5)
            except Empty:
                if not thread.is_alive():
                    return
                continue
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


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
    accepted = (in_range, s.c.state != "suggested")
    plain = _plain_spans(
        conn,
        select(s.c.set_pk, code, s.c.start_offset, s.c.end_offset, s.c.pk)
        .join(a, a.c.pk == s.c.set_pk)
        .where(*accepted, known, ~is_detailed, s.c.fragments.is_(None)),
    )
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
            s.c.pk,
        )
        .join(a, a.c.pk == s.c.set_pk)
        .where(*accepted, or_(~known, is_detailed, s.c.fragments.is_not(None)))
        .order_by(a.c.document_pk, s.c.set_pk, s.c.pk),
    )
    child = t.spans.alias("child")
    links = _links(
        conn,
        select(
            r.c.set_pk,
            r.c.head,
            r.c.label,
            func.coalesce(child.c.start_offset, -1),
            func.coalesce(child.c.end_offset, -1),
            r.c.pk,
        )
        .join(a, a.c.pk == r.c.set_pk)
        .outerjoin(child, (child.c.set_pk == r.c.set_pk) & (child.c.span_id == r.c.child))
        .where(in_range),
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
    return RowBatch(rows, sets, spans, links, labels, plain)


def _plain_spans(conn: Connection, query: Any) -> PlainSpans:
    """The rows of ``query`` (five integer columns) as five arrays. On SQLite each column
    comes back as one comma-separated text, joined by the engine and split by NumPy:
    building a tuple per row was most of the time of reading a corpus. (All of one
    query's aggregates see its rows in the same order.)"""
    if conn.dialect.name == "sqlite":
        inner = query.subquery()
        joined = select(*(func.group_concat(column) for column in inner.c))
        texts = conn.execute(joined).one()
        if texts[0] is None:
            return no_plain_spans()
        return PlainSpans(*(np.fromstring(text, dtype=np.int64, sep=",") for text in texts))
    rows = _driver_rows(conn, query)
    table = np.array(rows, dtype=np.int64).reshape(-1, 5).T
    return PlainSpans(*table)


def _links(conn: Connection, query: Any) -> list[Any]:
    """The relations of ``query`` (set key, head, label, child start, child end, key) as
    :data:`~annotator.core.rows.LinkRow` rows, by set then key. On SQLite, read as the
    plain spans are (see :func:`_plain_spans`), the texts joined by a control
    character; should a head or label hold one, they are read row by row."""
    if conn.dialect.name == "sqlite":
        inner = query.subquery()
        numbers = [inner.c[index] for index in (0, 3, 4, 5)]
        texts = [inner.c[index] for index in (1, 2)]
        joined = select(
            *(func.group_concat(column) for column in numbers),
            *(func.group_concat(column, _SEPARATOR) for column in texts),
            func.count(),
        )
        *columns, heads, labels, count = conn.execute(joined).one()
        if not count:
            return []
        heads, labels = heads.split(_SEPARATOR), labels.split(_SEPARATOR)
        if len(heads) == len(labels) == count:
            sets, starts, ends, keys = (
                np.fromstring(text, dtype=np.int64, sep=",") for text in columns
            )
            order = np.lexsort((keys, sets))
            heads, labels = (
                list(map(heads.__getitem__, order)),
                list(map(labels.__getitem__, order)),
            )
            return list(
                zip(
                    sets[order].tolist(),
                    heads,
                    labels,
                    starts[order].tolist(),
                    ends[order].tolist(),
                    strict=True,
                )
            )
    ordered = query.order_by(query.selected_columns[0], query.selected_columns[5])
    return [row[:5] for row in _driver_rows(conn, ordered)]


#: Joins the texts of a column read whole (see :func:`_links`).
_SEPARATOR = "\x1f"


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
