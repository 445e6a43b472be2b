"""Bulk inserts of imported documents and their annotation sets (one transaction of
:meth:`Corpus.add_documents`), paced against raw ``executemany`` (DESIGN §10).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, bindparam, select

from annotator.core.errors import AnnotationError, CorpusError
from annotator.core.model import AnnotationSet, Document
from annotator.store import schema as t
from annotator.store.own_rows import delete_set_rows
from annotator.store.rows import (
    SPAN_COLUMNS,
    _annotator_pk,
    _attrs_json,
    _chunks,
    _dumps,
    _fragments_json,
    _insert_rows,
    _insert_values,
    _label_rows,
    _new_keys,
    now,
)
from annotator.store.set_reads import _load_sets


def corpus_is_empty(conn: Connection) -> bool:
    return conn.execute(select(t.documents.c.pk).limit(1)).first() is None


def _insert_documents(
    conn: Connection, docs: Sequence[Document], was_empty: bool | None = None
) -> int:
    """Insert ``docs`` (and their sets); ``was_empty``: whether the corpus had no document
    before this transaction, when the caller knows it and inserts in several batches of
    distinct ids (the batches before make the corpus look not empty)."""
    existing: dict[str, tuple[int, str]] = {}
    empty = corpus_is_empty(conn) if was_empty is None else was_empty
    ids = [] if empty else [d.id for d in docs]  # an empty corpus has none of them
    for chunk in _chunks(ids, 500):
        for row in conn.execute(
            select(t.documents.c.doc_id, t.documents.c.pk, t.documents.c.text_sha256).where(
                t.documents.c.doc_id.in_(chunk)
            )
        ):
            existing[row.doc_id] = (row.pk, row.text_sha256)
    stamp = now()
    new_rows: list[tuple[Any, ...]] = []
    doc_pks: list[int] = []
    keys = _new_keys(conn, t.documents, len({d.id for d in docs} - existing.keys()))
    for doc in docs:
        if doc.id in existing:
            pk, sha = existing[doc.id]
            if sha != doc.text_sha256:
                raise CorpusError(
                    f"document {doc.id!r} is already in the corpus with a different text; "
                    "give the new one another id"
                )
        else:
            pk = next(keys)
            sha = doc.text_sha256
            existing[doc.id] = (pk, sha)
            meta = _dumps(doc.meta) if doc.meta else "{}"
            new_rows.append((pk, doc.id, doc.text, sha, meta, stamp))
        doc_pks.append(pk)
    if new_rows:
        columns = ("pk", "doc_id", "text", "text_sha256", "meta", "created_at")
        _insert_values(conn, t.documents, columns, new_rows)
    carried = [actor for doc in docs for actor in doc.actors]
    if carried:
        from annotator.store.actors import insert_missing_actors

        insert_missing_actors(conn, carried)
    if any(doc.annotations for doc in docs):
        new_pks = {row[0] for row in new_rows}
        known = [pk for pk in doc_pks if pk not in new_pks]
        _insert_annotation_sets(conn, docs, doc_pks, stamp, known)
    return len(new_rows)


def _insert_annotation_sets(
    conn: Connection,
    docs: Sequence[Document],
    doc_pks: Sequence[int],
    stamp: str,
    known_pks: Sequence[int],
) -> None:
    """Insert the documents' sets; ``known_pks`` are the documents that were in the
    corpus before (only they can have sets already: one query for all, not one each)."""
    annotator_pks: dict[str, int] = {}
    keys = _new_keys(conn, t.annotation_sets, sum(len(doc.annotations) for doc in docs))
    a = t.annotation_sets
    existing: dict[tuple[int, int], int] = {}
    for chunk in _chunks(list(dict.fromkeys(known_pks)), 500):
        query = select(a.c.pk, a.c.document_pk, a.c.annotator_pk).where(a.c.document_pk.in_(chunk))
        existing.update({(row[1], row[2]): row[0] for row in conn.execute(query)})
    set_rows: list[tuple[Any, ...]] = []
    contents: list[tuple[int, AnnotationSet]] = []
    for doc, doc_pk in zip(docs, doc_pks, strict=True):
        for aset in doc.annotations:
            if aset.annotator not in annotator_pks:
                annotator_pks[aset.annotator] = _annotator_pk(conn, aset.annotator)
            a_pk = annotator_pks[aset.annotator]
            old = existing.get((doc_pk, a_pk))
            if old is not None:
                current = _load_sets(conn, [doc_pk], [aset.annotator])[doc_pk][0]
                if not current.is_empty() or current.status != "todo":
                    raise AnnotationError(
                        f"document {doc.id!r} already has annotations by {aset.annotator!r}; "
                        "import them under another --annotator name, or merge instead"
                    )
                delete_set_rows(conn, t.annotation_sets, [old])
            created, updated = aset.created_at or stamp, aset.updated_at or stamp
            set_pk = next(keys)
            set_rows.append(
                (set_pk, doc_pk, a_pk, aset.status, aset.guideline_version, created, updated)
            )
            contents.append((set_pk, aset))
    if set_rows:
        columns = ("pk", "document_pk", "annotator_pk", "status", "guideline_version")
        _insert_values(conn, a, (*columns, "created_at", "updated_at"), set_rows)
    span_rows = [  # _span_values(pk, s) without fragments, inline: once per imported span
        (pk, s.id, s.layer, s.label, s.start, s.end, _attrs_json(s.attrs) if s.attrs else "{}",
         s.origin, s.state)
        for pk, aset in contents
        for s in aset.spans
    ]  # fmt: skip
    if span_rows:
        _insert_values(conn, t.spans, SPAN_COLUMNS[:-1], span_rows)
        _insert_fragments(conn, contents)
    rel_rows = [
        {"set_pk": pk, "head": r.head, "child": r.child, "label": r.label}
        for pk, aset in contents
        for r in aset.relations
    ]
    if rel_rows:
        _insert_rows(conn, t.relations, rel_rows)
    label_rows = [row for pk, aset in contents for row in _label_rows(pk, aset.doc_labels)]
    if label_rows:
        _insert_rows(conn, t.doc_labels, label_rows)
    if any(aset.actor_links for _pk, aset in contents):
        _insert_actor_links(conn, docs, contents)


def _insert_actor_links(
    conn: Connection, docs: Sequence[Document], contents: Sequence[tuple[int, AnnotationSet]]
) -> None:
    """The sets' links to actors, each to an actor the registry holds (merged-away ones
    followed to the actor kept).

    Raises:
        AnnotationError: a link to an actor neither in the registry nor carried along.
    """
    from annotator.core.actors import resolve
    from annotator.store.actors import read_actors

    wanted = {actor for _pk, aset in contents for actor in aset.actor_links.values()}
    registry = read_actors(conn, wanted)
    merged = [a.merged_into for a in registry.values() if a.merged_into]
    while merged:  # the actors they were merged into (usually one step)
        more = read_actors(conn, [m for m in merged if m not in registry])
        registry.update(more)
        merged = [a.merged_into for a in more.values() if a.merged_into]
    missing = sorted(wanted - registry.keys())
    if missing:
        whose = next(
            doc.id
            for doc in docs
            for aset in doc.annotations
            if missing[0] in aset.actor_links.values()
        )
        raise AnnotationError(
            f"document {whose!r}: a span is linked to actor {missing[0]!r}, which is not in "
            "the corpus's actor registry nor among the actors the document brings"
        )
    rows = [
        {"set_pk": pk, "span_id": span_id, "actor_id": resolve(actor, registry)}
        for pk, aset in contents
        for span_id, actor in aset.actor_links.items()
    ]
    _insert_rows(conn, t.actor_links, rows)


def _insert_fragments(conn: Connection, contents: list[tuple[int, AnnotationSet]]) -> None:
    """Fill ``spans.fragments`` for the few spans in pieces just inserted: the other rows
    keep the column's NULL without binding it (a parameter more per span costs an import
    of a million spans about a tenth of its time)."""
    pieced = [
        {"b_set": pk, "b_id": s.id, "b_pieces": _fragments_json(s.fragments)}
        for pk, aset in contents
        if any(map(_FRAGMENTS, aset.spans))
        for s in aset.spans
        if s.fragments is not None
    ]
    if pieced:
        spans = t.spans.c
        conn.execute(
            t.spans.update()
            .where(spans.set_pk == bindparam("b_set"), spans.span_id == bindparam("b_id"))
            .values(fragments=bindparam("b_pieces")),
            pieced,
        )


_FRAGMENTS = attrgetter("fragments")
