"""Discontinuous spans in the interchange formats and the store: the JSONL key
``fragments`` (written only for spans in pieces), brat's ``START END;START END``, each
fragment as a span of its own (and said) where a format cannot hold them, and the
corpus column that keeps them on SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import ReadOptions, WriteOptions, brat, jsonl
from annotator.services.corpora import default_scheme, init_corpus
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus

TEXT = "«\u00a0The ban\u00a0», the mayor said, «\u00a0is unfair\u00a0». Mayor Peeters left."
FIRST = (TEXT.index("The"), TEXT.index("ban") + 3)
SECOND = (TEXT.index("is unfair"), TEXT.index("unfair") + 6)
MAYOR = (TEXT.index("the mayor"), TEXT.index("the mayor") + 9)
CUE = (TEXT.index("said"), TEXT.index("said") + 4)


def quote_document() -> Document:
    spans = [
        Span("c1", "claim", FIRST[0], SECOND[1], "CLAIM", {"stance": "AGAINST"},
             fragments=(FIRST, SECOND)),
        Span("e1", "entity", *MAYOR, "PER"),
        Span("u1", "cue", *CUE, "CUE"),
    ]  # fmt: skip
    relations = [Relation("c1", "e1", "CLAIMANT"), Relation("c1", "u1", "CUE")]
    return Document("d1", TEXT, {}, [AnnotationSet("alice", "done", spans, relations)])


def corpus_with_quote(tmp_path: Path) -> Corpus:
    corpus = init_corpus(tmp_path / "c.annotator")
    corpus.add_documents([quote_document()])
    return corpus


def test_jsonl_writes_fragments_for_a_span_in_pieces_only(tmp_path: Path) -> None:
    jsonl.write([quote_document()], tmp_path / "out.jsonl", WriteOptions())

    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    spans = {s["id"]: s for s in record["annotations"][0]["spans"]}
    assert spans["c1"]["fragments"] == [list(FIRST), list(SECOND)]
    assert (spans["c1"]["start"], spans["c1"]["end"]) == (FIRST[0], SECOND[1])
    assert "fragments" not in spans["e1"] and "fragments" not in spans["u1"]
    (back,) = [r.document for r in jsonl.read(tmp_path / "out.jsonl", ReadOptions())]
    assert back.annotations == quote_document().annotations


def test_jsonl_reads_one_fragment_equal_to_the_span_as_an_ordinary_span(tmp_path: Path) -> None:
    span = {"id": "s1", "layer": "entity", "start": 0, "end": 3, "label": "PER"}
    records = [{"id": "d", "text": "Bob", "annotations": [{"annotator": "a", "spans": [
        {**span, "fragments": [[0, 3]]}]}]}]  # fmt: skip
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    (doc,) = [r.document for r in jsonl.read(tmp_path / "in.jsonl", ReadOptions())]

    assert doc.annotations[0].spans == [Span("s1", "entity", 0, 3, "PER")]


@pytest.mark.parametrize(
    ("fragments", "reason"),
    [
        ("0 3", "line 1: annotations[0].spans[0]: 'fragments' must be a list"),
        ([[0, "3"]], "'fragments' must be a list of [start, end] pairs"),
        ([[4, 8], [0, 3]], "fragments must be sorted"),
        ([[0, 3], [3, 8]], "not touching"),
    ],
)
def test_jsonl_fragments_that_break_the_contract_are_refused_naming_the_line(
    tmp_path: Path, fragments: object, reason: str
) -> None:
    span = {"id": "s1", "layer": "claim", "start": 0, "end": 8, "label": "CLAIM"}
    record = {"id": "d", "text": "Bob said no.", "annotations": [
        {"annotator": "a", "spans": [{**span, "fragments": fragments}]}]}  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(record) + "\n")
    with init_corpus(tmp_path / "c.annotator") as corpus, pytest.raises(InputError) as caught:
        import_paths(corpus, [source])

    assert str(caught.value).startswith(f"{source}, line 1")
    assert reason in str(caught.value)


def test_brat_reads_fragments_exactly_and_writes_them_back(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "d.txt").write_text(TEXT, "utf-8")
    (folder / "d.ann").write_text(
        f"T1\tCLAIM {FIRST[0]} {FIRST[1]};{SECOND[0]} {SECOND[1]}\tThe ban is unfair\n", "utf-8"
    )

    (record,) = brat.read(folder, ReadOptions(scheme=default_scheme()))
    (span,) = record.document.annotations[0].spans
    assert (span.layer, span.start, span.end, span.fragments) == (
        "claim", FIRST[0], SECOND[1], (FIRST, SECOND)
    )  # fmt: skip

    brat.write([quote_document()], tmp_path / "out", WriteOptions())
    lines = (tmp_path / "out" / "d1.ann").read_text("utf-8").splitlines()
    assert f"T1\tCLAIM {FIRST[0]} {FIRST[1]};{SECOND[0]} {SECOND[1]}\tThe ban is unfair" in lines


def test_a_span_in_pieces_round_trips_through_the_corpus_file(tmp_path: Path) -> None:
    corpus_with_quote(tmp_path).close()

    with Corpus.open(tmp_path / "c.annotator") as corpus:
        stored = corpus.document("d1").annotation_set("alice")
    assert stored is not None and stored.spans == quote_document().annotations[0].spans
    rows = sqlite3.connect(tmp_path / "c.annotator").execute(
        "SELECT span_id, fragments FROM spans ORDER BY span_id"
    )
    assert rows.fetchall() == [
        ("c1", json.dumps([list(FIRST), list(SECOND)], separators=(",", ":"))),
        ("e1", None),  # an ordinary span stores nothing more than before
        ("u1", None),
    ]


@pytest.mark.parametrize(
    ("fmt", "name", "count"),
    [("doccano", "out.jsonl", 2), ("conll", "out.conll", 0), ("webanno", "out.zip", 2)],
)
def test_formats_without_fragments_write_each_fragment_and_say_so(
    tmp_path: Path, fmt: str, name: str, count: int
) -> None:
    with corpus_with_quote(tmp_path) as corpus:
        report = export(corpus, tmp_path / name, fmt, "alice")

    assert report.split == 1
    assert "each fragment of 1 discontinuous spans" in report.split_note(fmt)
    if fmt == "doccano":
        (record,) = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        claims = [(e["start_offset"], e["end_offset"]) for e in record["entities"]
                  if e["label"] == "CLAIM"]  # fmt: skip
        assert claims == [FIRST, SECOND]
        assert sum(r["type"] == "CUE" for r in record["relations"]) == count
