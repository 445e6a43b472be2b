"""Actors across the corpus (issue 23): the registry's use cases for the window and the
command line: adding actors, suggesting a link, renaming and merging them undoably, and
who claims what with which stance across documents (the Actors view).

Registry changes are plain data like edits: :func:`change_registry` applies one and
returns the change that undoes it, so the window's undo stack only keeps the pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from annotator.core.actors import (
    Actor,
    check_actor,
    guess_kind,
    matching_actors,
    new_actor_id,
    resolve,
)
from annotator.core.errors import AnnotationError
from annotator.core.model import GOLD, AnnotationSet, Document
from annotator.core.who_claims import ClaimRecord, claim_layer_of, claim_records
from annotator.services.progress import Progress, no_progress
from annotator.store import actors as registry_store
from annotator.store.actors import ActorMerge
from annotator.store.corpus import Corpus


def registry(corpus: Corpus) -> dict[str, Actor]:
    """The whole registry by id (merged-away entries included)."""
    return registry_store.actors(corpus)


def current_actors(corpus: Corpus) -> list[Actor]:
    """The actors one may link to (not merged away), by name."""
    return sorted(
        (a for a in registry(corpus).values() if a.merged_into is None),
        key=lambda a: a.name.casefold(),
    )


def add_actor(
    corpus: Corpus,
    name: str,
    created_by: str,
    kind: str = "organisation",
    aliases: Sequence[str] = (),
    kb_id: str | None = None,
) -> Actor:
    """Add a new actor (a new stable id) and return it."""
    actor = Actor(new_actor_id(), name.strip(), kind, tuple(aliases), kb_id or None, created_by)
    return registry_store.add_actor(corpus, actor)


def actor_from_span(corpus: Corpus, text: str, label: str | None, created_by: str) -> Actor:
    """A new actor named after a span's text ("new actor from span text"), its kind
    guessed from the span's label."""
    name = " ".join(text.split())
    if not name:
        raise AnnotationError("the span has no text to name an actor after")
    return add_actor(corpus, name, created_by, guess_kind(label))


def suggested_actor(actors: Sequence[Actor], text: str) -> Actor | None:
    """The actor a span of ``text`` is most likely linked to: the only one (or the first
    by canonical name) one of whose names is the text."""
    found = matching_actors(text, actors)
    return found[0] if found else None


# -- undoable registry changes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplaceActor:
    """Give an entry new details (rename, kind, aliases, knowledge-base id)."""

    actor: Actor


@dataclass(frozen=True, slots=True)
class MergeActors:
    """Merge actor ``source`` into ``target`` (see :func:`store.actors.merge_actors`)."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class UnmergeActors:
    """Undo a merge, as it was done."""

    merge: ActorMerge


RegistryChange = ReplaceActor | MergeActors | UnmergeActors


def change_registry(corpus: Corpus, change: RegistryChange) -> RegistryChange:
    """Apply ``change`` and return the change that undoes it.

    Raises:
        AnnotationError: the change does not apply (unknown actor, empty name...).
    """
    match change:
        case ReplaceActor(actor):
            problems = check_actor(actor)
            if problems:
                raise AnnotationError(problems[0])
            return ReplaceActor(registry_store.update_actor(corpus, actor))
        case MergeActors(source, target):
            return UnmergeActors(registry_store.merge_actors(corpus, source, target))
        case UnmergeActors(merge):
            registry_store.undo_merge(corpus, merge)
            return MergeActors(merge.source.id, merge.target.id)
    raise TypeError(f"not a registry change: {change!r}")


def renamed(actor: Actor, name: str) -> ReplaceActor:
    """The change that renames ``actor``, keeping its old name as an alias."""
    name = " ".join(name.split())
    aliases = actor.aliases if actor.name in actor.aliases else (*actor.aliases, actor.name)
    aliases = tuple(a for a in aliases if a != name)
    return ReplaceActor(replace(actor, name=name, aliases=aliases))


# -- who claims what --------------------------------------------------------------------------


@dataclass(slots=True)
class ActorClaims:
    """One actor's claims across the corpus, as the Actors view lists them."""

    actor: Actor
    claims: list[ClaimRecord] = field(default_factory=list)
    mentions: int = 0
    """Spans linked to the actor (claimants and entities alike)."""
    documents: list[str] = field(default_factory=list)
    """Documents where a span is linked to it, in corpus order."""

    @property
    def stances(self) -> Counter[str]:
        """Claims per stance toward the corpus target; ``""`` counts claims without one."""
        return Counter(record.stance or "" for record in self.claims)


def who_claims_what(
    corpus: Corpus, annotators: Sequence[str] | None = None, progress: Progress = no_progress
) -> list[ActorClaims]:
    """Every current actor with its claims, mentions and documents, over the sets of
    ``annotators`` (all but gold when None), by name."""
    entries = registry(corpus)
    found = {a.id: ActorClaims(a) for a in entries.values() if a.merged_into is None}
    layer = claim_layer_of(corpus.scheme)
    total = corpus.document_count()
    for number, doc in enumerate(corpus.documents(annotators=annotators), start=1):
        if number % 200 == 0 or number == total:
            progress(number, total, "documents")
        for aset in doc.annotations:
            if annotators is None and aset.annotator == GOLD:
                continue
            _gather(found, entries, doc, aset, layer)
    return sorted(found.values(), key=lambda c: c.actor.name.casefold())


def _gather(
    found: dict[str, ActorClaims],
    entries: dict[str, Actor],
    doc: Document,
    aset: AnnotationSet,
    layer: str | None,
) -> None:
    for actor_id in aset.actor_links.values():
        entry = found.get(resolve(actor_id, entries))
        if entry is not None:
            entry.mentions += 1
            if not entry.documents or entry.documents[-1] != doc.id:
                entry.documents.append(doc.id)
    if layer is None or not aset.actor_links:
        return
    for record in claim_records(doc, aset, layer, entries):
        if record.actor is not None and record.actor.id in found:
            found[record.actor.id].claims.append(record)
