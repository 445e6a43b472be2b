"""Importing files: each file whole or not at all, bad input named and refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.core.errors import AnnotationError, AnnotatorError, InputError
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.bad_inputs import BAD_FILES, alice_spans, changed, new_record, set_first_span
from tests.unit.corpus_samples import (
    annotated_record,
    corpus_state,
    documents_by_id,
    jsonl_line,
    raw_record,
    sample_records,
    write_jsonl,
)


@pytest.fixture
def filled(tmp_path: Path, corpus: Corpus) -> Corpus:
    """A corpus already holding the sample documents, so "unchanged" means something."""
    import_paths(corpus, [write_jsonl(tmp_path / "samples.jsonl", sample_records())])
    return corpus


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_naming_file_and_line_and_the_corpus_is_unchanged(
    tmp_path: Path, corpus_path: Path, filled: Corpus, case: str
) -> None:
    content, line, reason = BAD_FILES[case]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    before = corpus_state(corpus_path)

    with pytest.raises(InputError) as caught:
        import_paths(filled, [bad])

    assert str(caught.value).startswith(f"{bad}, line {line}: ")
    assert reason in str(caught.value)
    after = corpus_state(corpus_path)
    assert after == before
    assert after["integrity"] == "ok"


def test_extend_scheme_accepts_an_unknown_label_and_adds_it(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    record = changed(set_first_span(label="CITY"))
    path = write_jsonl(tmp_path / "city.jsonl", [record])

    report = import_paths(filled, [path], extend_scheme=True)

    assert report.added_labels == {"entity": ["CITY"]}
    assert report.documents == 1
    with Corpus.open(corpus_path) as reopened:
        entity = reopened.scheme.layer("entity")
        assert entity is not None and entity.label("CITY") is not None
        spans = reopened.annotation_set("new-2", "alice").spans
        assert spans[0].label == "CITY"


def test_extend_scheme_changes_nothing_when_the_file_is_refused_for_another_reason(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    def city_and_inverted(record: dict[str, Any]) -> None:
        alice_spans(record)[0]["label"] = "CITY"
        alice_spans(record)[1].update(start=9, end=2)

    path = write_jsonl(tmp_path / "both.jsonl", [changed(city_and_inverted)])
    before = corpus_state(corpus_path)

    with pytest.raises(InputError, match="start must be before end"):
        import_paths(filled, [path], extend_scheme=True)

    assert corpus_state(corpus_path) == before


def test_of_several_files_those_before_the_bad_one_stay_and_the_rest_is_absent(
    tmp_path: Path, corpus_path: Path, corpus: Corpus
) -> None:
    first = write_jsonl(tmp_path / "1.jsonl", [new_record("a-1"), raw_record("a-2")])
    second = tmp_path / "2.jsonl"
    second.write_bytes(
        jsonl_line(new_record("b-1")) + jsonl_line(changed(set_first_span(end=10_000)))
    )
    third = write_jsonl(tmp_path / "3.jsonl", [raw_record("c-1")])

    with pytest.raises(InputError, match=r"2\.jsonl, line 2: ") as caught:
        import_paths(corpus, [first, second, third])

    assert caught.value.__notes__ == [f"imported before this error: {first} (2 documents)"]

    docs = documents_by_id(corpus_path)
    assert sorted(docs) == ["a-1", "a-2"]
    assert len(docs["a-1"].annotations) == 2
    assert corpus_state(corpus_path)["integrity"] == "ok"


def test_documents_already_present_with_the_same_text_are_counted_not_duplicated(
    tmp_path: Path, filled: Corpus
) -> None:
    again = write_jsonl(tmp_path / "again.jsonl", [raw_record(), raw_record("raw-2")])

    report = import_paths(filled, [again])

    (item,) = report.files
    assert (item.documents, item.already_present, item.format) == (1, 1, "jsonl")
    assert filled.document_count() == 4


def test_importing_the_same_annotations_twice_is_refused_naming_file_and_document(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    path = write_jsonl(tmp_path / "twice.jsonl", [annotated_record()])
    before = corpus_state(corpus_path)

    with pytest.raises(InputError) as caught:
        import_paths(filled, [path])

    assert str(caught.value).startswith(str(path))
    assert "document 'unicode-1' already has annotations by 'alice'" in str(caught.value)
    assert corpus_state(corpus_path) == before


def test_the_report_counts_what_each_file_brought(tmp_path: Path, corpus: Corpus) -> None:
    path = write_jsonl(tmp_path / "samples.jsonl", sample_records())

    (item,) = import_paths(corpus, [path]).files

    assert (item.documents, item.annotation_sets, item.spans, item.relations) == (3, 4, 13, 4)


def test_annotator_names_a_set_the_file_does_not_attribute(tmp_path: Path, corpus: Corpus) -> None:
    record = new_record()
    for aset in record["annotations"]:
        del aset["annotator"]
    record["annotations"] = record["annotations"][:1]
    path = write_jsonl(tmp_path / "anon.jsonl", [record])

    import_paths(corpus, [path], annotator="zoé")

    assert corpus.annotators() == ["zoé"]


def test_an_unusable_annotator_name_is_refused_before_reading(
    tmp_path: Path, corpus: Corpus
) -> None:
    with pytest.raises(AnnotationError, match="annotator name 'a/b' is not usable"):
        import_paths(corpus, [tmp_path / "whatever.jsonl"], annotator="a/b")


def test_a_folder_of_text_files_is_imported_by_auto_detection(
    tmp_path: Path, corpus: Corpus
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "un.txt").write_text("Premier\u00a0article.\r\n", encoding="utf-8")
    (folder / "deux.md").write_text("# Deuxième", encoding="utf-8")

    report = import_paths(corpus, [folder])

    assert report.files[0].format == "text" and report.documents == 2
    assert corpus.document("un").text == "Premier\u00a0article.\r\n"


@pytest.mark.parametrize(
    ("name", "content", "format", "message"),
    [
        ("missing.jsonl", None, "auto", "no such file or folder"),
        ("data.csv", b"a,b\n", "auto", "cannot tell the format.*name it with --format"),
        ("data.jsonl", b'{"text": "x"}\n', "docx", "unknown format 'docx'"),
    ],
)
def test_what_cannot_be_read_is_named(
    tmp_path: Path, corpus: Corpus, name: str, content: bytes | None, format: str, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(AnnotatorError, match=message) as caught:
        import_paths(corpus, [path], format=format)
    if format == "auto":
        assert str(caught.value).startswith(str(path))
    assert corpus.document_count() == 0


@pytest.mark.parametrize("format", ["jsonl", "prodigy", "doccano", "labelstudio", "conll", "text"])
@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_an_empty_or_blank_file_is_an_error_whatever_the_format(
    tmp_path: Path, corpus_path: Path, filled: Corpus, format: str, content: bytes
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(content)
    before = corpus_state(corpus_path)

    with pytest.raises(InputError, match="the file is empty"):
        import_paths(filled, [empty], format=format)

    assert corpus_state(corpus_path) == before


@pytest.mark.parametrize("name", ["deep.jsonl", "deep.json"])
def test_deeply_nested_json_under_auto_is_an_error_not_a_recursion_error(
    tmp_path: Path, filled: Corpus, name: str
) -> None:
    deep = tmp_path / name
    deep.write_text('{"text": "a", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "utf-8")

    with pytest.raises(AnnotatorError, match="nested more than 100 levels"):
        import_paths(filled, [deep])


def test_a_nul_in_a_conll_file_is_refused_naming_the_line(
    tmp_path: Path, corpus_path: Path, filled: Corpus
) -> None:
    bad = tmp_path / "nul.conll"
    bad.write_bytes(b"Paris B-LOC\nest\x00 O\n")
    before = corpus_state(corpus_path)

    with pytest.raises(InputError, match=r"nul\.conll, line 2: the line holds a NUL character"):
        import_paths(filled, [bad])

    assert corpus_state(corpus_path) == before


def test_lang_is_recorded_for_documents_whose_file_does_not_say_it(
    tmp_path: Path, filled: Corpus
) -> None:
    conll = tmp_path / "en.conll"
    conll.write_text("London B-LOC\ncalls O\n", "utf-8")
    text = tmp_path / "plain.txt"
    text.write_text("Un texte.", "utf-8")

    import_paths(filled, [conll], language="en")
    import_paths(filled, [text])

    assert filled.document("en").meta["lang"] == "en"
    assert filled.document("plain").meta["lang"] == filled.scheme.language


def test_a_bad_lang_is_refused(filled: Corpus, tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="--lang 'English' is not a language code"):
        import_paths(filled, [tmp_path], language="English")
