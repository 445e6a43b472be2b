"""The SQL of the actor registry (:mod:`annotator.core.actors`): reading it, adding
entries, changing and merging them, and the links that a merge moves.

Who may do what is the server's business (:mod:`annotator.store.server`): an annotator's
role adds actors, a lead's role also changes and merges them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select

from annotator.core.actors import Actor, check_actor, resolve
from annotator.core.errors import AnnotationError
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import reading, writing
from annotator.store.rows import _chunks, _dumps, now
from annotator.store.set_reads import has_actor_tables


def _actor(row: Any) -> Actor:
    """An entry from its row of the ``actors`` table."""
    aliases = tuple(json.loads(row.aliases))
    return Actor(
        row.actor_id, row.name, row.kind, aliases, row.kb_id, row.created_by, row.merged_into
    )


def _row(actor: Actor) -> dict[str, object]:
    return {
        "actor_id": actor.id,
        "name": actor.name,
        "kind": actor.kind,
        "aliases": _dumps(list(actor.aliases)),
        "kb_id": actor.kb_id or None,
        "created_by": actor.created_by,
        "merged_into": actor.merged_into,
    }


def read_actors(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, Actor]:
    """The registry (or the entries of ``ids``) by id, in the order they were added."""
    if not has_actor_tables(conn):
        return {}
    a = t.actors
    query = select(a).order_by(a.c.pk)
    if ids is None:
        return {row.actor_id: _actor(row) for row in conn.execute(query)}
    found: dict[str, Actor] = {}
    for chunk in _chunks(list(dict.fromkeys(ids)), 500):
        found.update(
            {
                row.actor_id: _actor(row)
                for row in conn.execute(query.where(a.c.actor_id.in_(chunk)))
            }
        )
    return found


def actors(corpus: Corpus) -> dict[str, Actor]:
    """The corpus's whole registry by id (merged-away entries included)."""
    with reading(corpus.engine) as conn:
        return read_actors(conn)


def linked_document_ids(corpus: Corpus) -> list[str]:
    """The ids of the documents where some annotation set links a span to an actor, in
    corpus order."""
    with reading(corpus.engine) as conn:
        if not has_actor_tables(conn):
            return []
        k, s, d = t.actor_links.c, t.annotation_sets.c, t.documents.c
        linked = select(s.document_pk).join(t.actor_links, k.set_pk == s.pk)
        query = select(d.doc_id).where(d.pk.in_(linked)).order_by(d.pk)
        return list(conn.execute(query).scalars())


def insert_missing_actors(conn: Connection, entries: Sequence[Actor]) -> list[Actor]:
    """Add the entries whose id the registry lacks; return those added. An id already
    there keeps the corpus's entry: ids are stable, and the lead's registry wins.

    Raises:
        AnnotationError: an entry is malformed; nothing is written.
    """
    if not entries:
        return []
    for entry in entries:
        problems = check_actor(entry)
        if problems:
            raise AnnotationError(problems[0])
    known = read_actors(conn, [e.id for e in entries])
    fresh = list({e.id: e for e in entries if e.id not in known}.values())
    if fresh:
        stamp = now()
        conn.execute(t.actors.insert(), [{**_row(e), "created_at": stamp} for e in fresh])
    return fresh


def add_actor(corpus: Corpus, actor: Actor) -> Actor:
    """Add one new actor to the registry and commit.

    Raises:
        AnnotationError: malformed, or its id is taken.
    """

    def work(conn: Connection) -> Actor:
        if not insert_missing_actors(conn, [actor]):
            raise AnnotationError(f"actor id {actor.id!r} is already in the registry")
        return actor

    return writing(corpus.engine, work)


def update_actor(corpus: Corpus, actor: Actor) -> Actor:
    """Replace an entry's name, kind, aliases, knowledge-base id (and merge state) by
    ``actor``'s; return the entry as it was (to undo). A lead's right on a server.

    Raises:
        AnnotationError: malformed, or no such actor.
    """
    problems = check_actor(actor)
    if problems:
        raise AnnotationError(problems[0])

    def work(conn: Connection) -> Actor:
        before = read_actors(conn, [actor.id]).get(actor.id)
        if before is None:
            raise AnnotationError(f"actor {actor.id!r} is not in the registry")
        values = _row(replace(actor, created_by=before.created_by))
        conn.execute(t.actors.update().where(t.actors.c.actor_id == actor.id).values(values))
        return before

    return writing(corpus.engine, work)


@dataclass(frozen=True, slots=True)
class ActorMerge:
    """What merging ``source`` into ``target`` changed, so that it can be undone."""

    source: Actor
    """The merged-away entry as it was."""
    target: Actor
    """The kept entry as it was."""
    links: tuple[int, ...]
    """The keys of the link rows moved from the source to the target."""


def merge_actors(corpus: Corpus, source_id: str, target_id: str) -> ActorMerge:
    """Merge actor ``source_id`` into ``target_id``: the target takes the source's name
    and aliases as aliases (and its knowledge-base id if it has none), every link to the
    source moves to the target (their sets' revisions move on, so open windows reload),
    and the source stays in the registry marked as merged into the target.

    Raises:
        AnnotationError: unknown actors, the same one twice, or one already merged.
    """
    if source_id == target_id:
        raise AnnotationError("an actor cannot be merged into itself")

    def work(conn: Connection) -> ActorMerge:
        found = read_actors(conn, [source_id, target_id])
        for actor_id in (source_id, target_id):
            if actor_id not in found:
                raise AnnotationError(f"actor {actor_id!r} is not in the registry")
            if found[actor_id].merged_into is not None:
                raise AnnotationError(
                    f"actor {found[actor_id].name!r} was already merged into another"
                )
        source, target = found[source_id], found[target_id]
        aliases = list(target.aliases)
        for name in source.names:
            if name != target.name and name not in aliases:
                aliases.append(name)
        merged = replace(target, aliases=tuple(aliases), kb_id=target.kb_id or source.kb_id)
        _put_actor(conn, merged)
        _put_actor(conn, replace(source, merged_into=target_id))
        k = t.actor_links
        rows = conn.execute(select(k.c.pk, k.c.set_pk).where(k.c.actor_id == source_id)).all()
        _move_links(conn, [row.pk for row in rows], target_id)
        return ActorMerge(source, target, tuple(row.pk for row in rows))

    return writing(corpus.engine, work)


def undo_merge(corpus: Corpus, merge: ActorMerge) -> None:
    """Put both entries back as they were and the moved links back on the source."""

    def work(conn: Connection) -> None:
        _put_actor(conn, merge.target)
        _put_actor(conn, merge.source)
        _move_links(conn, list(merge.links), merge.source.id)

    writing(corpus.engine, work)


def _put_actor(conn: Connection, actor: Actor) -> None:
    values = _row(actor)
    conn.execute(t.actors.update().where(t.actors.c.actor_id == actor.id).values(values))


def _move_links(conn: Connection, link_pks: list[int], actor_id: str) -> None:
    k, a = t.actor_links, t.annotation_sets
    for chunk in _chunks(link_pks, 500):
        sets = select(k.c.set_pk).where(k.c.pk.in_(chunk))
        # The revision only: updated_at is the annotator's, which merging packages compares.
        conn.execute(a.update().where(a.c.pk.in_(sets)).values(revision=a.c.revision + 1))
        conn.execute(k.update().where(k.c.pk.in_(chunk)).values(actor_id=actor_id))


def resolve_links(links: dict[str, str], registry: dict[str, Actor]) -> dict[str, str]:
    """``links`` with every actor id that was merged away replaced by the one kept."""
    return {span_id: resolve(actor_id, registry) for span_id, actor_id in links.items()}


def copy_registry(source: Corpus, target: Corpus) -> int:
    """Add ``source``'s whole registry (ids, merges) to ``target`` where it lacks them
    (a work package gets its corpus's registry); return how many entries were added."""
    entries = list(actors(source).values())
    return len(writing(target.engine, lambda conn: insert_missing_actors(conn, entries)))
