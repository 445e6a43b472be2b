"""Label Studio JSON: a list of tasks with annotations (labels, relations, choices).

No Label Studio text export with relations under a permissive license was found (see
formats-real/SOURCES.md), so the sample follows the task format of Label Studio's
documentation: ``id``, ``data``, ``annotations[].result[]``, ``completed_by``,
``was_cancelled``, ``predictions``.
"""

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
    accepted,
    read,
    relation_keys,
    sample_corpus,
    sample_corpus_path,
    span_keys,
)

TEXT = "Selon Jean Dupont 👩‍💻, TikTok protège les données."


def region(region_id: str, start: int, end: int, label: str, **extra: Any) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]}
    return {
        "id": region_id,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": value,
        **extra,
    }


def task(annotations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "data": {"text": TEXT},
        "annotations": annotations,
        "project": 3,
        "created_at": "2024-03-09T21:52:49.513742Z",
        **extra,
    }


def annotation(result: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": 1001,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 4.2,
        "task": 7,
        "completed_by": 10,
        **extra,
    }


def write(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2), "utf-8")
    return path


PER = region("r1", 6, 17, "PER")
ORG = region("r2", 23, 29, "ORG")
CLAIM = region("r3", 23, 50, "CLAIM", from_name="claim")


def test_a_task_gives_spans_relations_answers_and_region_attributes(tmp_path: Path) -> None:
    result = [
        PER,
        ORG,
        CLAIM,
        {
            "from_id": "r3",
            "to_id": "r1",
            "type": "relation",
            "direction": "right",
            "labels": ["CLAIMANT"],
        },
        {
            "id": "r3",
            "from_name": "stance",
            "to_name": "text",
            "type": "choices",
            "value": {"start": 23, "end": 50, "text": TEXT[23:50], "choices": ["FAVOR"]},
        },
        {
            "id": "q",
            "from_name": "stance",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["NONE"]},
        },
    ]
    path = write(tmp_path / "export.json", [task([annotation(result)])])

    (doc,), warnings = read("labelstudio", path, scheme=default_scheme())

    (aset,) = doc.annotations
    assert (aset.annotator, aset.status) == ("labelstudio-user-10", "done")
    assert span_keys(aset) == [
        ("claim", "CLAIM", 23, 50, (("stance", "FAVOR"),)),
        ("entity", "ORG", 23, 29, ()),
        ("entity", "PER", 6, 17, ()),
    ]
    assert relation_keys(aset) == [
        (("claim", "CLAIM", 23, 50), ("entity", "PER", 6, 17), "CLAIMANT")
    ]
    assert aset.doc_labels == {"stance": "NONE"}
    assert doc.id.startswith("doc-") and doc.meta == {"labelstudio_task": 7, "lang": "fr"}
    assert warnings == []


def test_each_annotation_is_a_set_named_after_its_annotator(tmp_path: Path) -> None:
    annotations = [
        annotation([PER], completed_by={"id": 1, "email": "ana@example.org"}),
        annotation([ORG], completed_by=2, created_username="bob@example.org, 2"),
        annotation([PER], completed_by=3),
        annotation([ORG], completed_by=4, was_cancelled=True),
    ]
    path = write(tmp_path / "export.json", [task(annotations, predictions=[{"result": [ORG]}])])

    (doc,), warnings = read("labelstudio", path)

    assert [a.annotator for a in doc.annotations] == [
        "ana@example.org",
        "bob@example.org",
        "labelstudio-user-3",
        "labelstudio",  # the prediction's suggestions, for whoever imports them to review
    ]
    assert any("cancelled annotations not imported (tasks at lines 2)" in w for w in warnings)
    assert not any("predictions" in w for w in warnings)


def test_relations_follow_their_direction_and_may_have_no_label(tmp_path: Path) -> None:
    result = [
        PER,
        ORG,
        {
            "from_id": "r1",
            "to_id": "r2",
            "type": "relation",
            "direction": "left",
            "labels": ["WORKS_FOR", "KNOWS"],
        },
        {"from_id": "r1", "to_id": "r2", "type": "relation", "direction": "right"},
    ]
    path = write(tmp_path / "export.json", [task([annotation(result)])])

    (doc,), _ = read("labelstudio", path)

    relations = [(r.head, r.child, r.label) for r in doc.annotations[0].relations]
    assert relations == [("r2", "r1", "WORKS_FOR"), ("r2", "r1", "KNOWS"), ("r1", "r2", "related")]


def test_utf16_offsets_of_old_exports_are_converted_with_a_warning(tmp_path: Path) -> None:
    start = TEXT.index("TikTok")
    utf16 = len(TEXT[:start].encode("utf-16-le")) // 2
    old = region("r1", utf16, utf16 + 6, "ORG")
    old["value"]["text"] = "TikTok"
    path = write(tmp_path / "export.json", [task([annotation([old])])])

    (doc,), warnings = read("labelstudio", path)

    (span,) = doc.annotations[0].spans
    assert utf16 != start and (span.start, span.end) == (start, start + 6)
    assert warnings and "offsets read as UTF-16 code units" in warnings[0]


def test_other_result_types_are_left_out_with_a_warning(tmp_path: Path) -> None:
    rating = {
        "id": "x",
        "from_name": "rating",
        "to_name": "text",
        "type": "rating",
        "value": {"rating": 4},
    }
    path = write(tmp_path / "export.json", [task([annotation([PER, rating])])])

    (doc,), warnings = read("labelstudio", path)

    assert len(doc.annotations[0].spans) == 1
    assert warnings and "1 results of type 'rating' left out" in warnings[0]


def test_round_trip_of_every_annotator_is_lossless_but_for_suggestions(tmp_path: Path) -> None:
    with sample_corpus(tmp_path) as corpus:
        out = tmp_path / "export.json"
        report = export(corpus, out, format="labelstudio", source="all")
        originals = {d.id: d for d in corpus.documents()}

    assert report.documents == 3
    assert report.left_out == {
        "suggested spans (export them with --include-suggestions)": 1,
        "relations to suggested spans": 1,
    }
    with Corpus.create(tmp_path / "back.annotator", default_scheme()) as back:
        (item,) = import_paths(back, [out]).files
        assert item.format == "labelstudio"
        docs = {d.id: d for d in back.documents()}
    assert docs.keys() == originals.keys()
    for doc_id, doc in docs.items():
        original = originals[doc_id]
        # Label Studio has no language field: the import records the corpus's.
        assert (doc.text, doc.meta) == (original.text, {**original.meta, "lang": "fr"})
        assert [a.annotator for a in doc.annotations] == [a.annotator for a in original.annotations]
        for aset, before in zip(doc.annotations, original.annotations, strict=True):
            expected = accepted(before)
            assert span_keys(aset) == span_keys(expected)
            assert relation_keys(aset) == relation_keys(expected)
            assert aset.doc_labels == expected.doc_labels


BAD_TASKS: dict[str, tuple[str, int, str]] = {
    "truncated JSON": (
        '[{"data": {"text": "ok"}},\n {"data": {"text": "x"',
        2,
        "invalid or truncated",
    ),
    "no text": ('[{"data": {"text": "ok"}},\n {"data": {"a": 1, "b": 2}}]', 2, "has no 'text'"),
    "region text that matches nothing": (
        json.dumps([{"data": {"text": "ok"}}]).rstrip("]")
        + ",\n"
        + json.dumps(task([annotation([{**PER, "value": {**PER["value"], "text": "Paul"}}])]))
        + "]",
        2,
        "the region's text 'Paul' is not the text at 6-17",
    ),
    "relation to a missing region": (
        json.dumps([{"data": {"text": "ok"}}]).rstrip("]")
        + ",\n"
        + json.dumps(
            task([annotation([PER, {"from_id": "r1", "to_id": "zz", "type": "relation"}])])
        )
        + "]",
        2,
        "the relation joins 'r1' and 'zz', which are not regions",
    ),
    "rich-text region": (
        json.dumps([{"data": {"text": "ok"}}]).rstrip("]")
        + ",\n"
        + json.dumps(
            task(
                [
                    annotation(
                        [{**PER, "value": {"start": "/p[1]", "end": "/p[1]", "labels": ["PER"]}}]
                    )
                ]
            )
        )
        + "]",
        2,
        "only regions of plain text",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TASKS))
def test_bad_input_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    content, line, reason = BAD_TASKS[case]
    bad = tmp_path / "bad.json"
    bad.write_text(content, "utf-8")
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [bad], format="labelstudio")

    assert str(caught.value).startswith(f"{bad}, line {line}: ")
    assert reason in str(caught.value)
    assert corpus_state(location) == before


def test_a_label_no_scheme_can_name_is_refused_even_when_extending_and_the_corpus_opens(
    tmp_path: Path,
) -> None:
    spaced = region("r1", 6, 17, "Named Entity")
    path = write(tmp_path / "export.json", [task([annotation([spaced])])])
    location = sample_corpus_path(tmp_path)
    before = corpus_state(location)

    with Corpus.open(location) as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [path], extend_scheme=True)

    assert str(caught.value).startswith(f"{path}: ")
    assert "label name 'Named Entity' is not usable" in str(caught.value)
    assert corpus_state(location) == before  # and it still opens


def test_several_annotations_without_an_annotator_are_distinct_annotators(tmp_path: Path) -> None:
    anonymous = [
        {k: v for k, v in annotation([PER], id=21).items() if k != "completed_by"},
        {k: v for k, v in annotation([ORG], id=22).items() if k != "completed_by"},
        annotation([PER], id=23, completed_by=5),
        annotation([ORG], id=24, completed_by=5),
    ]
    path = write(tmp_path / "export.json", [task(anonymous)])

    (doc,), _ = read("labelstudio", path)

    assert [a.annotator for a in doc.annotations] == [
        "labelstudio-annotation-21",
        "labelstudio-annotation-22",
        "labelstudio-user-5-annotation-23",
        "labelstudio-user-5-annotation-24",
    ]
    assert [[s.label for s in a.spans] for a in doc.annotations] == [
        ["PER"], ["ORG"], ["PER"], ["ORG"],
    ]  # fmt: skip


def test_predictions_become_suggestions_of_their_model(tmp_path: Path) -> None:
    link = {"from_id": "r1", "to_id": "r2", "type": "relation", "labels": ["WORKS_FOR"]}
    prediction = {"model_version": "ner-v2", "score": 0.8, "result": [PER, ORG, link]}
    path = write(
        tmp_path / "export.json",
        [task([annotation([PER], completed_by=None)], predictions=[prediction])],
    )

    (doc,), warnings = read("labelstudio", path, annotator="ana")

    (aset,) = doc.annotations
    assert aset.annotator == "ana"
    assert [(s.label, s.state, s.origin) for s in aset.spans] == [
        ("PER", "accepted", "import"),  # the prediction's PER is the annotation's
        ("ORG", "suggested", "model:ner-v2"),
    ]
    assert [(r.label, aset.span(r.child).label) for r in aset.relations] == [  # type: ignore[union-attr]
        ("WORKS_FOR", "ORG")
    ]
    assert warnings == []


def test_suggestions_are_written_as_predictions_and_read_back_as_suggestions(
    tmp_path: Path,
) -> None:
    with sample_corpus(tmp_path) as corpus:
        out = tmp_path / "export.json"
        export(corpus, out, format="labelstudio", source="all", include_suggestions=True)
        before = sorted(
            (s.label, s.origin)
            for d in corpus.documents()
            for a in d.annotations
            for s in a.spans
            if s.suggested
        )

    tasks = json.loads(out.read_text("utf-8"))
    assert sum(len(t.get("predictions", [])) for t in tasks) == 1
    docs, _ = read("labelstudio", out)
    after = sorted(
        (s.label, s.origin) for d in docs for a in d.annotations for s in a.spans if s.suggested
    )
    assert after == before and after


def test_a_task_with_only_predictions_is_work_to_do_not_done_work(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", [task([], predictions=[{"result": [PER]}])])

    (doc,), _ = read("labelstudio", path)

    (aset,) = doc.annotations
    assert aset.status == "todo"  # a done set would train "no entity" where PER is
    assert [(s.label, s.state) for s in aset.spans] == [("PER", "suggested")]


def test_prediction_ids_that_clash_with_renamed_ones_still_get_their_own(tmp_path: Path) -> None:
    # The annotation holds "r1" and "p3-r1" (the name a clash with two ids taken gets);
    # the prediction's own "r1" must then move on to a free name, not loop.
    taken = region("p3-r1", 23, 29, "ORG")
    other = region("r1", 6, 17, "ORG")
    path = write(
        tmp_path / "export.json",
        [task([annotation([PER, taken], completed_by=None)], predictions=[{"result": [other]}])],
    )

    (doc,), _ = read("labelstudio", path, annotator="ana")

    ids = [s.id for s in doc.annotations[0].spans]
    assert len(ids) == len(set(ids)) == 3
