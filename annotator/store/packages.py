"""The SQL behind work packages: the corpus identity, guidelines copied with their
version numbers, and annotators' sets replaced by merged work in one transaction.

The decisions (which set is newer, what is refused) belong to
:mod:`annotator.services.packages`; this module only reads and writes rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select

from annotator.core.actors import Actor
from annotator.core.model import AnnotationSet
from annotator.store import schema as t
from annotator.store.actors import insert_missing_actors, read_actors, resolve_links
from annotator.store.corpus import CORPUS_ID, Corpus
from annotator.store.engine import reading, writing
from annotator.store.own_rows import delete_set_rows
from annotator.store.rows import (
    SPAN_COLUMNS,
    _annotator_pk,
    _chunks,
    _insert_rows,
    _insert_values,
    _label_rows,
    _new_keys,
    _put_setting,
    _span_values,
    now,
)
from annotator.store.set_reads import _load_sets

T = TypeVar("T")


def corpus_id(corpus: Corpus) -> str:
    """The corpus's identity; a corpus made before identities existed gets one now.

    The check and the insertion share one write transaction, so two processes packaging
    an old corpus at once agree on a single identity.
    """
    existing = corpus.setting(CORPUS_ID)
    if isinstance(existing, str):
        return existing

    def work(conn: Connection) -> str:
        raw = conn.execute(select(t.settings.c.value).where(t.settings.c.key == CORPUS_ID)).scalar()
        if raw is not None:
            return str(json.loads(raw))
        created = uuid.uuid4().hex
        _put_setting(conn, CORPUS_ID, created)
        return created

    return writing(corpus.engine, work)


@dataclass(frozen=True, slots=True)
class GuidelineVersion:
    version: int
    text: str
    author: str
    created_at: str


def guideline_versions(corpus: Corpus) -> list[GuidelineVersion]:
    """Every version of the guidelines, oldest first."""
    g = t.guidelines
    with reading(corpus.engine) as conn:
        rows = conn.execute(
            select(g.c.version, g.c.text, g.c.author, g.c.created_at).order_by(g.c.version)
        ).all()
    return [GuidelineVersion(row.version, row.text, row.author, row.created_at) for row in rows]


def add_guideline_versions(corpus: Corpus, versions: Sequence[GuidelineVersion]) -> None:
    """Store guideline versions under their own numbers (sets refer to them by number)."""
    if not versions:
        return
    rows = [
        {"version": v.version, "text": v.text, "author": v.author, "created_at": v.created_at}
        for v in versions
    ]
    writing(corpus.engine, lambda conn: conn.execute(t.guidelines.insert(), rows))


@dataclass(frozen=True, slots=True)
class CurrentSet:
    """What the corpus holds for one document when a merge looks at it."""

    text_sha256: str
    annotation_set: AnnotationSet | None
    """The annotator's set on the document, or None if they have none."""


Decide = Callable[[Mapping[str, CurrentSet]], tuple[Mapping[str, AnnotationSet], T]]


def replace_sets(
    corpus: Corpus,
    annotator: str,
    doc_ids: Sequence[str],
    decide: Decide[T],
    actors: Sequence[Actor] = (),
) -> T:
    """Replace ``annotator``'s sets on some of ``doc_ids``, in one write transaction.

    ``decide`` receives the corpus's current state of those documents (those missing
    from the corpus are absent) read inside the transaction, and returns the sets to
    write and a result handed back to the caller; it raises to refuse, and then nothing
    is written. It may be called again if the database was locked, so it must not have
    side effects. A written set keeps its own status, guideline version, ``updated_at``
    and (for a new set) ``created_at``. ``actors`` (the package's registry) are added
    first where the corpus lacks them, and the written sets' links follow the corpus's
    merges of actors.
    """

    def work(conn: Connection) -> T:
        d = t.documents
        found: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(list(doc_ids), 500):
            query = select(d.c.doc_id, d.c.pk, d.c.text_sha256).where(d.c.doc_id.in_(chunk))
            found.update({row.doc_id: (row.pk, row.text_sha256) for row in conn.execute(query)})
        sets: dict[int, list[AnnotationSet]] = {}
        pks = [pk for pk, _sha in found.values()]
        for chunk in _chunks(pks, 500):
            sets.update(_load_sets(conn, chunk, [annotator]))
        current = {
            doc_id: CurrentSet(sha, next(iter(sets.get(pk, [])), None))
            for doc_id, (pk, sha) in found.items()
        }
        chosen, result = decide(current)
        insert_missing_actors(conn, actors)
        if any(aset.actor_links for aset in chosen.values()):
            registry = read_actors(conn)
            chosen = {
                doc_id: replace(aset, actor_links=resolve_links(aset.actor_links, registry))
                for doc_id, aset in chosen.items()
            }
        _write_sets(
            conn, annotator, {found[d][0]: (current[d].annotation_set, chosen[d]) for d in chosen}
        )
        return result

    return writing(corpus.engine, work)


def _write_sets(
    conn: Connection,
    annotator: str,
    changes: Mapping[int, tuple[AnnotationSet | None, AnnotationSet]],
) -> None:
    """Make each ``(before, after)`` pair's ``after`` the set of its document (by pk).

    The content of a replaced set is deleted and written anew in bulk (a merge brings
    whole sets, often thousands of spans), in the incoming order; the set row and its
    primary key stay, and its revision is bumped so that open windows notice. Every
    statement handles many sets at once (a package of 10k documents is a few dozen
    statements, not tens of thousands).
    """
    a = t.annotation_sets
    annotator_pk = _annotator_pk(conn, annotator)
    replaced = [pk for pk, (before, _after) in changes.items() if before is not None]
    set_pks: dict[int, int] = {}
    for chunk in _chunks(replaced, 500):
        query = select(a.c.document_pk, a.c.pk).where(
            a.c.annotator_pk == annotator_pk, a.c.document_pk.in_(chunk)
        )
        set_pks.update({row[0]: row[1] for row in conn.execute(query)})
    for chunk in _chunks([set_pks[pk] for pk in replaced], 500):
        for table in (t.actor_links, t.relations, t.spans, t.doc_labels):
            delete_set_rows(conn, table, chunk)
    updates = [
        {
            "b_pk": set_pks[document_pk],
            "b_status": after.status,
            "b_guideline_version": after.guideline_version,
            "b_updated_at": after.updated_at or now(),
        }
        for document_pk, (before, after) in changes.items()
        if before is not None
    ]
    if updates:
        conn.execute(
            a.update()
            .where(a.c.pk == bindparam("b_pk"))
            .values(
                status=bindparam("b_status"),
                guideline_version=bindparam("b_guideline_version"),
                updated_at=bindparam("b_updated_at"),
                revision=a.c.revision + 1,
            ),
            updates,
        )
    created = [pk for pk, (before, _after) in changes.items() if before is None]
    new_rows = []
    for document_pk, key in zip(created, _new_keys(conn, a, len(created)), strict=False):
        after = changes[document_pk][1]
        set_pks[document_pk] = key
        stamp = now()
        new_rows.append(
            {
                "pk": key,
                "document_pk": document_pk,
                "annotator_pk": annotator_pk,
                "status": after.status,
                "guideline_version": after.guideline_version,
                "created_at": after.created_at or stamp,
                "updated_at": after.updated_at or stamp,
            }
        )
    if new_rows:
        _insert_rows(conn, a, new_rows)
    spans: list[tuple[Any, ...]] = []
    relations: list[tuple[Any, ...]] = []
    labels: list[dict[str, Any]] = []
    links: list[tuple[Any, ...]] = []
    for document_pk, (_before, after) in changes.items():
        set_pk = set_pks[document_pk]
        spans.extend(_span_values(set_pk, span) for span in after.spans)
        relations.extend((set_pk, r.head, r.child, r.label) for r in after.relations)
        labels.extend(_label_rows(set_pk, after.doc_labels))
        links.extend((set_pk, span_id, actor) for span_id, actor in after.actor_links.items())
    for chunk in _chunks(spans, 5000):
        _insert_values(conn, t.spans, SPAN_COLUMNS, list(chunk))
    for chunk in _chunks(relations, 5000):
        _insert_values(conn, t.relations, ("set_pk", "head", "child", "label"), list(chunk))
    for chunk in _chunks(labels, 5000):
        _insert_rows(conn, t.doc_labels, list(chunk))
    for chunk in _chunks(links, 5000):
        _insert_values(conn, t.actor_links, ("set_pk", "span_id", "actor_id"), list(chunk))
