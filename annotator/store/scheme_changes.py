"""Changing the scheme of a corpus that already holds annotations.

:func:`impact` counts what a proposed change would rename and remove, for the
confirmation a user sees; :func:`apply_scheme_change` applies it to every annotation set
and writes the new scheme in one write transaction, and returns the change that undoes
it exactly (same span ids, same order, same attributes and answers).

Only the documents holding annotations of a changed layer, relation type or question
are read: recolouring a label or adding one touches no annotation set.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, case, func, or_, select, union

from annotator.core.errors import CorpusError, SchemeError
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.core.scheme import Scheme
from annotator.core.scheme_change import (
    Impact,
    Rename,
    SchemeChange,
    SchemeMap,
    SetRestore,
    migrate_set,
    restore_set,
)
from annotator.core.validation import problems
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading, writing
from annotator.store.rows import (
    _chunks,
    _driver_rows,
    _fragments_of_row,
    _insert_rows,
    _label_rows,
    _put_setting,
    _span_row,
    now,
)
from annotator.store.set_reads import _load_sets, _parsed

#: Documents read at a time while migrating.
BATCH = 200
#: Problems listed by :func:`impact` before it stops collecting them.
MAX_PROBLEMS = 20

Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``, as in :mod:`annotator.services.progress`; raising
from it (e.g. ``Cancelled``) stops the work and leaves the corpus unchanged."""


def _no_progress(done: int, total: int, what: str) -> None:
    return None


def impact(
    corpus: Corpus,
    new_scheme: Scheme,
    renames: Sequence[Rename] = (),
    progress: Progress = _no_progress,
) -> Impact:
    """What changing the scheme to ``new_scheme`` with ``renames`` would do; nothing is written.

    Raises:
        SchemeError: the new scheme or a rename is invalid.
    """
    new_scheme = _checked(new_scheme)
    found = Impact()
    with reading(corpus.engine) as conn:
        smap = SchemeMap(_stored_scheme(conn, corpus.shown), new_scheme, renames)
        for steps in _migrations(conn, smap, {}, found, False, progress):
            for step in steps:
                if step.problem and len(found.problems) < MAX_PROBLEMS:
                    found.problems.append(step.problem)
    return found


def apply_scheme_change(
    corpus: Corpus, change: SchemeChange, progress: Progress = _no_progress
) -> SchemeChange:
    """Apply ``change`` to every annotation set and store its scheme, in one transaction.

    Returns:
        The change that undoes this one: the previous scheme, the inverse renames and
        what was removed, to be restored where it was. (What ``change`` restores into a
        document no longer in the corpus is skipped.)

    Raises:
        SchemeError: the new scheme or a rename is invalid, or the annotations cannot
            follow (overlapping spans in a layer made non-overlapping); nothing is written.
    """
    new_scheme = _checked(change.scheme)
    restores = {(r.doc_id, r.annotator): r for r in change.restores}

    def work(conn: Connection) -> SchemeChange:
        smap = SchemeMap(_stored_scheme(conn, corpus.shown), new_scheme, change.renames)
        sets = _sets_to_restore(conn, change.restores) if _set_wise(conn, smap) else None
        if sets is not None:
            progress(0, 1, "documents")
            taken = _remove_in_place(conn, smap)
            _rename_in_place(conn, smap)
            _restore_in_place(conn, change.restores, sets)
            progress(1, 1, "documents")
            _put_setting(conn, "scheme", new_scheme.to_dict())
            return SchemeChange(smap.old, smap.inverse_renames(), tuple(taken))
        removed: list[SetRestore] = []
        for steps in _migrations(conn, smap, restores, Impact(), True, progress):
            for step in steps:
                if step.problem:
                    raise SchemeError(
                        f"{corpus.shown}: the annotations cannot follow this scheme change: "
                        f"{step.problem}. Change those annotations first, or keep the layer "
                        "allowing overlaps."
                    )
                if step.removed is not None:
                    removed.append(step.removed)
            _write_sets(conn, [step for step in steps if step.changed])
        _put_setting(conn, "scheme", new_scheme.to_dict())
        return SchemeChange(smap.old, smap.inverse_renames(), tuple(removed))

    inverse = writing(corpus.engine, work)
    corpus.reload()
    return inverse


def _set_wise(conn: Connection, smap: SchemeMap) -> bool:
    """Whether the change only renames or removes labels of span layers (and adds what it
    likes), leaving every other annotation valid: then it is done set-wise, in a few
    statements over every set (:func:`_remove_in_place`, :func:`_rename_in_place`).

    Relation types, questions, attributes and overlap rules must be untouched, every
    touched layer must stay (under its name or another), and the stored spans of those
    layers must hold no label or attribute that the migration would remove otherwise.
    Removing a span removes its relations and actor links, which leaves a set valid.
    """
    if smap.forbids_overlaps() or smap.touched_relations() or smap.touched_questions():
        return False
    touched = smap.touched_layers()
    for name in touched:
        old = smap.old.layer(name)
        if old is None or smap.layer(name) is None:
            return False
        for attribute in old.attributes:
            if smap.attribute(name, attribute.name) != attribute.name or any(
                smap.attribute_value(name, attribute.name, v) != v for v in attribute.values
            ):
                return False
    s = t.spans.c
    for name in touched:
        old = smap.old.layer(name)
        assert old is not None
        labels = [label.name for label in old.labels]
        stray = select(s.pk).where(s.layer == name, s.label.not_in(labels)).limit(1)
        if conn.execute(stray).first() is not None:
            return False  # a label the scheme lacks: the migration removes it
        attributes = {a.name: set(a.values) for a in old.attributes}
        for (text,) in conn.execute(select(s.attrs).where(s.layer == name).distinct()):
            given = json.loads(text)
            if not all(
                key in attributes and value in attributes[key] for key, value in given.items()
            ):
                return False
    return True


def _removed_labels(smap: SchemeMap) -> dict[str, list[str]]:
    """Old layer -> its labels that the new scheme drops."""
    removed: dict[str, list[str]] = {}
    for name in smap.touched_layers():
        old = smap.old.layer(name)
        assert old is not None
        gone = [label.name for label in old.labels if smap.label(name, label.name) is None]
        if gone:
            removed[name] = gone
    return removed


def _remove_in_place(conn: Connection, smap: SchemeMap) -> list[SetRestore]:
    """Delete the spans of dropped labels, with their relations and actor links, a few
    hundred sets per statement, and give what the undo must put back: each span and
    relation with its index in its set (the order of the row keys, as sets are read) and
    its row key."""
    removed = _removed_labels(smap)
    if not removed:
        return []
    s = t.spans

    def gone(table: Any) -> Any:
        return or_(*((table.c.layer == n) & table.c.label.in_(ls) for n, ls in removed.items()))

    affected = [row[0] for row in _driver_rows(conn, select(s.c.set_pk).where(gone(s)).distinct())]
    restores: list[SetRestore] = []
    enabled = gc.isenabled()
    gc.disable()  # a hundred thousand spans kept for the undo, none in a cycle
    try:
        for chunk in _chunks(sorted(affected), 500):
            restores += _remove_from(conn, chunk, gone)
    finally:
        if enabled:
            gc.enable()
    return restores


def _remove_from(
    conn: Connection, set_pks: Sequence[int], gone: Callable[[Any], Any]
) -> list[SetRestore]:
    s, r, k, a = t.spans, t.relations, t.actor_links, t.annotation_sets
    owners = {
        pk: (doc_id, name)
        for pk, doc_id, name in _driver_rows(
            conn,
            select(a.c.pk, t.documents.c.doc_id, t.annotators.c.name)
            .join(t.documents, t.documents.c.pk == a.c.document_pk)
            .join(t.annotators, t.annotators.c.pk == a.c.annotator_pk)
            .where(a.c.pk.in_(set_pks)),
        )
    }
    columns = (
        s.c.pk, s.c.set_pk, s.c.span_id, s.c.layer, s.c.start_offset, s.c.end_offset,
        s.c.label, s.c.attrs, s.c.origin, s.c.state, s.c.fragments,
    )  # fmt: skip
    # Each span's index in its set, from a narrow window over the row keys only.
    index = func.row_number().over(partition_by=s.c.set_pk, order_by=s.c.pk) - 1
    ranked = select(s.c.pk, index.label("idx")).where(s.c.set_pk.in_(set_pks)).subquery()
    query = (
        select(*columns, ranked.c.idx)
        .join(ranked, ranked.c.pk == s.c.pk)
        .where(s.c.set_pk.in_(set_pks), gone(s))
        .order_by(s.c.pk)
    )
    spans: dict[int, list[tuple[int, int, Span]]] = {}
    ids: dict[int, set[str]] = {}
    rows = _driver_rows(conn, query)
    for pk, set_pk, span_id, layer, start, end, label, attrs, origin, state, pieces, idx in rows:
        span = Span(
            span_id, layer, start, end, label, {} if attrs == "{}" else _parsed(attrs),
            origin, state, None if pieces is None else _fragments_of_row(pieces),
        )  # fmt: skip
        spans.setdefault(set_pk, []).append((idx, pk, span))
        ids.setdefault(set_pk, set()).add(span_id)
    relations: dict[int, list[tuple[int, int, Relation]]] = {}

    # The relations on removed spans, then the index of each in its set (a window over
    # the row keys of those sets only: most removals take no relation).
    def removed_end(column: Any) -> Any:  # one lookup in (set_pk, span_id)'s index each
        ends = s.alias()
        where = (ends.c.set_pk == r.c.set_pk, ends.c.span_id == column, gone(ends))
        return select(ends.c.pk).where(*where).exists()

    on_removed = or_(removed_end(r.c.head), removed_end(r.c.child))
    relation_rows: Select[Any] = (
        select(r.c.pk, r.c.set_pk, r.c.head, r.c.child, r.c.label)
        .where(r.c.set_pk.in_(set_pks), on_removed)
        .order_by(r.c.pk)
    )
    found_relations = _driver_rows(conn, relation_rows)
    if found_relations:
        with_relations = sorted({row[1] for row in found_relations})
        r_index = func.row_number().over(partition_by=r.c.set_pk, order_by=r.c.pk) - 1
        ranked_rows: Select[Any] = select(r.c.pk, r_index).where(r.c.set_pk.in_(with_relations))
        indexes = dict(_driver_rows(conn, ranked_rows))
        for pk, set_pk, head, child, label in found_relations:
            relation = Relation(head, child, label)
            relations.setdefault(set_pk, []).append((indexes[pk], pk, relation))
    links: dict[int, list[tuple[str, str]]] = {}
    link_pks: list[int] = []
    link_rows: Select[Any] = select(k.c.pk, k.c.set_pk, k.c.span_id, k.c.actor_id)
    link_rows = link_rows.where(k.c.set_pk.in_(set_pks)).order_by(k.c.pk)
    for pk, set_pk, span_id, actor_id in _driver_rows(conn, link_rows):
        if span_id in ids.get(set_pk, ()):
            links.setdefault(set_pk, []).append((span_id, actor_id))
            link_pks.append(pk)
    bump = a.update().where(a.c.pk.in_(set_pks))
    conn.execute(bump.values(updated_at=now(), revision=a.c.revision + 1))
    relation_pks = [pk for found in relations.values() for _, pk, _ in found]
    if relation_pks:
        conn.execute(r.delete().where(r.c.pk.in_(relation_pks)))
    if link_pks:
        conn.execute(k.delete().where(k.c.pk.in_(link_pks)))
    conn.execute(s.delete().where(s.c.set_pk.in_(set_pks), gone(s)))
    restores = []
    for set_pk, found in spans.items():
        doc_id, annotator = owners[set_pk]
        taken = relations.get(set_pk, [])
        restores.append(
            SetRestore(
                doc_id,
                annotator,
                tuple((idx, span) for idx, _, span in found),
                tuple((idx, relation) for idx, _, relation in taken),
                (),
                tuple(links.get(set_pk, [])),
                tuple(pk for _, pk, _ in found),
                tuple(pk for _, pk, _ in taken),
            )
        )
    return restores


def _sets_to_restore(
    conn: Connection, restores: Sequence[SetRestore]
) -> dict[tuple[str, str], int] | None:
    """The set key of each of ``restores`` (an undo's) by ``(doc_id, annotator)`` when
    they can be written back set-wise, else None (the undo goes set by set): each must
    carry the row keys of what it restores and no answer, and none of those keys, nor
    of the span ids in their sets, may have been taken since."""
    if not restores:
        return {}
    if any(
        r.doc_labels or len(r.span_keys) != len(r.spans) or len(r.relation_keys) != len(r.relations)
        for r in restores
    ):
        return None
    sets = _restore_sets(conn, restores)
    if len(sets) != len(restores):
        return None  # a document or a set is gone
    for table, keys in (
        (t.spans, [pk for r in restores for pk in r.span_keys]),
        (t.relations, [pk for r in restores for pk in r.relation_keys]),
    ):
        for chunk in _chunks(keys, 500):
            if conn.execute(select(table.c.pk).where(table.c.pk.in_(chunk)).limit(1)).first():
                return None
    s = t.spans.c
    for chunk in _chunks(list(restores), 200):  # a span id given to a new span since
        wanted = {(sets[(r.doc_id, r.annotator)], span.id) for r in chunk for _, span in r.spans}
        query: Select[Any] = select(s.set_pk, s.span_id).where(
            s.set_pk.in_(sorted({pk for pk, _ in wanted})),
            s.span_id.in_(sorted({span_id for _, span_id in wanted})),
        )
        if any(tuple(row) in wanted for row in _driver_rows(conn, query)):
            return None
    return sets


def _restore_sets(conn: Connection, restores: Sequence[SetRestore]) -> dict[tuple[str, str], int]:
    a = t.annotation_sets
    doc_ids = sorted({r.doc_id for r in restores})
    found: dict[tuple[str, str], int] = {}
    for chunk in _chunks(doc_ids, 500):
        rows = conn.execute(
            select(a.c.pk, t.documents.c.doc_id, t.annotators.c.name)
            .join(t.documents, t.documents.c.pk == a.c.document_pk)
            .join(t.annotators, t.annotators.c.pk == a.c.annotator_pk)
            .where(t.documents.c.doc_id.in_(chunk))
        )
        found.update({(row.doc_id, row.name): row.pk for row in rows})
    return {
        (r.doc_id, r.annotator): found[(r.doc_id, r.annotator)]
        for r in restores
        if (r.doc_id, r.annotator) in found
    }


def _restore_in_place(
    conn: Connection, restores: Sequence[SetRestore], sets: dict[tuple[str, str], int]
) -> None:
    """Write back what :func:`_remove_in_place` removed, under the same row keys, so each
    set reads in its former order (``sets``: from :func:`_sets_to_restore`)."""
    if not restores:
        return
    spans, relations, links = [], [], []
    for restore in restores:
        set_pk = sets[(restore.doc_id, restore.annotator)]
        for pk, (_, span) in zip(restore.span_keys, restore.spans, strict=True):
            spans.append({**_span_row(set_pk, span), "pk": pk})
        for pk, (_, rel) in zip(restore.relation_keys, restore.relations, strict=True):
            relations.append(
                {
                    "pk": pk,
                    "set_pk": set_pk,
                    "head": rel.head,
                    "child": rel.child,
                    "label": rel.label,
                }
            )
        links += [
            {"set_pk": set_pk, "span_id": span_id, "actor_id": actor}
            for span_id, actor in restore.actor_links
        ]
    for table, rows in ((t.spans, spans), (t.relations, relations), (t.actor_links, links)):
        if rows:
            _insert_rows(conn, table, rows)
    a = t.annotation_sets
    for chunk in _chunks(sorted(set(sets.values())), 500):
        conn.execute(
            a.update().where(a.c.pk.in_(chunk)).values(updated_at=now(), revision=a.c.revision + 1)
        )


def _rename_in_place(conn: Connection, smap: SchemeMap) -> None:
    """Rename the spans' layers and labels with one UPDATE, every set at once, after
    bumping the revision of the sets that change (as the migration of each set would)."""
    s = t.spans.c
    moves: dict[tuple[str, str], tuple[str, str]] = {}
    for name in smap.touched_layers():
        old = smap.old.layer(name)
        new_layer = smap.layer(name)
        assert old is not None and new_layer is not None
        for label in old.labels:
            new_label = smap.label(name, label.name)
            if new_label is None:
                continue  # removed: _remove_in_place took its spans
            if (new_layer, new_label) != (name, label.name):
                moves[(name, label.name)] = (new_layer, new_label)
    if not moves:
        return
    moving = or_(*((s.layer == layer) & (s.label == label) for layer, label in moves))
    conn.execute(
        t.annotation_sets.update()
        .where(t.annotation_sets.c.pk.in_(select(s.set_pk).where(moving)))
        .values(updated_at=now(), revision=t.annotation_sets.c.revision + 1)
    )
    whens = [((s.layer == old[0]) & (s.label == old[1]), new) for old, new in moves.items()]
    conn.execute(
        t.spans.update()
        .where(moving)
        .values(
            layer=case(*((when, new[0]) for when, new in whens), else_=s.layer),
            label=case(*((when, new[1]) for when, new in whens), else_=s.label),
        )
    )


def _checked(scheme: Scheme) -> Scheme:
    """The scheme after every check of the scheme file (names, keys, colours, references)."""
    return Scheme.from_dict(scheme.to_dict(), source="the new scheme")


def _stored_scheme(conn: Connection, location: str) -> Scheme:
    raw = conn.execute(select(t.settings.c.value).where(t.settings.c.key == "scheme")).scalar()
    if raw is None:
        raise CorpusError(f"{location}: the corpus has no scheme (damaged?)")
    return Scheme.from_dict(json.loads(raw), source=f"{location} (stored scheme)")


@dataclass(frozen=True, slots=True)
class _Step:
    """One annotation set under the new scheme."""

    set_pk: int
    before: AnnotationSet
    after: AnnotationSet
    changed: bool
    removed: SetRestore | None
    problem: str | None


def _migrations(
    conn: Connection,
    smap: SchemeMap,
    restores: dict[tuple[str, str], SetRestore],
    found: Impact,
    check_changed: bool,
    progress: Progress,
) -> Iterator[list[_Step]]:
    """Every annotation set that may change, migrated (and restored where asked), by batch.

    Sets are checked against the new scheme when a layer stops allowing overlaps (the
    one thing a migration cannot settle by removing annotations), and changed ones also
    when ``check_changed``: the store never writes an invalid set.
    """
    check_all = smap.forbids_overlaps()
    doc_pks = _documents_to_migrate(conn, smap, {doc_id for doc_id, _ in restores})
    for done, chunk in enumerate(_chunks(doc_pks, BATCH)):
        progress(done * BATCH, len(doc_pks), "documents")
        docs = conn.execute(
            select(t.documents.c.pk, t.documents.c.doc_id, func.length(t.documents.c.text)).where(
                t.documents.c.pk.in_(chunk)
            )
        ).all()
        set_pks = _set_pks(conn, chunk)
        sets = _load_sets(conn, chunk, None)
        steps = []
        for doc_pk, doc_id, size in sorted(docs):
            for before in sets.get(doc_pk, []):
                after, removed = migrate_set(doc_id, before, smap, found)
                restore = restores.get((doc_id, before.annotator))
                if restore is not None:
                    after = restore_set(after, restore)
                changed = (after.spans, after.relations, after.doc_labels) != (
                    before.spans,
                    before.relations,
                    before.doc_labels,
                )
                problem = None
                if check_all or (changed and check_changed):
                    problem = next(problems(" " * size, after, smap.new), None)
                if problem is not None:
                    problem = f"document {doc_id!r}, annotator {before.annotator!r}: {problem}"
                pk = set_pks[(doc_pk, before.annotator)]
                steps.append(_Step(pk, before, after, changed, removed, problem))
        yield steps
    progress(len(doc_pks), len(doc_pks), "documents")


def _documents_to_migrate(
    conn: Connection, smap: SchemeMap, restored_ids: Collection[str]
) -> list[int]:
    """Primary keys of the documents with annotations the change may touch."""
    touched = union(
        select(t.spans.c.set_pk).where(t.spans.c.layer.in_(smap.touched_layers())),
        select(t.relations.c.set_pk).where(t.relations.c.label.in_(smap.touched_relations())),
        select(t.doc_labels.c.set_pk).where(t.doc_labels.c.question.in_(smap.touched_questions())),
    ).subquery()
    query = select(t.annotation_sets.c.document_pk).where(
        t.annotation_sets.c.pk.in_(select(touched.c.set_pk))
    )
    pks = {row[0] for row in conn.execute(query)}
    for ids in _chunks(sorted(restored_ids), 500):
        query = select(t.documents.c.pk).where(t.documents.c.doc_id.in_(ids))
        pks.update(row[0] for row in conn.execute(query))
    return sorted(pks)


def _set_pks(conn: Connection, doc_pks: Sequence[int]) -> dict[tuple[int, str], int]:
    """``{(document pk, annotator): set pk}`` (one set per pair, by a unique constraint)."""
    a, s = t.annotation_sets, t.annotators
    query = (
        select(a.c.document_pk, s.c.name, a.c.pk)
        .join(s, s.c.pk == a.c.annotator_pk)
        .where(a.c.document_pk.in_(doc_pks))
    )
    return {(row[0], row[1]): row[2] for row in conn.execute(query)}


def _write_sets(conn: Connection, steps: Sequence[_Step]) -> None:
    """Write the changed sets of a batch in bulk (a rename may touch every set).

    Spans are deleted or updated in place, which keeps their order; a set that regains
    spans (an undo) has its spans written anew in list order. Relations and answers,
    a few per set, are always written anew.
    """
    if not steps:
        return
    pks = [step.set_pk for step in steps]
    for table in (t.relations, t.doc_labels):
        conn.execute(table.delete().where(table.c.set_pk.in_(pks)))
    rewritten, gone, updated = [], [], []
    for step in steps:
        before = {span.id: span for span in step.before.spans}
        if any(span.id not in before for span in step.after.spans):
            rewritten.append(step)
            continue
        after = {span.id for span in step.after.spans}
        gone += [{"b_set": step.set_pk, "b_id": i} for i in before if i not in after]
        for span in step.after.spans:
            if span != before[span.id]:
                row = _span_row(step.set_pk, span)
                del row["set_pk"], row["span_id"]  # they identify the row, as b_set and b_id
                updated.append({**row, "b_set": step.set_pk, "b_id": span.id})
    spans = t.spans.c
    where = (spans.set_pk == bindparam("b_set"), spans.span_id == bindparam("b_id"))
    if gone:
        conn.execute(t.spans.delete().where(*where), gone)
    if updated:
        columns = [key for key in updated[0] if key not in ("b_set", "b_id")]
        values: dict[str, Any] = {name: bindparam(name) for name in columns}
        conn.execute(t.spans.update().where(*where).values(values), updated)
    if rewritten:
        conn.execute(t.spans.delete().where(spans.set_pk.in_([s.set_pk for s in rewritten])))
        rows = [_span_row(s.set_pk, span) for s in rewritten for span in s.after.spans]
        conn.execute(t.spans.insert(), rows)
        links = [  # the rewritten spans' links went with them: they come back too
            {"set_pk": s.set_pk, "span_id": span_id, "actor_id": actor}
            for s in rewritten
            for span_id, actor in s.after.actor_links.items()
        ]
        if links:
            conn.execute(t.actor_links.insert(), links)
    relations = [
        {"set_pk": s.set_pk, "head": r.head, "child": r.child, "label": r.label}
        for s in steps
        for r in s.after.relations
    ]
    labels = [row for s in steps for row in _label_rows(s.set_pk, s.after.doc_labels)]
    for table, new_rows in ((t.relations, relations), (t.doc_labels, labels)):
        if new_rows:
            conn.execute(table.insert(), new_rows)
    conn.execute(
        t.annotation_sets.update()
        .where(t.annotation_sets.c.pk.in_(pks))
        .values(updated_at=now(), revision=t.annotation_sets.c.revision + 1)
    )


__all__ = ["apply_scheme_change", "impact"]
