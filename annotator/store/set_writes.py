"""Writing one annotation set inside a transaction: finding (and locking) it, and
writing the difference between two of its states with what became of suggestions.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from annotator.core.errors import AnnotationError
from annotator.core.model import AnnotationSet, Span
from annotator.store import schema as t
from annotator.store.own_rows import (
    delete_decisions,
    delete_links,
    delete_relations,
    delete_set_rows,
    delete_spans,
)
from annotator.store.rows import (
    _annotator_pk,
    _insert_if_absent,
    _label_rows,
    _span_row,
    now,
)


def _ensure_set(conn: Connection, document_pk: int, annotator: str) -> int:
    """The key of ``annotator``'s set on the document, created if need be, and locked
    (on a server) until the transaction ends: writers of one set queue here."""
    annotator_pk = _annotator_pk(conn, annotator)
    a = t.annotation_sets
    query = (
        select(a.c.pk)
        .where(a.c.document_pk == document_pk, a.c.annotator_pk == annotator_pk)
        .with_for_update()
    )
    pk = conn.execute(query).scalar()
    if pk is None:
        stamp = now()
        conn.execute(
            _insert_if_absent(conn, a).values(
                document_pk=document_pk,
                annotator_pk=annotator_pk,
                status="todo",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        pk = conn.execute(query).scalar_one()
    return int(pk)


def _write_diff(
    conn: Connection,
    set_pk: int,
    before: AnnotationSet,
    after: AnnotationSet,
    record_decisions: bool = True,
) -> None:
    """Write the difference between two states of one set, and bump its revision.

    Changed spans are updated in place, so a set keeps its order and its relations.
    """
    old_spans = {s.id: s for s in before.spans}
    new_spans = {s.id: s for s in after.spans}
    delete_relations(conn, set_pk, [rel for rel in before.relations if rel not in after.relations])
    delete_spans(conn, set_pk, [span_id for span_id in old_spans if span_id not in new_spans])
    for span in after.spans:
        old = old_spans.get(span.id)
        if old is None:
            conn.execute(t.spans.insert().values(_span_row(set_pk, span)))
        elif old != span:
            row = _span_row(set_pk, span)
            del row["set_pk"], row["span_id"]  # they identify the row (and are not updatable)
            conn.execute(
                t.spans.update()
                .where(t.spans.c.set_pk == set_pk, t.spans.c.span_id == span.id)
                .values(row)
            )
    added = [r for r in after.relations if r not in before.relations]
    if added:
        conn.execute(
            t.relations.insert(),
            [{"set_pk": set_pk, "head": r.head, "child": r.child, "label": r.label} for r in added],
        )
    if before.actor_links != after.actor_links:
        _write_link_diff(conn, set_pk, before.actor_links, after.actor_links)
    if record_decisions:
        _record_decisions(conn, set_pk, before, after)
    if before.doc_labels != after.doc_labels:
        delete_set_rows(conn, t.doc_labels, [set_pk])
        rows = _label_rows(set_pk, after.doc_labels)
        if rows:
            conn.execute(t.doc_labels.insert(), rows)
    conn.execute(
        t.annotation_sets.update()
        .where(t.annotation_sets.c.pk == set_pk)
        .values(
            status=after.status,
            guideline_version=after.guideline_version,
            updated_at=now(),
            revision=t.annotation_sets.c.revision + 1,
        )
    )


def _write_link_diff(
    conn: Connection, set_pk: int, before: dict[str, str], after: dict[str, str]
) -> None:
    """Write the changed actor links of one set (spans removed took theirs along)."""
    k = t.actor_links
    changed = [span_id for span_id, actor in before.items() if after.get(span_id) != actor]
    delete_links(conn, set_pk, changed)
    added: list[dict[str, object]] = [
        {"set_pk": set_pk, "span_id": span_id, "actor_id": actor}
        for span_id, actor in after.items()
        if before.get(span_id) != actor
    ]
    if added:
        wanted = {str(row["actor_id"]) for row in added}
        a = t.actors
        known = set(conn.execute(select(a.c.actor_id).where(a.c.actor_id.in_(wanted))).scalars())
        if wanted - known:
            raise AnnotationError(
                f"actor {sorted(wanted - known)[0]!r} is not in the corpus's actor registry; "
                "add it first"
            )
        conn.execute(k.insert(), added)


def _record_decisions(
    conn: Connection, set_pk: int, before: AnnotationSet, after: AnnotationSet
) -> None:
    """Record what became of model suggestions: accepted as is, accepted changed, or
    rejected; a suggestion that comes back (undo) forgets the decision."""
    old = {s.id: s for s in before.spans}
    new = {s.id: s for s in after.spans}
    decided: list[tuple[Span, str]] = []
    forgotten: list[str] = []
    for span_id, was in old.items():
        if not was.suggested:
            continue
        now_span = new.get(span_id)
        if now_span is None:
            decided.append((was, "rejected"))
        elif not now_span.suggested:
            same = (now_span.layer, now_span.start, now_span.end, now_span.label) == (
                was.layer,
                was.start,
                was.end,
                was.label,
            )
            decided.append((was, "accepted" if same else "changed"))
    for span_id, span in new.items():
        previous = old.get(span_id)
        if span.suggested and (previous is None or not previous.suggested):
            forgotten.append(span_id)
    ids = [s.id for s, _ in decided] + forgotten
    if not ids:
        return
    delete_decisions(conn, set_pk, ids)
    if decided:
        stamp = now()
        conn.execute(
            t.suggestion_decisions.insert(),
            [
                {
                    "set_pk": set_pk,
                    "span_id": span.id,
                    "origin": span.origin,
                    "decision": decision,
                    "decided_at": stamp,
                }
                for span, decision in decided
            ],
        )
