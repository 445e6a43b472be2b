"""doccano JSONL: one document per line, in the three shapes doccano has exported.

Reading:

- ``label`` (doccano 1.x) or ``labels`` (doccano-transformer): ``[[start, end,
  "LABEL"], ...]``; a ``label`` list of plain strings is a text-classification answer
  (see :func:`~annotator.formats.interchange.question_for`);
- ``entities`` (objects with ``id``, ``start_offset``, ``end_offset``, ``label``, or
  ``[start, end, "LABEL"]`` lists) and ``relations`` (``from_id``, ``to_id``,
  ``type``), from relation-extraction projects;
- ``annotations`` (doccano 1.x multi-user export): ``{label, start_offset,
  end_offset, user}`` objects. Each user's annotations make one set, by annotator
  ``user_name`` when the export gives it, else ``doccano-user-<id>``. Labels are
  ``label_name`` when given, else numeric ids whose names are not in the file: they
  become ``label-<id>`` (rename them in the scheme afterwards), as label names must
  start with a letter. An annotation without offsets is a classification answer;
- ``cats`` (intent detection and classification projects): the document's
  classification answers, a list of label names (or an object of label -> score, where
  scores of 0.5 and over are chosen), answering one question as ``label`` lists do.

In the shapes without ``annotations`` the annotator is ``--annotator``, else
``doccano``. doccano exports every document, annotated or not, so a line without
annotations is a document to annotate, not an empty annotation set. The id is the
line's ``id``; doccano holds one document per line, so lines without an ``id`` are
separate documents even when they share a text (the second is ``doc-<hash>-2``, the
third ``-3``...). ``meta`` and any other field (``annotation_approver``,
``Comments``...) go into the document's meta. Overlapping spans are imported as they
are; with ``--extend-scheme`` the import moves those that a layer forbids to a layer
that allows them (see :mod:`annotator.services.importing`).

Writing: the ``entities``/``relations`` shape (doccano's relation-extraction import
reads it, and it is the only one with relations), with ``id``, ``text`` and ``meta``,
and the answers of one question as ``cats``. doccano has no span attributes, one label
set per document and one annotation set per line: the rest is counted as left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import ReadOptions, Record, WriteOptions, WriteReport
from annotator.formats.atomic import atomic_text_writer
from annotator.formats.interchange import (
    IMPORTED_STATUS,
    Where,
    annotator_for,
    answer,
    check_offsets,
    document_id,
    first_json_line,
    identifier,
    integer,
    json_line,
    json_lines,
    layer_for,
    only_set,
    pieces_to_write,
    question_for,
    relations_to_write,
    spans_to_write,
    text_of,
)

SUFFIXES = (".jsonl", ".ndjson")
DEFAULT_ANNOTATOR = "doccano"
ANNOTATION_KEYS = ("label", "labels", "entities", "relations", "annotations", "cats")


def detect(path: Path) -> bool:
    if path.is_dir() or path.suffix.lower() not in (*SUFFIXES, ".json"):
        return False
    first = first_json_line(path)
    if not isinstance(first, dict) or not isinstance(first.get("text"), str):
        return False
    annotations = first.get("annotations")
    if isinstance(annotations, list):
        return "annotation_approver" in first or any(
            isinstance(a, dict) and "start_offset" in a for a in annotations
        )
    if isinstance(first.get("cats"), (list, dict)):
        return True
    return any(isinstance(first.get(k), list) for k in ("label", "labels", "entities"))


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    unnamed: dict[str, int] = {}  # id made from a text -> lines holding that text
    for number, obj in json_lines(path):
        where = Where(path, number, "document")
        if not isinstance(obj, dict):
            where.fail("must be a JSON object")
        text = text_of(obj, "text", where)
        meta = dict(obj["meta"]) if isinstance(obj.get("meta"), dict) else {}
        meta.update(
            (k, v) for k, v in obj.items() if k not in (*ANNOTATION_KEYS, "id", "text", "meta")
        )
        if "annotations" in obj:
            sets = _users(obj["annotations"], text, where, options)
        else:
            aset = AnnotationSet(annotator_for(options, DEFAULT_ANNOTATOR), IMPORTED_STATUS)
            _labels(aset, obj, text, where, options)
            _entities(aset, obj, text, where, options)
            sets = [] if aset.is_empty() else [aset]
        if "cats" in obj:  # the set of the line's one annotator, else one of their own
            name = sets[0].annotator if len(sets) == 1 else None
            target = (
                sets[0]
                if name
                else AnnotationSet(annotator_for(options, DEFAULT_ANNOTATOR), IMPORTED_STATUS)
            )
            _cats(target, obj["cats"], where, options)
            if target not in sets and not target.is_empty():
                sets.append(target)
        doc_id = document_id(obj.get("id"), text)
        if identifier(obj.get("id")) is None:
            unnamed[doc_id] = unnamed.get(doc_id, 0) + 1
            if unnamed[doc_id] > 1:
                doc_id = f"{doc_id}-{unnamed[doc_id]}"
        yield Record(Document(doc_id, text, meta, sets), str(path), number)


def _cats(aset: AnnotationSet, cats: Any, where: Where, options: ReadOptions) -> None:
    """``cats``: a list of label names, or label -> score (chosen from 0.5)."""
    if isinstance(cats, dict):
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cats.values()):
            where.fail("'cats' scores must be numbers")
        chosen = [str(k) for k, v in cats.items() if v >= 0.5]
    elif isinstance(cats, list) and all(isinstance(c, str) and c for c in cats):
        chosen = list(dict.fromkeys(cats))
    else:
        where.fail("'cats' must be a list of label names or an object of label scores")
    if chosen:
        question = question_for(chosen, options.scheme)
        before = aset.doc_labels.get(question, [])
        merged = [*([before] if isinstance(before, str) else before), *chosen]
        aset.doc_labels[question] = answer(question, list(dict.fromkeys(merged)), options.scheme)


def _labels(
    aset: AnnotationSet, obj: dict[str, Any], text: str, where: Where, options: ReadOptions
) -> None:
    for key in ("label", "labels"):
        items = obj.get(key) or []
        if not isinstance(items, list):
            where.fail(f"'{key}' must be a list")
        answers = [str(item) for item in items if isinstance(item, str)]
        if answers:
            question = question_for(answers, options.scheme)
            aset.doc_labels[question] = answer(question, answers, options.scheme)
        for i, item in enumerate(i for i in items if not isinstance(i, str)):
            _add_span(aset, None, item, text, where.inside(f"{key}[{i}]"), options)


def _entities(
    aset: AnnotationSet, obj: dict[str, Any], text: str, where: Where, options: ReadOptions
) -> None:
    entities, relations = obj.get("entities") or [], obj.get("relations") or []
    if not isinstance(entities, list) or not isinstance(relations, list):
        where.fail("'entities' and 'relations' must be lists")
    for i, item in enumerate(entities):
        entity_id = identifier(item.get("id")) if isinstance(item, dict) else None
        _add_span(aset, entity_id, item, text, where.inside(f"entities[{i}]"), options)
    ids = {s.id for s in aset.spans}
    for i, item in enumerate(relations):
        at = where.inside(f"relations[{i}]")
        if not isinstance(item, dict):
            at.fail("a relation must be a JSON object")
        head, child = identifier(item.get("from_id")), identifier(item.get("to_id"))
        label = item.get("type", item.get("label"))
        if not isinstance(label, str) or not label:
            at.fail("a relation needs a 'type'")
        for end in (head, child):
            if end not in ids:
                at.fail(f"no entity has the id {end!r} (entity ids: {', '.join(sorted(ids))})")
        assert head is not None and child is not None
        aset.relations.append(Relation(head, child, label))


def _add_span(
    aset: AnnotationSet,
    span_id: str | None,
    item: Any,
    text: str,
    where: Where,
    options: ReadOptions,
) -> None:
    if isinstance(item, list) and len(item) == 3:
        start, end, label = item
    elif isinstance(item, dict):
        start, end, label = item.get("start_offset"), item.get("end_offset"), item.get("label")
    else:
        where.fail("expected [start, end, label] or an object with start_offset, end_offset")
    if not isinstance(label, str) or not label:
        where.fail(f"the label must be a name, got {label!r}")
    start, end = check_offsets(start, end, text, where)
    span_id = span_id or f"s{len(aset.spans) + 1}"
    if aset.span(span_id) is not None:
        where.fail(f"the id {span_id!r} is used twice")
    aset.spans.append(Span(span_id, layer_for(label, options.scheme), start, end, label))


def _users(items: Any, text: str, where: Where, options: ReadOptions) -> list[AnnotationSet]:
    """The multi-user ``annotations`` shape: one set per ``user``."""
    if not isinstance(items, list):
        where.fail("'annotations' must be a list")
    sets: dict[str, AnnotationSet] = {}
    for i, item in enumerate(items):
        at = where.inside(f"annotations[{i}]")
        if not isinstance(item, dict):
            at.fail("an annotation must be a JSON object")
        user, user_name = identifier(item.get("user")), item.get("user_name")
        if isinstance(user_name, str) and user_name.strip():
            name = user_name.strip()
        elif user is not None:
            name = f"doccano-user-{user}"
        else:
            at.fail("an annotation needs the 'user' who made it")
        aset = sets.setdefault(name, AnnotationSet(name, IMPORTED_STATUS))
        label = item.get("label")
        if isinstance(item.get("label_name"), str) and item["label_name"]:
            label = item["label_name"]
        elif integer(label) is not None:
            label = f"label-{label}"
        if "start_offset" not in item:
            if not isinstance(label, str):
                at.fail(f"the label must be a name or a number, got {label!r}")
            question = question_for([label], options.scheme)
            aset.doc_labels[question] = answer(question, [label], options.scheme)
            continue
        _add_span(aset, None, {**item, "label": label}, text, at, options)
    return list(sets.values())


# -- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    report = WriteReport(files=[str(out)])
    with atomic_text_writer(out) as handle:
        for doc in documents:
            report.documents += 1
            line: dict[str, Any] = {"id": doc.id, "text": doc.text, "meta": doc.meta}
            aset = only_set(doc, report)
            line["entities"], line["relations"] = _annotations(aset, options, report)
            if aset is not None and aset.doc_labels:
                line["cats"] = _cats_of(aset, report)
            handle.write(json_line(line))
    return report


def _cats_of(aset: AnnotationSet, report: WriteReport) -> list[str]:
    """The answers of the set's first question as ``cats``; doccano has one label set per
    document, so the answers to further questions are counted as left out."""
    (_question, chosen), *others = aset.doc_labels.items()
    if others:
        report.leave_out("answers to further questions (doccano has one set of cats)", len(others))
    return [chosen] if isinstance(chosen, str) else list(chosen)


def _annotations(
    aset: AnnotationSet | None, options: WriteOptions, report: WriteReport
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if aset is None:
        return [], []
    aset = pieces_to_write(aset, report)
    spans = spans_to_write(aset, options, report)
    relations = relations_to_write(aset, spans, report)
    number = {s.id: i for i, s in enumerate(spans)}
    report.spans += len(spans)
    attributes = sum(1 for s in spans if s.attrs)
    if attributes:
        report.leave_out("spans' attributes (doccano has none)", attributes)
    entities = [
        {"id": number[s.id], "start_offset": s.start, "end_offset": s.end, "label": s.label}
        for s in spans
    ]
    links = [
        {"id": i, "from_id": number[r.head], "to_id": number[r.child], "type": r.label}
        for i, r in enumerate(relations)
    ]
    return entities, links
