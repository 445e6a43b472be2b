"""Queries behind the corpus browser: document keys by filter, and pages of rows.

The browser keeps only the integer keys of the documents its filter selects (8 bytes a
document in an ``array``) and asks for the rows it paints, a page at a time, so it stays
fast at a million documents.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select

from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading

ANY = "any"


@dataclass(frozen=True, slots=True)
class BrowserRow:
    pk: int
    doc_id: str
    title: str
    status: str
    spans: int
    annotators: int


def _own_set(sets: Any, annotator: str) -> ColumnElement[bool]:
    """Join condition: ``sets`` is ``annotator``'s set on the document row."""
    return and_(
        sets.c.document_pk == t.documents.c.pk,
        sets.c.annotator_pk
        == select(t.annotators.c.pk).where(t.annotators.c.name == annotator).scalar_subquery(),
    )


def document_keys(
    corpus: Corpus, annotator: str, status: str = ANY, search: str = "", annotated_by: str = ANY
) -> array[int]:
    """Keys of the documents matching the filters, in corpus order.

    Args:
        annotator: whose status ``status`` filters on.
        status: todo, in_progress, done, skipped, or ``any``.
        search: text that the document id or text must contain (case-insensitive).
        annotated_by: only documents that this annotator has a set on, or ``any``.
    """
    a = t.annotation_sets
    query = select(t.documents.c.pk).select_from(t.documents).order_by(t.documents.c.pk)
    if status != ANY:
        mine = a.alias("mine")
        query = query.outerjoin(
            mine,
            _own_set(mine, annotator),
        ).where(func.coalesce(mine.c.status, literal("todo")) == status)
    if annotated_by != ANY:
        query = query.where(
            t.documents.c.pk.in_(
                select(a.c.document_pk)
                .join(t.annotators, t.annotators.c.pk == a.c.annotator_pk)
                .where(t.annotators.c.name == annotated_by)
            )
        )
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                t.documents.c.doc_id.ilike(pattern, escape="\\"),
                t.documents.c.text.ilike(pattern, escape="\\"),
            )
        )
    keys: array[int] = array("q")
    with reading(corpus.engine) as conn:
        result = conn.execute(query)
        while chunk := result.fetchmany(50_000):
            keys.extend(row[0] for row in chunk)
    return keys


def document_rows(corpus: Corpus, keys: Sequence[int], annotator: str) -> list[BrowserRow]:
    """The browser rows of ``keys`` (in that order), with ``annotator``'s status."""
    if not keys:
        return []
    a, s = t.annotation_sets, t.spans
    mine = a.alias("mine")
    span_count = (
        select(func.count()).where(s.c.set_pk == mine.c.pk).correlate(mine).scalar_subquery()
    )
    set_count = (
        select(func.count())
        .where(a.c.document_pk == t.documents.c.pk)
        .correlate(t.documents)
        .scalar_subquery()
    )
    query = (
        select(
            t.documents.c.pk,
            t.documents.c.doc_id,
            t.documents.c.meta,
            func.coalesce(mine.c.status, literal("todo")),
            func.coalesce(span_count, 0),
            set_count,
        )
        .select_from(t.documents)
        .outerjoin(
            mine,
            _own_set(mine, annotator),
        )
        .where(t.documents.c.pk.in_(list(keys)))
    )
    with reading(corpus.engine) as conn:
        found = {}
        for pk, doc_id, meta, status, spans, sets in conn.execute(query):
            title = json.loads(meta).get("title", "") if meta != "{}" else ""
            found[pk] = BrowserRow(pk, doc_id, str(title), status, spans, sets)
    return [found[k] for k in keys if k in found]


def progress(corpus: Corpus, annotator: str) -> tuple[int, int]:
    """``(done or skipped, total documents)`` for ``annotator``."""
    a, n = t.annotation_sets, t.annotators
    with reading(corpus.engine) as conn:
        total = conn.execute(select(func.count()).select_from(t.documents)).scalar_one()
        finished = conn.execute(
            select(func.count())
            .select_from(a)
            .join(n, n.c.pk == a.c.annotator_pk)
            .where(n.c.name == annotator, a.c.status.in_(["done", "skipped"]))
        ).scalar_one()
    return int(finished), int(total)


def key_of(corpus: Corpus, doc_id: str) -> int | None:
    """The key (row order) of document ``doc_id``, or None if there is none."""
    with reading(corpus.engine) as conn:
        key = conn.execute(select(t.documents.c.pk).where(t.documents.c.doc_id == doc_id)).scalar()
    return None if key is None else int(key)
