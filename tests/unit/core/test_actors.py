"""The actor registry's pure parts: name matching for suggestions and type-ahead,
following merges, and linking spans as undoable edits (issue 23)."""

from __future__ import annotations

import pytest

from annotator.core.actors import Actor, check_actor, matching_actors, resolve, search_actors
from annotator.core.edits import AddSpan, Compound, LinkActor, RemoveSpan, apply
from annotator.core.errors import AnnotationError
from annotator.core.model import AnnotationSet, Relation, Span

TIKTOK = Actor("a1", "TikTok", aliases=("la plateforme", "l’application"))
ORACLE = Actor("a2", "Oracle")
OLD = Actor("a3", "Tiktok", merged_into="a1")


def test_a_span_text_matches_names_and_aliases_whatever_the_case_apostrophe_and_spaces():
    registry = [TIKTOK, ORACLE, OLD]
    assert matching_actors("tiktok", registry) == [TIKTOK]  # the merged-away one is not offered
    assert matching_actors("La\u00a0plateforme", registry) == [TIKTOK]
    assert matching_actors("l'application", registry) == [TIKTOK]
    assert matching_actors("Bytedance", registry) == []


def test_type_ahead_puts_names_starting_with_the_query_before_those_containing_it():
    registry = [Actor("b", "Bytedance"), Actor("c", "La Tribune de ByteDance"), TIKTOK]
    assert [a.id for a in search_actors("byte", registry)] == ["b", "c"]
    assert [a.id for a in search_actors("plat", registry)] == ["a1"]  # by alias
    assert [a.id for a in search_actors("", registry)] == ["b", "c", "a1"]


def test_a_merged_id_resolves_to_the_actor_kept_and_a_cycle_ends():
    registry = {a.id: a for a in (TIKTOK, OLD)}
    assert resolve("a3", registry) == "a1"
    assert resolve("a9", registry) == "a9"
    loop = {"x": Actor("x", "X", merged_into="y"), "y": Actor("y", "Y", merged_into="x")}
    assert resolve("x", loop) in ("x", "y")


def test_an_entry_needs_an_id_a_name_and_a_known_kind():
    assert check_actor(TIKTOK) == []
    assert check_actor(Actor("a b", "X"))
    assert check_actor(Actor("a", " "))
    assert check_actor(Actor("a", "X", kind="company"))


def test_linking_is_undone_and_removing_a_span_takes_its_link_along_and_back():
    aset = AnnotationSet(
        "alice",
        spans=[Span("c", "claim", 10, 20, "CLAIM"), Span("e", "entity", 0, 6, "ORG")],
        relations=[Relation("c", "e", "CLAIMANT")],
    )
    undo_link = apply(aset, LinkActor("e", "a1"))
    assert aset.actor_links == {"e": "a1"} and undo_link == LinkActor("e", None)
    undo_remove = apply(aset, RemoveSpan("e"))
    assert aset.actor_links == {} and isinstance(undo_remove, Compound)
    apply(aset, undo_remove)
    assert aset.actor_links == {"e": "a1"} and aset.relations == [Relation("c", "e", "CLAIMANT")]
    apply(aset, undo_link)
    assert aset.actor_links == {}
    with pytest.raises(AnnotationError):
        apply(aset, LinkActor("nope", "a1"))
    assert isinstance(apply(aset, RemoveSpan("e")), AddSpan)  # no link: as before
