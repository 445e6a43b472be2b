"""The actor registry on a team server (issue 23): every role reads it, an annotator's
role adds actors under its own name and links its own spans to them, only a lead
renames or merges; links follow the annotation sets' row-level security."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from annotator.core.actors import Actor
from annotator.core.edits import LinkActor
from annotator.core.errors import AnnotatorError
from annotator.services import actors as service
from annotator.store import actors as registry_store
from annotator.store.corpus import Corpus
from tests.server.test_row_security import Team, team  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("team")


@pytest.fixture
def registry(team: Team) -> Iterator[Team]:  # noqa: F811
    with Corpus.open(team.lead) as corpus:
        service.add_actor(corpus, "TikTok", "lead")
    yield team


def test_an_annotator_reads_the_registry_and_adds_actors_under_its_own_name(registry: Team):
    with Corpus.open(registry.alice) as corpus:
        assert [a.name for a in service.current_actors(corpus)] == ["TikTok"]
        added = service.add_actor(corpus, "Oracle", "alice")
        corpus.apply_edit("d1", "alice", LinkActor("e1", added.id))
        assert corpus.annotation_set("d1", "alice").actor_links == {"e1": added.id}
        with pytest.raises(AnnotatorError):
            service.add_actor(corpus, "Bytedance", "bob")  # not in another's name
    with Corpus.open(registry.bob) as corpus:
        assert {a.name for a in service.current_actors(corpus)} == {"TikTok", "Oracle"}
        # alice's link is as invisible to bob as her spans
        assert corpus.annotation_set("d1", "alice").actor_links == {}


def test_only_a_lead_renames_or_merges_actors(registry: Team):
    with Corpus.open(registry.alice) as corpus:
        oracle = service.add_actor(corpus, "Oracle", "alice")
        tiktok = next(a for a in service.current_actors(corpus) if a.name == "TikTok")
        with pytest.raises(AnnotatorError):
            service.change_registry(corpus, service.renamed(tiktok, "TikTok Inc."))
        with pytest.raises(AnnotatorError):
            service.change_registry(corpus, service.MergeActors(oracle.id, tiktok.id))
        assert service.registry(corpus)[tiktok.id].name == "TikTok"
    with Corpus.open(registry.lead) as corpus:
        service.change_registry(corpus, service.renamed(tiktok, "TikTok Inc."))
        undo = service.change_registry(corpus, service.MergeActors(oracle.id, tiktok.id))
        assert service.registry(corpus)[oracle.id].merged_into == tiktok.id
        service.change_registry(corpus, undo)
        assert service.registry(corpus)[oracle.id].merged_into is None
        assert service.registry(corpus)[tiktok.id].name == "TikTok Inc."


def test_a_forged_entry_is_refused_to_an_annotator(registry: Team):
    with Corpus.open(registry.alice) as corpus:
        forged = Actor("a0forged", "Forged", created_by="lead")
        with pytest.raises(AnnotatorError):
            registry_store.add_actor(corpus, forged)
        assert "a0forged" not in service.registry(corpus)
        assert replace(forged, created_by="alice") == registry_store.add_actor(
            corpus, replace(forged, created_by="alice")
        )
