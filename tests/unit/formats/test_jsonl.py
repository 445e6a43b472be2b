"""The native JSONL format (DESIGN §4, a contract), read and written by its module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import ReadOptions, WriteOptions, detect, jsonl
from tests.unit.corpus_samples import (
    TEXT,
    annotated_record,
    jsonl_line,
    sample_records,
    without_suggestions,
    write_jsonl,
)


def read_all(path: Path, annotator: str | None = None) -> list[Document]:
    return [r.document for r in jsonl.read(path, ReadOptions(annotator=annotator))]


def test_reading_then_writing_gives_the_same_records(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", sample_records())

    jsonl.write(read_all(source), tmp_path / "out.jsonl", WriteOptions(include_suggestions=True))

    written = (tmp_path / "out.jsonl").read_text(encoding="utf-8").split("\n")
    assert written[-1] == ""
    assert [json.loads(line) for line in written[:-1]] == sample_records()


def test_suggestions_and_their_relations_are_left_out_unless_asked(tmp_path: Path) -> None:
    docs = read_all(write_jsonl(tmp_path / "in.jsonl", [annotated_record()]))

    report = jsonl.write(docs, tmp_path / "out.jsonl", WriteOptions())

    (line,) = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == without_suggestions(annotated_record())
    assert report.documents == 1 and report.spans == 11


def test_u2028_is_written_escaped_and_lines_split_on_newline_only(tmp_path: Path) -> None:
    path = tmp_path / "sep.jsonl"
    path.write_bytes(jsonl_line({"id": "a", "text": "un\u2028deux\u2029trois\u0085quatre"}))

    (doc,) = read_all(path)
    assert doc.text == "un\u2028deux\u2029trois\u0085quatre"

    jsonl.write([doc], tmp_path / "out.jsonl", WriteOptions())
    raw = (tmp_path / "out.jsonl").read_bytes()
    assert "\u2028".encode() not in raw and b"\\u2028" in raw and b"\\u2029" in raw
    assert raw.count(b"\n") == 1


def test_crlf_line_ends_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x\\r\\ny"}\r\n\r\n{"id": "b", "text": "z"}\r\n')

    assert [(d.id, d.text) for d in read_all(path)] == [("a", "x\r\ny"), ("b", "z")]


def test_defaults_for_what_a_record_leaves_out(tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    path.write_text(
        '{"text": "Paris"}\n'
        '{"id": 7, "text": "Lyon", "annotations": [{"spans": '
        '[{"layer": "entity", "start": 0, "end": 4, "label": "LOC"}], '
        '"relations": [{"head": "s1", "child": 9, "label": "R"}]}]}\n',
        encoding="utf-8",
    )

    raw, lyon = read_all(path, annotator="zoé")

    assert raw == Document(f"doc-{raw.text_sha256[:16]}", "Paris", {}, [])
    assert lyon == Document(
        "7",
        "Lyon",
        {},
        [
            AnnotationSet(
                "zoé",
                "todo",
                [Span("s1", "entity", 0, 4, "LOC", {}, "import", "accepted")],
                [Relation("s1", "9", "R")],
            )
        ],
    )


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y', 2, "invalid or truncated JSON"),
        (b'{"id": "a", "text": "x"}\n[1, 2]\n', 2, "document must be a JSON object"),
        (b'{"id": "a"}\n', 1, "document: 'text' is missing"),
        (b'{"id": "a", "text": 5}\n', 1, "'text' must be str, got 5"),
        (b'{"id": "", "text": "x"}\n', 1, "'id' must be a non-empty string or an integer"),
        (b'{"text": "x", "meta": [1]}\n', 1, "'meta' must be dict"),
        (b'{"text": "x", "annotations": [{"spans": []}]}\n', 1, "--annotator NAME"),
        (
            b'{"text": "x", "annotations": [{"annotator": "a", "status": "ok"}]}\n',
            1,
            "status 'ok' is not one of todo, in_progress, done, skipped",
        ),
        (
            b'{"text": "x", "annotations": [{"annotator": "a", "spans": '
            b'[{"layer": "entity", "start": 0.0, "end": 1, "label": "PER"}]}]}\n',
            1,
            "annotations[0].spans[0]: 'start' must be int, got 0.0",
        ),
        (
            b'{"text": "x", "annotations": [{"annotator": "a", "spans": '
            b'[{"layer": "entity", "start": true, "end": 1, "label": "PER"}]}]}\n',
            1,
            "'start' must be int, got true",
        ),
        (
            b'{"text": "x", "annotations": [{"annotator": "a", "doc_labels": {"q": 1}}]}\n',
            1,
            "doc_labels['q'] must be a string or a list of strings",
        ),
        (b'{"text": "caf\xe9"}\n', 1, "invalid UTF-8 at byte 14"),
        (b'\xef\xbb\xbf{"text": "x"}\n', 1, "byte order mark"),
        (b'{"text": "a\\u0000b"}\n', 1, "NUL character at offset 1"),
        (b'{"text": "a\\ud800b"}\n', 1, "unpaired surrogate escape (\\ud800)"),
        (b'{"text": "ok", "meta": {"k": "\\udfff"}}\n', 1, "unpaired surrogate"),
        (b"[" * 100_000 + b"\n", 1, "JSON nested too deeply"),
    ],
)
def test_a_bad_record_is_refused_naming_the_file_and_the_line(
    tmp_path: Path, content: bytes, line: int, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)

    with pytest.raises(InputError) as caught:
        read_all(path)

    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert message in str(caught.value)
    assert caught.value.line == line


def test_paired_surrogate_escapes_are_one_astral_character(tmp_path: Path) -> None:
    path = tmp_path / "ascii.jsonl"
    path.write_text(json.dumps({"id": "a", "text": TEXT}, ensure_ascii=True) + "\n")

    (doc,) = read_all(path)

    assert doc.text == TEXT


def test_detect_recognises_native_records_only(tmp_path: Path) -> None:
    native = write_jsonl(tmp_path / "a.jsonl", [annotated_record()])
    raw = write_jsonl(tmp_path / "b.ndjson", [{"id": "x", "text": "t"}])
    prodigy = write_jsonl(tmp_path / "c.jsonl", [{"text": "t", "spans": [], "answer": "accept"}])
    broken = tmp_path / "d.jsonl"
    broken.write_bytes(b"{not json\n")

    assert jsonl.detect(native) and jsonl.detect(raw)
    assert not jsonl.detect(prodigy) and not jsonl.detect(broken)
    assert not jsonl.detect(tmp_path)
    assert detect(native) == "jsonl"


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    def documents() -> Iterator[Document]:
        yield Document("a", "x")
        raise RuntimeError("the corpus went away")

    with pytest.raises(RuntimeError):
        jsonl.write(documents(), tmp_path / "out.jsonl", WriteOptions())

    assert list(tmp_path.iterdir()) == []


# Text of any code points but NUL and surrogates (which no document may hold).
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), text=texts)
def test_any_text_and_spans_survive_writing_and_reading(
    tmp_path: Path, data: st.DataObject, text: str
) -> None:
    spans = []
    for n in range(data.draw(st.integers(0, 5))):
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, len(text)))
        spans.append(Span(f"s{n}", "claim", start, end, "CLAIM"))
    doc = Document("d", text, {"t": text}, [AnnotationSet("a", "done", spans)])
    out = tmp_path / "rt.jsonl"

    jsonl.write([doc], out, WriteOptions())
    (back,) = read_all(out)

    assert back == doc
    assert [back.text[s.start : s.end] for s in back.annotations[0].spans] == [
        text[s.start : s.end] for s in spans
    ]
