"""Exporting: the native JSONL round trip is exact; ``--from`` follows DESIGN §7."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.errors import AnnotatorError
from annotator.services.corpora import init_corpus
from annotator.services.exporting import export, resolve_source
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import (
    INTENDED,
    TEXT,
    read_jsonl,
    sample_records,
    without_suggestions,
    write_jsonl,
)


@pytest.fixture
def filled(tmp_path: Path, corpus: Corpus) -> Corpus:
    import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
    return corpus


def test_export_gives_back_what_was_imported_without_suggestions(
    tmp_path: Path, filled: Corpus
) -> None:
    out = tmp_path / "out.jsonl"

    report = export(filled, out)

    assert read_jsonl(out) == [without_suggestions(r) for r in sample_records()]
    assert (report.documents, report.spans) == (3, 12)


def test_include_suggestions_gives_back_exactly_what_was_imported(
    tmp_path: Path, filled: Corpus
) -> None:
    out = tmp_path / "out.jsonl"

    export(filled, out, include_suggestions=True)

    assert read_jsonl(out) == sample_records()


def test_offsets_still_cover_the_intended_text_after_the_round_trip(
    tmp_path: Path, filled: Corpus
) -> None:
    out = tmp_path / "out.jsonl"
    export(filled, out, include_suggestions=True)

    record = read_jsonl(out)[0]
    assert record["text"] == TEXT
    covered = {
        s["id"]: record["text"][s["start"] : s["end"]]
        for aset in record["annotations"]
        for s in aset["spans"]
    }
    assert covered == INTENDED


def test_an_export_imported_into_a_new_corpus_exports_to_the_same_bytes(
    tmp_path: Path, filled: Corpus
) -> None:
    first = tmp_path / "first.jsonl"
    export(filled, first, include_suggestions=True)

    with init_corpus(tmp_path / "second.annotator") as second:
        import_paths(second, [first])
        again = tmp_path / "again.jsonl"
        export(second, again, include_suggestions=True)

    assert again.read_bytes() == first.read_bytes()


def test_from_one_annotator_exports_only_their_sets_on_the_documents_they_annotated(
    tmp_path: Path, filled: Corpus
) -> None:
    out = tmp_path / "bob.jsonl"

    export(filled, out, source="bob")

    (record,) = read_jsonl(out)
    assert record["id"] == "unicode-1"
    assert [a["annotator"] for a in record["annotations"]] == ["bob"]


def test_the_default_source_is_all_for_jsonl_and_gold_when_there_is_gold(filled: Corpus) -> None:
    assert resolve_source(filled, "jsonl", None) == "all"
    assert resolve_source(filled, "conll", None) == "gold"


def test_the_default_source_is_the_only_annotator_or_an_error_listing_them(
    tmp_path: Path, corpus: Corpus
) -> None:
    with pytest.raises(AnnotatorError, match="no annotations to export yet"):
        resolve_source(corpus, "conll", None)

    record = sample_records()[0]
    record["annotations"] = record["annotations"][:1]
    import_paths(corpus, [write_jsonl(tmp_path / "alice.jsonl", [record])])
    assert resolve_source(corpus, "conll", None) == "alice"

    other = sample_records()[0]
    other["id"] = "other"
    other["annotations"] = other["annotations"][1:]
    import_paths(corpus, [write_jsonl(tmp_path / "bob.jsonl", [other])])
    with pytest.raises(AnnotatorError, match=r"choose one with --from \(annotators: alice, bob"):
        resolve_source(corpus, "conll", None)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("zoé", "no annotator named 'zoé'; annotators: alice, bob, carol, gold"),
    ],
)
def test_an_unknown_source_is_refused_and_no_file_is_written(
    tmp_path: Path, filled: Corpus, source: str, message: str
) -> None:
    out = tmp_path / "out.jsonl"

    with pytest.raises(AnnotatorError, match=message):
        export(filled, out, source=source)
    assert not out.exists()


def test_gold_without_a_gold_layer_says_to_adjudicate(tmp_path: Path, corpus: Corpus) -> None:
    with pytest.raises(AnnotatorError, match="no gold layer yet; adjudicate first"):
        export(corpus, tmp_path / "out.jsonl", source="gold")


def test_export_into_a_missing_folder_is_a_user_error(tmp_path: Path, filled: Corpus) -> None:
    with pytest.raises(AnnotatorError, match="no such folder"):
        export(filled, tmp_path / "nowhere" / "out.jsonl")


def test_an_unknown_format_is_named(tmp_path: Path, filled: Corpus) -> None:
    with pytest.raises(AnnotatorError, match="unknown format 'xlsx'"):
        export(filled, tmp_path / "out.xlsx", format="xlsx")


# Any text but NUL and surrogates (no document may hold them); CR, LF, U+2028 included.
texts = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"),
    min_size=1,
    max_size=60,
)


def test_random_spans_on_random_text_survive_import_and_export(tmp_path: Path) -> None:
    corpus = init_corpus(tmp_path / "random.annotator")
    counter = iter(range(10_000))

    @settings(max_examples=50, deadline=None)
    @given(data=st.data(), text=texts)
    def round_trip(data: st.DataObject, text: str) -> None:
        number = next(counter)
        spans: list[dict[str, Any]] = []
        for n in range(data.draw(st.integers(0, 4), label="spans")):
            start = data.draw(st.integers(0, len(text) - 1))
            end = data.draw(st.integers(start + 1, len(text)))
            stance = data.draw(st.sampled_from(["FAVOR", "AGAINST", "NONE"]))
            spans.append(
                {"id": f"s{n}", "layer": "claim", "start": start, "end": end, "label": "CLAIM",
                 "attrs": {"stance": stance}, "origin": "manual", "state": "accepted"}
            )  # fmt: skip
        record = {
            "id": f"doc-{number}",
            "text": text,
            "meta": {"title": text},
            "annotations": [
                {"annotator": "alice", "status": "done", "spans": spans, "relations": [],
                 "doc_labels": {"stance": "NONE"}}
            ],
        }  # fmt: skip
        source = write_jsonl(tmp_path / f"in-{number}.jsonl", [record])
        import_paths(corpus, [source])
        out = tmp_path / f"out-{number}.jsonl"
        export(corpus, out)

        back = read_jsonl(out)[-1]
        assert back == record
        assert [text[s["start"] : s["end"]] for s in spans] == [
            back["text"][s["start"] : s["end"]] for s in back["annotations"][0]["spans"]
        ]

    try:
        round_trip()
    finally:
        corpus.close()


def test_an_empty_answer_to_a_multi_valued_question_survives_the_round_trip(
    tmp_path: Path,
) -> None:
    import json

    scheme = tmp_path / "scheme.json"
    scheme.write_text(
        json.dumps(
            {
                "span_layers": [{"name": "entity", "labels": ["LOC"]}],
                "questions": [{"name": "topics", "values": ["economy", "privacy"], "multi": True}],
            }
        ),
        encoding="utf-8",
    )
    record = {
        "id": "d",
        "text": "Un texte.",
        "meta": {},
        "annotations": [
            {"annotator": "alice", "status": "done", "spans": [], "relations": [],
             "doc_labels": {"topics": []}},
        ],
    }  # fmt: skip
    with init_corpus(tmp_path / "c.annotator", scheme) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "in.jsonl", [record])])
        export(corpus, tmp_path / "out.jsonl")

    [written] = read_jsonl(tmp_path / "out.jsonl")
    assert written["annotations"][0]["doc_labels"] == {"topics": []}
