"""Reading annotation sets (with their spans, relations and answers) inside a
transaction, as core objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, inspect, select

from annotator.core.model import AnnotationSet, Relation, Span
from annotator.store import schema as t
from annotator.store.rows import _add_answer, _chunks, _driver_rows, _fragments_of_row


def _copy(aset: AnnotationSet) -> AnnotationSet:
    return AnnotationSet(
        aset.annotator,
        aset.status,
        list(aset.spans),
        list(aset.relations),
        {k: (list(v) if isinstance(v, list) else v) for k, v in aset.doc_labels.items()},
        aset.guideline_version,
        aset.created_at,
        aset.updated_at,
        dict(aset.actor_links),
    )


_PARSED: dict[str, dict[str, Any]] = {}


def _parsed(attrs: str) -> dict[str, Any]:
    """``json.loads(attrs)``, a new dict each time, remembered: spans repeat a few
    attribute values (a claim's stance) over and over, and copying is faster."""
    found = _PARSED.get(attrs)
    if found is None:
        found = cast(dict[str, Any], json.loads(attrs))
        if not all(type(value) is str for value in found.values()):
            return found  # a shallow copy would share nested values
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        _PARSED[attrs] = found
    return dict(found)


def has_actor_tables(conn: Connection) -> bool:
    """Whether the corpus has the actor registry (schema 8): a corpus of an older schema
    opened read-only (without migrating) has none, and reads as having no links.
    Remembered per database connection once found, since tables are never dropped."""
    if conn.info.get("actor_tables"):
        return True
    found = bool(inspect(conn).has_table("actor_links"))
    if found:
        conn.info["actor_tables"] = True
    return found


def _load_sets(
    conn: Connection, document_pks: Sequence[int], annotators: Sequence[str] | None
) -> dict[int, list[AnnotationSet]]:
    """Annotation sets of the given documents, keyed by document pk, in creation order."""
    if not document_pks:
        return {}
    a, s = t.annotation_sets, t.annotators
    query = (
        select(
            a.c.pk,
            a.c.document_pk,
            s.c.name,
            a.c.status,
            a.c.guideline_version,
            a.c.created_at,
            a.c.updated_at,
        )
        .join(s, s.c.pk == a.c.annotator_pk)
        .where(a.c.document_pk.in_(document_pks))
        .order_by(a.c.pk)
    )
    if annotators is not None:
        query = query.where(s.c.name.in_(list(annotators)))
    by_pk: dict[int, AnnotationSet] = {}
    result: dict[int, list[AnnotationSet]] = {}
    for row in conn.execute(query):
        aset = AnnotationSet(
            row.name,
            row.status,
            guideline_version=row.guideline_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        by_pk[row.pk] = aset
        result.setdefault(row.document_pk, []).append(aset)
    if not by_pk:
        return result
    set_pks = list(by_pk)
    links = has_actor_tables(conn)
    for chunk in _chunks(set_pks, 500):
        s = t.spans
        columns = (
            s.c.set_pk, s.c.span_id, s.c.layer, s.c.start_offset, s.c.end_offset,
            s.c.label, s.c.attrs, s.c.origin, s.c.state, s.c.fragments,
        )  # fmt: skip
        rows = _driver_rows(conn, select(*columns).where(s.c.set_pk.in_(chunk)).order_by(s.c.pk))
        # The hot loop of every read: plain tuples, and no JSON parsing for empty attrs.
        for set_pk, span_id, layer, start, end, label, attrs, origin, state, pieces in rows:
            by_pk[set_pk].spans.append(
                Span(
                    span_id,
                    layer,
                    start,
                    end,
                    label,
                    {} if attrs == "{}" else _parsed(attrs),
                    origin,
                    state,
                    None if pieces is None else _fragments_of_row(pieces),
                )
            )
        r, q = t.relations.c, t.doc_labels.c
        relations = select(r.set_pk, r.head, r.child, r.label).where(r.set_pk.in_(chunk))
        for set_pk, head, child, label in _driver_rows(conn, relations.order_by(r.pk)):
            by_pk[set_pk].relations.append(Relation(head, child, label))
        answers = select(q.set_pk, q.question, q.value, q.multi).where(q.set_pk.in_(chunk))
        for set_pk, question, value, multi in _driver_rows(conn, answers.order_by(q.pk)):
            _add_answer(by_pk[set_pk].doc_labels, question, value, multi)
        if links:
            k, sp = t.actor_links, t.spans
            query = (  # in the order of their spans, however the links were written
                select(k.c.set_pk, k.c.span_id, k.c.actor_id)
                .join(sp, (sp.c.set_pk == k.c.set_pk) & (sp.c.span_id == k.c.span_id))
                .where(k.c.set_pk.in_(chunk))
            )
            for link in conn.execute(query.order_by(sp.c.pk)):
                by_pk[link.set_pk].actor_links[link.span_id] = link.actor_id
    return result
