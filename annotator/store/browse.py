"""Queries behind the corpus browser: document keys by filter, and pages of rows.

The browser keeps only the integer keys of the documents its filter selects (a ``range``
when nothing is filtered out, else 8 bytes a document in an ``array``) and asks for the
rows it paints, a page at a time, so it stays fast at a million documents.
"""

from __future__ import annotations

import bisect
import json
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, literal, or_, select

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


def _sets_with_status(annotator: str, status: str, negate: bool = False) -> Select[Any]:
    """Documents on which ``annotator``'s set has ``status`` (or another one), in key
    order, found through the (annotator, status) index rather than by a scan."""
    a = t.annotation_sets
    mine = a.c.annotator_pk == (
        select(t.annotators.c.pk).where(t.annotators.c.name == annotator).scalar_subquery()
    )
    same = a.c.status != status if negate else a.c.status == status
    return select(a.c.document_pk).where(mine, same).order_by(a.c.document_pk)


def document_keys(
    corpus: Corpus, annotator: str, status: str = ANY, search: str = "", annotated_by: str = ANY
) -> Sequence[int]:
    """Keys of the documents matching the filters, in corpus order.

    Documents get consecutive keys, so without a filter the keys are a ``range`` (found
    in milliseconds, whatever the corpus size); otherwise an ``array`` of 8 bytes a key.
    A document without a set of ``annotator`` counts as ``todo``.

    Args:
        annotator: whose status ``status`` filters on.
        status: todo, in_progress, done, skipped, or ``any``.
        search: text that the document id or text must contain (case-insensitive).
        annotated_by: only documents that this annotator has a set on, or ``any``.
    """
    with reading(corpus.engine) as conn:
        if not search and annotated_by == ANY:
            if status == ANY:
                return _all_keys(conn)
            if status == "todo":
                others = _fetch_keys(conn, _sets_with_status(annotator, "todo", negate=True))
                return _without(_all_keys(conn), others)
            return _fetch_keys(conn, _sets_with_status(annotator, status))
        return _fetch_keys(conn, _filtered(conn, annotator, status, search, annotated_by))


def _filtered(
    conn: Connection, annotator: str, status: str, search: str, annotated_by: str
) -> Select[Any]:
    a = t.annotation_sets
    query = select(t.documents.c.pk).order_by(t.documents.c.pk)
    if status == "todo":
        others = _sets_with_status(annotator, "todo", negate=True).order_by(None)
        query = query.where(t.documents.c.pk.not_in(others))
    elif status != ANY:
        query = query.where(
            t.documents.c.pk.in_(_sets_with_status(annotator, status).order_by(None))
        )
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
        # SQLite's LIKE ignores ASCII case already (as its lower() does, and no more);
        # ilike would wrap both sides in lower() and double the time of a full scan.
        like = "like" if conn.dialect.name == "sqlite" else "ilike"
        query = query.where(
            or_(
                getattr(t.documents.c.doc_id, like)(pattern, escape="\\"),
                getattr(t.documents.c.text, like)(pattern, escape="\\"),
            )
        )
    return query


def _all_keys(conn: Connection) -> Sequence[int]:
    d = t.documents.c
    count = conn.execute(select(func.count()).select_from(t.documents)).scalar_one()
    if not count:
        return range(0)
    # Two queries: SQLite finds a lone min() or max() in the index, but scans for both.
    low = conn.execute(select(func.min(d.pk))).scalar_one()
    high = conn.execute(select(func.max(d.pk))).scalar_one()
    if high - low + 1 == count:  # no gaps: the keys are exactly low..high
        return range(low, high + 1)
    return _fetch_keys(conn, select(d.pk).order_by(d.pk))


def _fetch_keys(conn: Connection, query: Select[Any]) -> array[int]:
    return array("q", conn.execute(query).scalars())


def _without(keys: Sequence[int], excluded: Sequence[int]) -> array[int]:
    """``keys`` less ``excluded`` (both ascending), copied a stretch at a time."""
    kept: array[int] = array("q")
    start = 0
    first = keys.start if isinstance(keys, range) and keys.step == 1 else None
    for key in excluded:
        # The place of a key in a range is arithmetic; bisecting one makes an int a probe.
        at = key - first if first is not None else bisect.bisect_left(keys, key, start)
        if start <= at < len(keys) and keys[at] == key:
            kept.extend(keys[start:at])
            start = at + 1
    kept.extend(keys[start:])
    return kept


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
