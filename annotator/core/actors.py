"""Actors: who makes claims, as one registry per corpus (issue 23).

An :class:`Actor` is a registry entry that claimant and entity spans of any document
link to, so that "who claims what" reads across documents: «TikTok», «la plateforme»
and «un porte-parole de TikTok» may all be one actor. An actor's ``id`` is stable: it
is made once (``a`` + 12 hex digits of a UUID4, like span ids) and travels with work
packages and JSONL files. When the lead merges two actors, the one merged away stays in
the registry with ``merged_into`` naming the one kept, so that a link made elsewhere
to the old id (a package still out) still finds its actor.

The knowledge-base id (a Wikidata QID such as ``Q48938223``) is typed by the user;
nothing is looked up on the network.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

KINDS: Final = ("person", "organisation", "institution", "group", "anonymous")
"""The kinds of actor; ``anonymous`` is an unnamed source ("un porte-parole")."""


@dataclass(frozen=True, slots=True)
class Actor:
    """One entry of a corpus's actor registry."""

    id: str
    name: str
    kind: str = "organisation"
    aliases: tuple[str, ...] = ()
    kb_id: str | None = None
    created_by: str = ""
    """The annotator (or lead) who added it; packages bring annotators' additions back."""
    merged_into: str | None = None
    """The actor this one was merged into by the lead, or None for a current actor."""

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name, then the aliases."""
        return (self.name, *self.aliases)


def new_actor_id() -> str:
    """An actor id unique across processes and packages."""
    return "a" + uuid.uuid4().hex[:12]


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'"})
_SPACES = re.compile(r"\s+")


def name_key(text: str) -> str:
    """The form in which a span's text and an actor's names are compared: NFC, case
    folded, typographic apostrophes as ``'``, runs of white space (NBSP included) as
    one space, without surrounding spaces and punctuation."""
    folded = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).casefold()
    return _SPACES.sub(" ", folded).strip(" .,;:!?«»\"'()")


def check_actor(actor: Actor) -> list[str]:
    """What is wrong with an entry (empty when it may be stored)."""
    problems = []
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", actor.id):
        problems.append(f"actor id {actor.id!r} is not an id (letters, digits, _.:-)")
    if not actor.name.strip():
        problems.append(f"actor {actor.id!r} has no name")
    if actor.kind not in KINDS:
        problems.append(f"actor {actor.id!r}: kind {actor.kind!r} is not one of {', '.join(KINDS)}")
    if any(not alias.strip() for alias in actor.aliases):
        problems.append(f"actor {actor.id!r} has an empty alias")
    return problems


def resolve(actor_id: str, registry: Mapping[str, Actor]) -> str:
    """The current actor an id stands for, following merges (a cycle stops at its start)."""
    seen = {actor_id}
    current = registry.get(actor_id)
    while current is not None and current.merged_into is not None:
        if current.merged_into in seen:
            break
        seen.add(current.merged_into)
        actor_id = current.merged_into
        current = registry.get(actor_id)
    return actor_id


def matching_actors(text: str, registry: Iterable[Actor]) -> list[Actor]:
    """Current actors one of whose names is ``text`` (compared by :func:`name_key`),
    canonical-name matches first: what a span of that text may be linked to."""
    key = name_key(text)
    if not key:
        return []
    by_name, by_alias = [], []
    for actor in registry:
        if actor.merged_into is not None:
            continue
        if name_key(actor.name) == key:
            by_name.append(actor)
        elif any(name_key(alias) == key for alias in actor.aliases):
            by_alias.append(actor)
    return sorted(by_name, key=lambda a: a.name) + sorted(by_alias, key=lambda a: a.name)


def search_actors(query: str, registry: Iterable[Actor], limit: int = 50) -> list[Actor]:
    """Current actors for type-ahead: names or aliases starting with ``query`` first,
    then those containing it, each group by name."""
    key = name_key(query)
    starts, contains = [], []
    for actor in registry:
        if actor.merged_into is not None:
            continue
        keys = [name_key(name) for name in actor.names]
        if not key or any(k.startswith(key) for k in keys):
            starts.append(actor)
        elif any(key in k for k in keys):
            contains.append(actor)
    ordered = sorted(starts, key=lambda a: name_key(a.name))
    ordered += sorted(contains, key=lambda a: name_key(a.name))
    return ordered[:limit]


def guess_kind(label: str | None) -> str:
    """The kind a new actor made from an entity span of ``label`` most likely has."""
    return {"PER": "person", "ORG": "organisation", "LOC": "institution"}.get(
        label or "", "organisation"
    )


def actor_to_json(actor: Actor) -> dict[str, Any]:
    """A registry entry as the native JSONL's ``actors`` items (and DocBin ``user_data``)
    hold it."""
    item: dict[str, Any] = {"id": actor.id, "name": actor.name, "kind": actor.kind}
    if actor.aliases:
        item["aliases"] = list(actor.aliases)
    if actor.kb_id:
        item["kb_id"] = actor.kb_id
    if actor.created_by:
        item["created_by"] = actor.created_by
    if actor.merged_into:
        item["merged_into"] = actor.merged_into
    return item
