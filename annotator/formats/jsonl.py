"""The native JSONL format (DESIGN §4, a public contract): lossless, one document a line.

Lines are separated by ``\\n`` only: U+2028 and U+2029 may occur inside strings (and are
written escaped, so that tools splitting on every Unicode line break still read one
document per line).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.core.actors import Actor, actor_to_json, check_actor
from annotator.core.errors import InputError
from annotator.core.model import (
    STATUSES,
    AnnotationSet,
    Document,
    Fragments,
    Relation,
    Span,
    text_sha256,
)
from annotator.formats import ReadOptions, Record, WriteOptions, WriteReport
from annotator.formats.atomic import atomic_text_writer
from annotator.formats.reading import (
    check_json_depth,
    check_json_strings,
    check_text,
    decode,
    lines,
)

SUFFIXES = (".jsonl", ".ndjson")


def detect(path: Path) -> bool:
    if path.is_dir() or path.suffix.lower() not in (*SUFFIXES, ".json"):
        return False
    first = _first_record(path)
    return (
        isinstance(first, dict)
        and "text" in first
        and ("annotations" in first or set(first) <= {"id", "text", "meta"})
    )


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    """Read documents as the file is read; raise :class:`InputError` naming the line at
    the first problem."""
    where = str(path)
    for number, raw in lines(path):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = decode(raw, path, number)  # raises the error naming the line and byte
        try:
            obj = _loads(line)
        except json.JSONDecodeError as error:
            raise InputError(
                str(path),
                f"invalid or truncated JSON ({error.msg}, column {error.colno})",
                line=number,
            ) from None
        except RecursionError:
            raise InputError(str(path), "JSON nested too deeply", line=number) from None
        check_json_strings(line, obj, path, number)
        check_json_depth(raw, obj, path, number)
        yield Record(_document(obj, path, number, options), where, number)


_DECODER = json.JSONDecoder()


def _loads(line: str) -> Any:
    """``json.loads(line)``, without its wrapper's cost for the common line (no space
    around the value); any other line goes to ``json.loads``, which raises its errors."""
    try:
        value, end = _DECODER.raw_decode(line)
        if end == len(line):
            return value
    except json.JSONDecodeError:
        pass
    return json.loads(line)


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    report = WriteReport(files=[str(out)])
    first = True
    with atomic_text_writer(out) as handle:
        for doc in documents:
            obj = document_to_json(doc, options.include_suggestions)
            entries = _carried_actors(obj, options.actors, everything=first)
            if entries:
                obj["actors"] = entries
            first = False
            report.documents += 1
            report.spans += sum(len(a["spans"]) for a in obj["annotations"])
            text = json.dumps(obj, ensure_ascii=False)
            handle.write(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
            handle.write("\n")
    return report


def document_to_json(doc: Document, include_suggestions: bool = False) -> dict[str, Any]:
    """A document as one native JSONL record."""
    annotations = []
    for aset in doc.annotations:
        spans = []
        for span in aset.spans:
            if span.suggested and not include_suggestions:
                continue
            item: dict[str, Any] = {
                "id": span.id,
                "layer": span.layer,
                "start": span.start,
                "end": span.end,
                "label": span.label,
            }
            if span.fragments is not None:
                item["fragments"] = [[start, end] for start, end in span.fragments]
            if span.attrs:
                item["attrs"] = dict(span.attrs)
            item["origin"] = span.origin
            item["state"] = span.state
            spans.append(item)
        kept = {s["id"] for s in spans}
        entry: dict[str, Any] = {
            "annotator": aset.annotator,
            "status": aset.status,
            "spans": spans,
            "relations": [
                {"head": r.head, "child": r.child, "label": r.label}
                for r in aset.relations
                if r.head in kept and r.child in kept
            ],
            "doc_labels": dict(aset.doc_labels),
        }
        if aset.guideline_version is not None:
            entry["guideline_version"] = aset.guideline_version
        links = {s: a for s, a in aset.actor_links.items() if s in kept}
        if links:
            entry["actor_links"] = links
        annotations.append(entry)
    record = {"id": doc.id, "text": doc.text, "meta": doc.meta, "annotations": annotations}
    if doc.actors:
        record["actors"] = [actor_to_json(actor) for actor in doc.actors]
    return record


def _carried_actors(
    obj: dict[str, Any], registry: dict[str, Actor], everything: bool
) -> list[dict[str, Any]]:
    """The registry entries a record carries: those its links name (the document's
    ``actors``, see :func:`annotator.core.who_claims.actors_of`); the first record
    carries the whole registry, so that an export imported back reproduces it."""
    if everything and registry:
        return [actor_to_json(actor) for actor in registry.values()]
    return list(obj.get("actors", []))


# -- reading one record ------------------------------------------------------------------


class _Fields:
    """Typed access to a JSON object, raising errors that name the file, line and field."""

    def __init__(self, obj: Any, path: Path, line: int, where: str) -> None:
        if not isinstance(obj, dict):
            raise InputError(str(path), f"{where} must be a JSON object", line=line)
        self.obj, self.path, self.line, self.where = obj, path, line, where

    def fail(self, message: str) -> InputError:
        return InputError(str(self.path), f"{self.where}: {message}", line=self.line)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.obj.get(key, default)
        if value.__class__ is kind:  # the common case, quickly (bool is not int here)
            return value
        if value is None and default is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.fail(f"'{key}' must be {names}, got {json.dumps(value)[:40]}")
        return value

    def require(self, key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in self.obj:
            raise self.fail(f"'{key}' is missing")
        value = self.get(key, kind)
        if value is None:
            raise self.fail(f"'{key}' is missing")
        return value


def _identifier(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def _document(obj: Any, path: Path, line: int, options: ReadOptions) -> Document:
    fields = _Fields(obj, path, line, "document")
    text = fields.require("text", str)
    check_text(text, path, line)
    raw_id = obj.get("id")
    doc_id = _identifier(raw_id) if raw_id is not None else f"doc-{text_sha256(text)[:16]}"
    if doc_id is None:
        raise fields.fail("'id' must be a non-empty string or an integer")
    meta = fields.get("meta", dict, {})
    annotations = [
        _annotation_set(item, path, line, f"annotations[{i}]", options)
        for i, item in enumerate(fields.get("annotations", list, []))
    ]
    actors = [
        _actor(item, path, line, f"actors[{i}]")
        for i, item in enumerate(fields.get("actors", list, []))
    ]
    return Document(doc_id, text, meta, annotations, actors)


def _actor(obj: Any, path: Path, line: int, where: str) -> Actor:
    """A registry entry of a record's ``actors``, checked field by field."""
    fields = _Fields(obj, path, line, where)
    aliases = fields.get("aliases", list, [])
    if not all(isinstance(alias, str) for alias in aliases):
        raise fields.fail("'aliases' must be a list of strings")
    actor = Actor(
        fields.require("id", str),
        fields.require("name", str),
        fields.get("kind", str, "organisation"),
        tuple(aliases),
        fields.get("kb_id", str),
        fields.get("created_by", str, ""),
        fields.get("merged_into", str),
    )
    problems = check_actor(actor)
    if problems:
        raise fields.fail(problems[0])
    return actor


def _annotation_set(
    obj: Any, path: Path, line: int, where: str, options: ReadOptions
) -> AnnotationSet:
    fields = _Fields(obj, path, line, where)
    annotator = fields.get("annotator", str) or options.annotator
    if not annotator:
        raise fields.fail("'annotator' is missing; add it or import with --annotator NAME")
    status = fields.get("status", str, "todo")
    if status not in STATUSES:
        raise fields.fail(f"status {status!r} is not one of {', '.join(STATUSES)}")
    spans = [
        (type(item) is dict and _well_formed_span(item, i)) or _span(item, path, line, where, i)
        for i, item in enumerate(fields.get("spans", list, []))
    ]
    relations = []
    for i, item in enumerate(fields.get("relations", list, [])):
        rel = _Fields(item, path, line, f"{where}.relations[{i}]")
        head, child = _identifier(item.get("head")), _identifier(item.get("child"))
        if head is None or child is None:
            raise rel.fail("'head' and 'child' must be span ids")
        relations.append(Relation(head, child, rel.require("label", str)))
    doc_labels: dict[str, str | list[str]] = {}
    for question, answer in fields.get("doc_labels", dict, {}).items():
        if not (
            isinstance(answer, str)
            or (isinstance(answer, list) and all(isinstance(a, str) for a in answer))
        ):
            raise fields.fail(f"doc_labels[{question!r}] must be a string or a list of strings")
        doc_labels[question] = answer
    guideline = fields.get("guideline_version", int)
    links = fields.get("actor_links", dict, {})
    if not all(isinstance(a, str) and a for a in links.values()):
        raise fields.fail("'actor_links' must map span ids to actor ids (strings)")
    return AnnotationSet(
        annotator, status, spans, relations, doc_labels, guideline, actor_links=dict(links)
    )


def _span(obj: Any, path: Path, line: int, in_set: str, index: int) -> Span:
    """The span ``obj`` describes, checked field by field (errors name the field); the
    caller tries :func:`_well_formed_span` first."""
    fields = _Fields(obj, path, line, f"{in_set}.spans[{index}]")
    raw_id = obj.get("id")
    span_id = _identifier(raw_id) if raw_id is not None else f"s{index + 1}"
    if span_id is None:
        raise fields.fail("'id' must be a non-empty string or an integer")
    start, end = fields.require("start", int), fields.require("end", int)
    return Span(
        span_id,
        fields.require("layer", str),
        start,
        end,
        fields.require("label", str),
        fields.get("attrs", dict, {}),
        fields.get("origin", str, "import"),
        fields.get("state", str, "accepted"),
        _fragments(obj.get("fragments"), (start, end), fields),
    )


def _fragments(value: Any, hull: tuple[int, int], fields: _Fields) -> Fragments | None:
    """``"fragments": [[s1, e1], [s2, e2], ...]`` as pieces (their order and bounds are
    the core's to check); absent, null, or the one piece ``[start, end]``, is an
    ordinary span."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(piece, list) and len(piece) == 2 and all(type(v) is int for v in piece)
        for piece in value
    ):
        raise fields.fail("'fragments' must be a list of [start, end] pairs of integers")
    pieces = tuple((start, end) for start, end in value)
    return None if pieces == (hull,) else pieces


def _well_formed_span(obj: dict[str, Any], index: int) -> Span | None:
    """The span ``obj`` describes when every field has exactly its type, else None.

    A fast path for imports of many spans (DESIGN §10): it accepts exactly what the
    checked path below accepts, which alone says what is wrong with the rest.
    """
    try:
        layer, start, end, label = obj["layer"], obj["start"], obj["end"], obj["label"]
    except KeyError:
        return None
    get = obj.get
    raw_id, attrs = get("id"), get("attrs")
    origin, state = get("origin", "import"), get("state", "accepted")
    if type(raw_id) is str and raw_id:
        span_id = raw_id
    elif raw_id is None:
        span_id = f"s{index + 1}"
    elif type(raw_id) is int:
        span_id = str(raw_id)
    else:
        return None
    if attrs is None and "attrs" not in obj:
        attrs = {}
    if "fragments" in obj:
        return None  # the checked path reads them
    if (
        type(layer) is str
        and type(start) is int
        and type(end) is int
        and type(label) is str
        and type(attrs) is dict
        and type(origin) is str
        and type(state) is str
    ):
        return Span(span_id, layer, start, end, label, attrs, origin, state)
    return None


def _first_record(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    return json.loads(raw.decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    return None
