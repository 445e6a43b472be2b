"""Files that must be refused, each with the line to name and what to say (DESIGN §11).

Each file's first line is a good new document, so that a half-imported file would show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.corpus_samples import annotated_record, jsonl_line, raw_record


def new_record(doc_id: str = "new-1") -> dict[str, Any]:
    return annotated_record(doc_id)


def changed(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    record = new_record("new-2")
    change(record)
    return record


def alice_spans(record: dict[str, Any]) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = record["annotations"][0]["spans"]
    return spans


def set_first_span(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda r: alice_spans(r)[0].update(fields)


#: Case name -> (file bytes, the line to name, what the message must say).
BAD_FILES: dict[str, tuple[bytes, int, str]] = {
    "invalid UTF-8": (
        jsonl_line(new_record()) + b'{"id": "x", "text": "caf\xe9"}\n',
        2,
        "invalid UTF-8",
    ),
    "BOM": (b"\xef\xbb\xbf" + jsonl_line(new_record()), 1, "byte order mark"),
    "truncated JSON": (
        jsonl_line(new_record()) + jsonl_line(new_record("new-2"))[:-40],
        2,
        "invalid or truncated JSON",
    ),
    "offsets out of range": (
        jsonl_line(new_record()) + jsonl_line(changed(set_first_span(end=10_000))),
        2,
        "offsets are outside the text",
    ),
    "inverted offsets": (
        jsonl_line(new_record()) + jsonl_line(changed(set_first_span(start=30, end=25))),
        2,
        "start must be before end",
    ),
    "unknown label": (
        jsonl_line(new_record()) + jsonl_line(changed(set_first_span(label="CITY"))),
        2,
        "label 'CITY' is not in layer 'entity'",
    ),
    "span id reused": (
        jsonl_line(new_record()) + jsonl_line(changed(set_first_span(id="e2"))),
        2,
        "span id 'e2' is used twice",
    ),
    "relation to a missing span": (
        jsonl_line(new_record())
        + jsonl_line(changed(lambda r: r["annotations"][0]["relations"][0].update(child="ghost"))),
        2,
        "span 'ghost' does not exist",
    ),
    "overlap in entity": (
        jsonl_line(new_record())
        + jsonl_line(changed(lambda r: alice_spans(r)[1].update(end=alice_spans(r)[0]["end"]))),
        2,
        "overlap in layer 'entity', which does not allow overlaps",
    ),
    "known id with another text": (
        jsonl_line(new_record()) + jsonl_line({"id": "raw-1", "text": "autre texte"}),
        2,
        "document 'raw-1' is already in the corpus with another text",
    ),
    "NUL in text": (
        jsonl_line(new_record()) + jsonl_line({"id": "nul", "text": "a\x00b"}),
        2,
        "NUL character",
    ),
    "unpaired surrogate": (
        jsonl_line(new_record()) + b'{"id": "s", "text": "a\\udc80b"}\n',
        2,
        "unpaired surrogate",
    ),
    "id twice in the file": (
        jsonl_line(new_record()) + jsonl_line(raw_record("new-1")),
        2,
        "document id 'new-1' appears twice (first at line 1)",
    ),
    "two sets by one annotator": (
        jsonl_line(new_record())
        + jsonl_line(changed(lambda r: r["annotations"][1].update(annotator="alice"))),
        2,
        "annotator 'alice' has two annotation sets on it",
    ),
}
