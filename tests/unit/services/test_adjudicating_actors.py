"""Adjudication of actor links (issue 23): the actor a claimant is linked to is an item of
its own, agreed only when every annotator links the same actor (followed through the
lead's merges); gold never takes one annotator's link where the others differ."""

from __future__ import annotations

from dataclasses import replace

import pytest

from annotator.core.actors import Actor
from annotator.core.model import AnnotationSet, Document
from annotator.services.adjudicating import auto_adjudicate, decide_item, gold_of
from annotator.services.review import items
from annotator.store.actors import add_actor, merge_actors
from annotator.store.adjudication import decide
from annotator.store.corpus import Corpus
from tests.unit.services.test_adjudicating import TEXT, alice, at, bob

MACRON = at("Emmanuel Macron")
ACTOR_KEY = f"actor:entity:{MACRON[0]}-{MACRON[1]}"


@pytest.fixture
def registry(corpus: Corpus) -> Corpus:
    for actor in (
        Actor("act-macron", "Emmanuel Macron", "person"),
        Actor("act-elysee", "L'Élysée", "institution"),
        Actor("act-twin", "E. Macron", "person"),
    ):
        add_actor(corpus, actor)
    return corpus


def linked(aset: AnnotationSet, span_id: str, actor_id: str | None) -> AnnotationSet:
    return replace(aset, actor_links={span_id: actor_id} if actor_id else {})


def add(corpus: Corpus, alice_actor: str | None, bob_actor: str | None) -> None:
    corpus.add_documents(
        [
            Document(
                "d", TEXT, {}, [linked(alice(), "a1", alice_actor), linked(bob(), "b1", bob_actor)]
            )
        ]
    )


def macron_link(corpus: Corpus) -> str | None:
    gold = gold_of(corpus.document("d"))
    span = next(s for s in gold.spans if (s.start, s.end) == MACRON)
    return gold.actor_links.get(span.id)


def test_the_same_actor_on_both_sides_is_agreed_and_copied(registry: Corpus) -> None:
    add(registry, "act-macron", "act-macron")
    found = {i.key: i for i in items(registry.document("d"), registry.scheme)}
    assert found[ACTOR_KEY].agreed
    report = auto_adjudicate(registry)
    assert report.actors == 1
    assert macron_link(registry) == "act-macron"


def test_different_actors_are_a_disagreement_for_the_lead(registry: Corpus) -> None:
    add(registry, "act-macron", "act-elysee")
    report = auto_adjudicate(registry)
    assert macron_link(registry) is None  # the span is agreed; its actor is not
    assert report.actors == 0
    found = {
        i.key: i for i in items(registry.document("d"), registry.scheme, registry_of(registry))
    }
    item = found[ACTOR_KEY]
    assert item.what() == "actor"
    shown = {v.annotators: v.describe(TEXT) for v in item.versions}
    assert shown == {
        ("alice",): "Emmanuel Macron (person)",
        ("bob",): "L'Élysée (institution)",
    }
    bobs = next(v for v in item.versions if v.annotators == ("bob",))
    inverse, previous = decide_item(registry, "d", item, bobs, "guideline", "lead")
    assert macron_link(registry) == "act-elysee"
    decide(registry, "d", previous, inverse)  # undone: no link again
    assert macron_link(registry) is None


def test_a_link_on_one_side_only_is_not_taken_silently(registry: Corpus) -> None:
    add(registry, "act-macron", None)
    auto_adjudicate(registry)
    assert macron_link(registry) is None
    found = {i.key: i for i in items(registry.document("d"), registry.scheme)}
    assert not found[ACTOR_KEY].agreed
    span_item = found[f"span:entity:{MACRON[0]}-{MACRON[1]}"]
    # Taking the (agreed) span by hand does not bring alice's link along either.
    decide_item(registry, "d", span_item, span_item.versions[0], "guideline", "lead")
    assert macron_link(registry) is None


def test_an_actor_merged_into_another_counts_as_that_one(registry: Corpus) -> None:
    add(registry, "act-macron", "act-elysee")
    merge_actors(registry, "act-elysee", "act-macron")  # the lead: they are one actor
    report = auto_adjudicate(registry)
    assert report.actors == 1
    assert macron_link(registry) == "act-macron"


def registry_of(corpus: Corpus) -> dict[str, Actor]:
    from annotator.store.actors import actors

    return actors(corpus)
