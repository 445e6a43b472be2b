"""Native JSONL's actor keys (issue 23): ``annotations[].actor_links`` and ``actors``
are read, written, checked, and imported in the same transaction as the documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.formats import ReadOptions, jsonl
from annotator.services.importing import import_paths
from annotator.store.actors import actors
from annotator.store.corpus import Corpus

RECORD = {
    "id": "d1",
    "text": "TikTok affirme que tout va bien.",
    "annotations": [
        {
            "annotator": "alice",
            "spans": [{"id": "e1", "layer": "entity", "start": 0, "end": 6, "label": "ORG"}],
            "actor_links": {"e1": "a1"},
        }
    ],
    "actors": [{"id": "a1", "name": "TikTok", "aliases": ["la plateforme"], "kb_id": "Q1"}],
}


def write(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_links_and_entries_are_read(tmp_path: Path):
    (record,) = jsonl.read(write(tmp_path / "a.jsonl", RECORD), ReadOptions())
    assert record.document.annotations[0].actor_links == {"e1": "a1"}
    (actor,) = record.document.actors
    assert (actor.name, actor.aliases, actor.kb_id, actor.kind) == (
        "TikTok", ("la plateforme",), "Q1", "organisation",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actors": [{"id": "a1"}]}, "actors[0]: 'name' is missing"),
        ({"actors": [{"id": "a1", "name": "X", "kind": "company"}]}, "kind 'company'"),
        ({"actors": [{"id": "a1", "name": "X", "aliases": [1]}]}, "'aliases' must be a list"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_line(tmp_path: Path, change: dict, message: str):
    path = write(tmp_path / "a.jsonl", {"id": "d0", "text": "x"}, {**RECORD, **change})
    with pytest.raises(InputError) as error:
        list(jsonl.read(path, ReadOptions()))
    assert "line 2" in str(error.value) and message in str(error.value)


def test_malformed_links_are_refused(tmp_path: Path):
    annotations = [{**RECORD["annotations"][0], "actor_links": {"e1": 7}}]  # type: ignore[dict-item]
    with pytest.raises(InputError, match="actor_links"):
        list(
            jsonl.read(
                write(tmp_path / "a.jsonl", {**RECORD, "annotations": annotations}), ReadOptions()
            )
        )


def test_a_link_to_an_unknown_actor_refuses_the_import_whole(tmp_path: Path, corpus: Corpus):
    path = write(tmp_path / "a.jsonl", {**RECORD, "actors": []})
    with pytest.raises(InputError, match=r"a\.jsonl: document 'd1'.*actor 'a1'"):
        import_paths(corpus, [path])
    assert corpus.document_count() == 0 and actors(corpus) == {}


def test_an_id_already_in_the_registry_keeps_the_corpus_entry(tmp_path: Path, corpus: Corpus):
    import_paths(corpus, [write(tmp_path / "a.jsonl", RECORD)])
    renamed = {**RECORD, "id": "d2", "actors": [{"id": "a1", "name": "Other"}]}
    import_paths(corpus, [write(tmp_path / "b.jsonl", renamed)])
    assert actors(corpus)["a1"].name == "TikTok"
    assert corpus.annotation_set("d2", "alice").actor_links == {"e1": "a1"}
