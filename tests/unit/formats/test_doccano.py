"""doccano JSONL in its three shapes: real exports, round trip and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.core.errors import InputError
from annotator.services.corpora import default_scheme
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import corpus_state
from tests.unit.formats.interchange_samples import (
    REAL,
    accepted,
    label_counts,
    read,
    relation_keys,
    sample_corpus,
    sample_corpus_path,
    span_keys,
    totals,
)

DOCCANO = REAL / "doccano"
TEXT_LABEL = DOCCANO / "doccano-transformer_labeling_text_label.jsonl"
MULTIUSER = DOCCANO / "doccano-transformer_labeling_multiuser.jsonl"
RELATIONS = DOCCANO / "doccano_relation_extraction_example.jsonl"


def test_labels_shape_gives_every_span_in_the_entity_layer_of_the_default_scheme(
    tmp_path: Path,
) -> None:
    docs, _ = read("doccano", TEXT_LABEL, scheme=default_scheme(), annotator="ana")

    assert totals(docs) == (2, 11, 0)
    assert [d.id for d in docs] == ["2578", "2580"]
    assert label_counts(docs) == {"LOC": 6, "PER": 4, "ORG": 1}
    first = docs[0].annotations[0]
    assert first.annotator == "ana" and {s.layer for s in first.spans} == {"entity"}
    assert [docs[0].text[s.start : s.end] for s in first.spans][:2] == ["JAPAN", "CHINA"]
    assert docs[0].meta == {"annotation_approver": None, "lang": "fr"}  # the corpus's

    with Corpus.create(tmp_path / "c.annotator", default_scheme()) as corpus:
        (item,) = import_paths(corpus, [TEXT_LABEL]).files
    assert (item.format, item.documents, item.spans) == ("doccano", 2, 11)


def test_multi_user_shape_gives_one_set_per_user_with_numbered_labels() -> None:
    docs, _ = read("doccano", MULTIUSER)

    assert totals(docs) == (2, 16, 0)
    first, second = docs
    assert [a.annotator for a in first.annotations] == ["doccano-user-1", "doccano-user-2"]
    assert [a.annotator for a in second.annotations] == ["doccano-user-2"]
    one, two = first.annotations
    assert len(one.spans) == 5 and span_keys(one) == span_keys(two)
    assert [len(a.spans) for a in second.annotations] == [6]
    assert label_counts(docs) == {"label-12": 9, "label-13": 6, "label-14": 1}
    distinct = {
        (d.id, s.start, s.end, s.label) for d in docs for a in d.annotations for s in a.spans
    }
    assert len(distinct) == 11


def test_multi_user_spans_are_those_of_the_labels_shape() -> None:
    named, _ = read("doccano", TEXT_LABEL)
    numbered, _ = read("doccano", MULTIUSER)

    for by_name, by_number in zip(named, numbered, strict=True):
        assert by_name.text == by_number.text
        offsets = {(s.start, s.end) for s in by_name.annotations[0].spans}
        assert {(s.start, s.end) for s in by_number.annotations[-1].spans} == offsets


def test_relation_shape_gives_entities_and_relations_by_entity_id() -> None:
    (doc,), _ = read("doccano", RELATIONS)

    (aset,) = doc.annotations
    assert [(s.id, s.label, doc.text[s.start : s.end]) for s in aset.spans] == [
        ("0", "ORG", "Google"),
        ("1", "DATE", "September 4, 1998"),
        ("2", "PERSON", "Larry Page"),
        ("3", "PERSON", "Sergey Brin"),
    ]
    assert [(r.head, r.child, r.label) for r in aset.relations] == [
        ("0", "1", "foundedAt"),
        ("0", "2", "foundedBy"),
        ("0", "3", "foundedBy"),
    ]
    assert doc.id.startswith("doc-")


def test_a_label_list_of_names_is_a_classification_answer(tmp_path: Path) -> None:
    path = tmp_path / "cls.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "Bof.", "label": ["AGAINST"]}) + "\n", "utf-8")

    (doc,), _ = read("doccano", path, scheme=default_scheme())

    assert doc.annotations[0].doc_labels == {"stance": "AGAINST"}


def test_a_line_without_annotations_is_a_document_to_annotate(tmp_path: Path) -> None:
    path = tmp_path / "raw.jsonl"
    path.write_text(json.dumps({"id": 9, "text": "Rien.", "labels": []}) + "\n", "utf-8")

    (doc,), _ = read("doccano", path)

    assert doc.annotations == []


def test_round_trip_keeps_spans_and_relations_and_says_what_doccano_cannot_hold(
    tmp_path: Path,
) -> None:
    with sample_corpus(tmp_path) as corpus:
        out = tmp_path / "alice.jsonl"
        report = export(corpus, out, format="doccano", source="alice")
        original = corpus.document("unicode-1").annotation_set("alice")
        assert original is not None

    assert report.left_out == {
        "suggested spans (export them with --include-suggestions)": 1,
        "relations to suggested spans": 1,
        "spans' attributes (doccano has none)": 2,
    }
    line = json.loads(out.read_text("utf-8").splitlines()[0])
    assert sorted(line) == ["cats", "entities", "id", "meta", "relations", "text"]
    with Corpus.create(tmp_path / "back.annotator", default_scheme()) as back:
        import_paths(back, [out], annotator="alice")
        doc = back.document("unicode-1")
    (aset,) = doc.annotations
    assert span_keys(aset, with_attrs=False) == span_keys(accepted(original), with_attrs=False)
    assert relation_keys(aset) == relation_keys(accepted(original))
    assert aset.doc_labels == original.doc_labels  # the answers, as cats
    assert doc.meta["source"] == "AFP"


GOOD = {
    "id": 1,
    "text": "Apple et Google",
    "entities": [
        {"id": 1, "start_offset": 0, "end_offset": 5, "label": "ORG"},
        {"id": 2, "start_offset": 9, "end_offset": 15, "label": "ORG"},
    ],
    "relations": [],
}

BAD_LINES: dict[str, tuple[dict[str, object] | str, str]] = {
    "truncated JSON": (json.dumps(GOOD)[:-5], "invalid or truncated JSON"),
    "relation to a missing entity": (
        {**GOOD, "relations": [{"from_id": 1, "to_id": 7, "type": "near"}]},
        "relations[0]: no entity has the id '7'",
    ),
    "inverted offsets": (
        {**GOOD, "labels": [[5, 0, "ORG"]]},
        "labels[0]: offsets 5-0 are not a non-empty part of the text",
    ),
    "label that is not a name": ({**GOOD, "label": [[0, 5, 3.5]]}, "the label must be a name"),
    "annotation without user": (
        {"text": "Apple", "annotations": [{"label": 1, "start_offset": 0, "end_offset": 5}]},
        "annotations[0]: an annotation needs the 'user'",
    ),
    "entity id used twice": (
        {**GOOD, "entities": [GOOD["entities"][0]] * 2},  # type: ignore[index]
        "the id '1' is used twice",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_bad_input_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    line, reason = BAD_LINES[case]
    bad = tmp_path / "bad.jsonl"
    second = line if isinstance(line, str) else json.dumps(line)
    bad.write_text(json.dumps({**GOOD, "id": "ok"}) + "\n" + second + "\n", "utf-8")
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [bad], format="doccano")

    assert str(caught.value).startswith(f"{bad}, line 2: ")
    assert reason in str(caught.value)
    assert corpus_state(location) == before


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path


def test_cats_are_document_answers_not_meta(tmp_path: Path) -> None:
    # An intent-detection export: entities and the intent as cats.
    path = write_lines(
        tmp_path / "intents.jsonl",
        [
            {
                "id": 1,
                "text": "Réserve un vol pour Paris",
                "entities": [[20, 25, "LOC"]],
                "cats": ["book_flight"],
            },
            {"id": 2, "text": "Quel temps fait-il ?", "entities": [], "cats": ["weather"]},
            {"id": 3, "text": "Bonjour", "cats": {"greeting": 1.0, "weather": 0.0}},
        ],
    )

    docs, _ = read("doccano", path, annotator="ana")

    assert [a.doc_labels for d in docs for a in d.annotations] == [
        {"choice": "book_flight"},
        {"choice": "weather"},
        {"choice": "greeting"},
    ]
    assert [len(a.spans) for a in docs[0].annotations] == [1]
    assert all("cats" not in d.meta for d in docs)


def test_label_and_user_names_of_a_1x_export_are_kept(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "named.jsonl",
        [
            {
                "id": 7,
                "text": "Emmanuel Macron à Paris",
                "annotations": [
                    {
                        "label": 3,
                        "label_name": "PER",
                        "start_offset": 0,
                        "end_offset": 15,
                        "user": 1,
                        "user_name": "alice",
                    },
                    {
                        "label": 4,
                        "label_name": "LOC",
                        "start_offset": 18,
                        "end_offset": 23,
                        "user": 2,
                        "user_name": "bob",
                    },
                ],
            }
        ],
    )

    (doc,), _ = read("doccano", path)

    assert [(a.annotator, [s.label for s in a.spans]) for a in doc.annotations] == [
        ("alice", ["PER"]),
        ("bob", ["LOC"]),
    ]


def test_lines_without_an_id_are_separate_documents_even_with_the_same_text(
    tmp_path: Path,
) -> None:
    path = write_lines(
        tmp_path / "twice.jsonl",
        [
            {"text": "Paris", "label": [[0, 5, "LOC"]]},
            {"text": "Paris", "label": [[0, 5, "ORG"]]},
        ],
    )

    with Corpus.create(tmp_path / "c.annotator", default_scheme()) as corpus:
        (item,) = import_paths(corpus, [path], annotator="ana").files
        assert item.documents == 2
        labels = sorted(s.label for d in corpus.documents() for a in d.annotations for s in a.spans)
    assert labels == ["LOC", "ORG"]


def test_overlapping_spans_under_extend_scheme_go_to_a_layer_that_allows_them(
    tmp_path: Path,
) -> None:
    path = write_lines(
        tmp_path / "nested.jsonl",
        [{"id": 1, "text": "Université de Paris", "label": [[0, 19, "ORG"], [14, 19, "LOC"]]}],
    )

    with Corpus.create(tmp_path / "c.annotator", default_scheme()) as corpus:
        with pytest.raises(InputError, match="overlap"):
            import_paths(corpus, [path], annotator="ana")
        (item,) = import_paths(corpus, [path], annotator="ana", extend_scheme=True).files

        spans = corpus.annotation_set("1", "ana").spans
        layer = corpus.scheme.layer("entity_overlapping")
    assert sorted((s.layer, s.label) for s in spans) == [
        ("entity", "ORG"),
        ("entity_overlapping", "LOC"),
    ]
    assert layer is not None and layer.overlap
    assert any("1 spans overlap" in w and "'entity_overlapping'" in w for w in item.warnings)
