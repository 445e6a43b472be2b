"""The SQL behind work packages: the corpus identity, guidelines copied with their
version numbers, and annotators' sets replaced by merged work in one transaction.

The decisions (which set is newer, what is refused) belong to
:mod:`annotator.services.packages`; this module only reads and writes rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, select

from annotator.core.actors import Actor
from annotator.core.model import AnnotationSet, Relation, text_sha256
from annotator.store import schema as t
from annotator.store.actors import insert_missing_actors, read_actors, resolve_links
from annotator.store.corpus import CORPUS_ID, Corpus
from annotator.store.engine import reading, writing
from annotator.store.own_rows import (
    _may_delete,
    delete_links,
    delete_relations,
    delete_set_rows,
    delete_spans,
)
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
from annotator.store.set_rows import (
    SetRows,
    content_counts,
    content_digests,
    read_content,
    read_set_rows,
)

T = TypeVar("T")

RELATION_COLUMNS = ("set_pk", "head", "child", "label")


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
    rows = _guideline_rows(versions)
    writing(corpus.engine, lambda conn: conn.execute(t.guidelines.insert(), rows))


def _guideline_rows(versions: Sequence[GuidelineVersion]) -> list[dict[str, Any]]:
    return [
        {"version": v.version, "text": v.text, "author": v.author, "created_at": v.created_at}
        for v in versions
    ]


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
    _update_set_rows(
        conn,
        [(set_pks[pk], after) for pk, (before, after) in changes.items() if before is not None],
    )
    created = [pk for pk, (before, _after) in changes.items() if before is None]
    new = [(pk, changes[pk][1]) for pk in created]
    set_pks.update(zip(created, _create_set_rows(conn, annotator_pk, new), strict=True))
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
    _insert_content(conn, spans, relations, labels, links)


def _insert_content(
    conn: Connection,
    spans: Sequence[tuple[Any, ...]],
    relations: Sequence[tuple[Any, ...]],
    labels: Sequence[dict[str, Any]],
    links: Sequence[tuple[Any, ...]],
) -> None:
    """Insert sets' rows (spans as :data:`SPAN_COLUMNS`, relations as
    :data:`RELATION_COLUMNS`, answers as dicts, actor links as ``(set, span, actor)``),
    spans first: the others name them."""
    for chunk in _chunks(spans, 5000):
        _insert_values(conn, t.spans, SPAN_COLUMNS, list(chunk))
    for chunk in _chunks(relations, 5000):
        _insert_values(conn, t.relations, RELATION_COLUMNS, list(chunk))
    for chunk in _chunks(labels, 5000):
        _insert_rows(conn, t.doc_labels, list(chunk))
    for chunk in _chunks(links, 5000):
        _insert_values(conn, t.actor_links, ("set_pk", "span_id", "actor_id"), list(chunk))


SetFields = AnnotationSet | SetRows
"""A set as objects or as rows: both give its status, guideline version and times."""


def _create_set_rows(
    conn: Connection, annotator_pk: int, created: Sequence[tuple[int, SetFields]]
) -> list[int]:
    """Insert the rows of new sets, ``(document pk, set)`` pairs, with the sets' status,
    guideline version and times (now where a set has none); returns their keys, in order."""
    if not created:
        return []
    keys = list(_new_keys(conn, t.annotation_sets, len(created)))
    rows = []
    for (document_pk, after), key in zip(created, keys, strict=True):
        stamp = now()
        rows.append(
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
    _insert_rows(conn, t.annotation_sets, rows)
    return keys


def _update_set_rows(conn: Connection, replaced: Sequence[tuple[int, SetFields]]) -> None:
    """Give set rows, ``(set key, set)`` pairs, their set's status, guideline version and
    ``updated_at`` (now where it has none), and bump their revision so that open windows
    notice."""
    if not replaced:
        return
    a = t.annotation_sets
    conn.execute(
        a.update()
        .where(a.c.pk == bindparam("b_pk"))
        .values(
            status=bindparam("b_status"),
            guideline_version=bindparam("b_guideline_version"),
            updated_at=bindparam("b_updated_at"),
            revision=a.c.revision + 1,
        ),
        [
            {
                "b_pk": set_pk,
                "b_status": after.status,
                "b_guideline_version": after.guideline_version,
                "b_updated_at": after.updated_at or now(),
            }
            for set_pk, after in replaced
        ],
    )


#: Documents of a package merged per step of a merge (its sets and the corpus's read,
#: compared and written, then dropped): memory bounded whatever the package's size.
MERGE_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Incoming:
    """One document of a package as a merge sees it, for one annotator."""

    doc_id: str
    text: str
    """The package's text of the document."""
    text_sha256: str
    """The hash of that text (computed anew)."""
    current_sha256: str | None
    """The hash of the corpus's text of the document; None when the corpus lacks it."""
    theirs: SetRows | None
    """The annotator's set in the package (None if they have none there)."""
    ours: SetRows | None
    """The annotator's set in the corpus (None if they have none here)."""
    same: bool = False
    """Whether both sets have the same status, guideline version and content (then
    neither's content is read: ``spans`` and the others are empty)."""


Choose = Callable[[str, Sequence[Incoming]], tuple[Sequence[tuple[Incoming, SetRows]], T]]
"""Given an annotator and a step's documents, the ``(document, set to write)`` pairs to
write and a result; raises to refuse, and then nothing of the merge is written."""


def merge_sets(
    corpus: Corpus,
    package: Corpus,
    annotators: Sequence[str],
    choose: Choose[T],
    actors: Sequence[Actor] = (),
    guidelines: Sequence[GuidelineVersion] = (),
) -> dict[str, list[T]]:
    """Merge ``package``'s sets of ``annotators`` into ``corpus``, in one write
    transaction, :data:`MERGE_BATCH` documents at a time, in the package's order.

    For each step and annotator, ``choose`` receives the documents with both sets, as
    rows (nothing is made an object unless ``choose`` makes it one), and names the sets
    to write; each is written as the differences from the corpus's set (spans removed,
    changed and added by id, relations and actor links by value, answers whole), so a
    set the annotator changed in one place costs a few rows. Its row keeps its key and
    its revision is bumped; it gets the written set's status, guideline version and
    ``updated_at`` (and a new set its ``created_at``). ``guidelines`` and the package's
    registry (``actors``, where the corpus lacks them) are added first, in the same
    transaction; written actor links follow the corpus's merges of actors. The whole
    merge may run again if the database was locked: ``choose`` must not have side
    effects. Returns each annotator's results, step by step.
    """

    def work(conn: Connection) -> dict[str, list[T]]:
        if guidelines:
            conn.execute(t.guidelines.insert(), _guideline_rows(guidelines))
        insert_missing_actors(conn, actors)
        results: dict[str, list[T]] = {name: [] for name in annotators}
        registry: dict[str, Actor] | None = None
        with reading(package.engine) as source:
            for documents in _package_steps(source):
                found = _corpus_documents(conn, [row[1] for row in documents])
                theirs = read_set_rows(source, [row[0] for row in documents], annotators, False)
                ours = read_set_rows(conn, [pk for pk, _sha in found.values()], annotators, False)
                pairs = {
                    (doc_id, name): (
                        _set_of(theirs, pk, name),
                        _set_of(ours, found[doc_id][0], name) if doc_id in found else None,
                    )
                    for pk, doc_id, _text, _sha in documents
                    for name in annotators
                }
                same = _same_content(source, conn, pairs)
                differ = [pair for key, pair in pairs.items() if key not in same]
                read_content(source, {a.pk: a for a, _b in differ if a})
                read_content(conn, {b.pk: b for a, b in differ if a and b})
                for name in annotators:
                    incoming = []
                    for _pk, doc_id, text, sha in documents:
                        theirs_set, ours_set = pairs[(doc_id, name)]
                        current = found[doc_id][1] if doc_id in found else None
                        alike = (doc_id, name) in same
                        incoming.append(
                            Incoming(doc_id, text, sha, current, theirs_set, ours_set, alike)
                        )
                    chosen, result = choose(name, incoming)
                    results[name].append(result)
                    if not chosen:
                        continue
                    if registry is None and any(after.links for _, after in chosen):
                        registry = read_actors(conn)
                    changes = [
                        (found[doc.doc_id][0], doc.ours, _resolved(after, registry))
                        for doc, after in chosen
                    ]
                    _write_differences(conn, _annotator_pk(conn, name), changes)
        return results

    return writing(corpus.engine, work)


def _package_steps(source: Connection) -> Iterator[list[Any]]:
    """The package's documents ``(pk, id, text, text hash)``, a step at a time."""
    d, last = t.documents, 0
    while True:
        query = select(d.c.pk, d.c.doc_id, d.c.text).where(d.c.pk > last)
        documents = list(source.execute(query.order_by(d.c.pk).limit(MERGE_BATCH)))
        if not documents:
            return
        last = documents[-1][0]
        yield [(pk, doc_id, text, text_sha256(text)) for pk, doc_id, text in documents]


def _corpus_documents(conn: Connection, doc_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """``{doc id: (pk, text hash)}`` of those of ``doc_ids`` the corpus holds."""
    d = t.documents
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(list(doc_ids), 500):
        query = select(d.c.doc_id, d.c.pk, d.c.text_sha256).where(d.c.doc_id.in_(chunk))
        found.update({doc_id: (pk, sha) for doc_id, pk, sha in conn.execute(query)})
    return found


def _same_content(
    source: Connection,
    conn: Connection,
    pairs: Mapping[T, tuple[SetRows | None, SetRows | None]],
) -> set[T]:
    """The keys of the ``(package's, corpus's)`` pairs of sets whose status, guideline
    version and content are the same (by :func:`content_digests`). Each database keys
    its sets its own way: a pair is one whole, never found by one side's key."""
    alike = {
        key: (theirs, ours)
        for key, (theirs, ours) in pairs.items()
        if theirs is not None
        and ours is not None
        and (theirs.status, theirs.guideline_version) == (ours.status, ours.guideline_version)
    }
    if not alike or source.dialect.name != "sqlite" or conn.dialect.name != "sqlite":
        return set()
    package_counts = content_counts(source, [theirs.pk for theirs, _ in alike.values()])
    corpus_counts = content_counts(conn, [ours.pk for _, ours in alike.values()])
    alike = {
        key: (theirs, ours)
        for key, (theirs, ours) in alike.items()
        if package_counts[theirs.pk] == corpus_counts[ours.pk]
    }
    package = content_digests(source, [theirs.pk for theirs, _ in alike.values()])
    corpus = content_digests(conn, [ours.pk for _, ours in alike.values()])
    return {
        key
        for key, (theirs, ours) in alike.items()
        if theirs.pk in package and package[theirs.pk] == corpus.get(ours.pk)
    }


def _set_of(sets: Mapping[int, list[SetRows]], document_pk: int, name: str) -> SetRows | None:
    return next((rows for rows in sets.get(document_pk, ()) if rows.annotator == name), None)


def _resolved(rows: SetRows, registry: dict[str, Actor] | None) -> SetRows:
    """``rows`` with their actor links following the registry's merges."""
    if not rows.links or registry is None:
        return rows
    links = resolve_links({span_id: actor for _set, span_id, actor in rows.links}, registry)
    return replace(rows, links=[(rows.pk, span_id, actor) for span_id, actor in links.items()])


def _write_differences(
    conn: Connection, annotator_pk: int, changes: Sequence[tuple[int, SetRows | None, SetRows]]
) -> None:
    """Make each ``(document pk, corpus's set, package's set)``'s package set the
    annotator's set of its document, writing only what differs (see :func:`merge_sets`)."""
    created = [(document_pk, after) for document_pk, before, after in changes if before is None]
    keys = _create_set_rows(conn, annotator_pk, created)
    targets = [(key, None, after) for key, (_doc, after) in zip(keys, created, strict=True)]
    replaced = [(before.pk, before, after) for _doc, before, after in changes if before is not None]
    _update_set_rows(conn, [(set_pk, after) for set_pk, _before, after in replaced])
    diff = _Differences()
    for set_pk, before, after in [*targets, *replaced]:
        diff.add(set_pk, before, after)
    diff.write(conn)


@dataclass(slots=True)
class _Differences:
    """The rows to delete, update and insert to turn sets into others, gathered over
    many sets and written in a few statements."""

    spans_gone: list[tuple[int, str]] = field(default_factory=list)
    spans_changed: list[tuple[Any, ...]] = field(default_factory=list)
    spans_new: list[tuple[Any, ...]] = field(default_factory=list)
    relations_gone: list[tuple[int, str, str, str]] = field(default_factory=list)
    relations_new: list[tuple[int, str, str, str]] = field(default_factory=list)
    links_gone: list[tuple[int, str]] = field(default_factory=list)
    links_new: list[tuple[int, str, str]] = field(default_factory=list)
    labels_replaced: list[int] = field(default_factory=list)
    labels_new: list[dict[str, Any]] = field(default_factory=list)

    def add(self, set_pk: int, before: SetRows | None, after: SetRows) -> None:
        had = {row[1]: row for row in before.spans} if before else {}
        ids = set()
        for row in after.spans:
            span_id = row[1]
            ids.add(span_id)
            old = had.get(span_id)
            values = (set_pk, span_id, row[2], row[5], row[3], row[4], *row[6:])  # SPAN_COLUMNS
            if old is None:
                self.spans_new.append(values)
            elif old[2:] != row[2:]:
                self.spans_changed.append(values)
        self.spans_gone.extend((set_pk, span_id) for span_id in had if span_id not in ids)
        old_relations = {row[1:] for row in before.relations} if before else set()
        new_relations = dict.fromkeys(row[1:] for row in after.relations)  # in order, once
        self.relations_gone.extend((set_pk, *r) for r in old_relations if r not in new_relations)
        self.relations_new.extend((set_pk, *r) for r in new_relations if r not in old_relations)
        old_links = {span_id: actor for _set, span_id, actor in before.links} if before else {}
        new_links = {span_id: actor for _set, span_id, actor in after.links}
        self.links_gone.extend(
            (set_pk, span_id)
            for span_id, actor in old_links.items()
            if new_links.get(span_id) != actor
        )
        self.links_new.extend(
            (set_pk, span_id, actor)
            for span_id, actor in new_links.items()
            if old_links.get(span_id) != actor
        )
        old_labels = [row[1:] for row in before.labels] if before else []
        if old_labels != [row[1:] for row in after.labels]:
            if before is not None:
                self.labels_replaced.append(set_pk)
            self.labels_new.extend(
                {"set_pk": set_pk, "question": q, "value": v, "multi": m}
                for _set, q, v, m in after.labels
            )

    def write(self, conn: Connection) -> None:
        # Links and relations before the spans they name; a span removed takes its own.
        _delete_by_keys(conn, t.actor_links, ("set_pk", "span_id"), self.links_gone)
        _delete_by_keys(conn, t.relations, RELATION_COLUMNS, self.relations_gone)
        _delete_by_keys(conn, t.spans, ("set_pk", "span_id"), self.spans_gone)
        delete_set_rows(conn, t.doc_labels, self.labels_replaced)
        if self.spans_changed:
            s = t.spans
            changed = (
                "layer",
                "label",
                "start_offset",
                "end_offset",
                "attrs",
                "origin",
                "state",
                "fragments",
            )
            conn.execute(
                s.update()
                .where(s.c.set_pk == bindparam("b_set_pk"), s.c.span_id == bindparam("b_span_id"))
                .values({name: bindparam(f"b_{name}") for name in changed}),
                [
                    {f"b_{name}": value for name, value in zip(SPAN_COLUMNS, row, strict=True)}
                    for row in self.spans_changed
                ],
            )
        _insert_content(conn, self.spans_new, self.relations_new, self.labels_new, self.links_new)


def _delete_by_keys(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Delete the rows of ``table`` whose ``columns`` hold one of ``rows``' values, in one
    statement run for many values; a role without DELETE (an annotator on a server) goes
    through the server's functions, set by set."""
    if not rows:
        return
    if _may_delete(conn):
        condition = [table.c[name] == bindparam(f"b_{name}") for name in columns]
        conn.execute(
            table.delete().where(*condition),
            [
                {f"b_{name}": value for name, value in zip(columns, row, strict=True)}
                for row in rows
            ],
        )
        return
    by_set: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_set.setdefault(row[0], []).append(row[1:])
    for set_pk, keys in by_set.items():
        if table is t.relations:
            delete_relations(conn, set_pk, [Relation(*key) for key in keys])
        elif table is t.spans:
            delete_spans(conn, set_pk, [key[0] for key in keys])
        else:
            delete_links(conn, set_pk, [key[0] for key in keys])


def set_holders(corpus: Corpus) -> dict[str, list[str]]:
    """Each annotator's documents with a set, in corpus order."""
    a, n, d = t.annotation_sets, t.annotators, t.documents
    query = (
        select(n.c.name, d.c.doc_id)
        .join(a, a.c.annotator_pk == n.c.pk)
        .join(d, d.c.pk == a.c.document_pk)
        .order_by(d.c.pk, a.c.pk)
    )
    holders: dict[str, list[str]] = {}
    with reading(corpus.engine) as conn:
        for name, doc_id in conn.execute(query):
            holders.setdefault(name, []).append(doc_id)
    return holders


def compare_documents(corpus: Corpus, package: Corpus) -> tuple[list[str], list[str]]:
    """The ids of ``package``'s documents that ``corpus`` lacks, and of those whose text
    differs here, in the package's order (the package's texts hashed anew: a package's
    stored hashes may not be its texts')."""
    missing: list[str] = []
    differ: list[str] = []
    d = t.documents
    with reading(package.engine) as source, reading(corpus.engine) as conn:
        last = 0
        while True:
            query = select(d.c.pk, d.c.doc_id, d.c.text).where(d.c.pk > last)
            rows = list(source.execute(query.order_by(d.c.pk).limit(MERGE_BATCH)))
            if not rows:
                return missing, differ
            last = rows[-1][0]
            found = _corpus_documents(conn, [row[1] for row in rows])
            for _pk, doc_id, text in rows:
                if doc_id not in found:
                    missing.append(doc_id)
                elif found[doc_id][1] != text_sha256(text):
                    differ.append(doc_id)
