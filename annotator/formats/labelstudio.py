"""Label Studio JSON: the list of tasks that Label Studio's "JSON" export writes.

Reading (each task is ``{"id", "data": {"text", ...}, "annotations": [...]}``):

- The text is ``data.text`` (or the only string in ``data``). The document id is
  ``data.id`` when the data has one, else it is made from the text (Label Studio's task
  ids are only unique within one project); the task id is kept in the meta as
  ``labelstudio_task`` (when there is no ``data.id``), with ``data.meta`` and the other
  data fields.
- Each annotation (``completions`` in old exports) is one annotation set. Its
  annotator: ``completed_by``'s ``email`` (or ``username``) when it is an object, else
  ``created_username`` (without the ``, <id>`` Label Studio appends), else
  ``labelstudio-user-<id>`` for a numeric ``completed_by``, else ``--annotator``, else
  ``labelstudio``. When two annotations of one task get the same name (several
  annotations without ``completed_by``, or one user's second annotation), each is an
  annotator of its own, named ``<name>-annotation-<annotation id>``. Cancelled
  annotations (``was_cancelled``) are not imported; a warning counts them.
- ``predictions`` are model suggestions: their spans (and the relations between them)
  go, with state ``suggested`` and origin ``model:<model_version>`` (``model:labelstudio``
  without a version), to the set of ``--annotator`` (else ``labelstudio``), who accepts
  or rejects them in the window; a suggestion equal to one of that set's spans is not
  repeated. A prediction's choices are not suggestions the corpus can hold: a warning
  counts them.
- Results: ``labels`` -> one span per label, in the layer named by ``from_name`` when
  the scheme has such a layer (else as any imported label); ``choices`` on a region
  (same ``id`` as a ``labels`` result) -> the span's attribute ``from_name``;
  ``choices`` on the text -> the answer to question ``from_name``; ``relation`` ->
  a relation ``from_id`` -> ``to_id`` (``to_id`` -> ``from_id`` when ``direction`` is
  ``left``; ``bi`` is read as ``right``), one per label, labelled ``related`` when it
  has none. Other result types (ratings, text areas...) are left out with a warning.
- Offsets are code points, as Label Studio writes them since 2022; when a region's
  ``text`` shows that they are UTF-16 code units (older versions, emoji before the
  region), they are converted, with a warning. A region whose text matches neither is
  an error.

Writing: the same shape, ``from_name`` = the span's layer (or the attribute's or the
question's name) and ``to_name`` = ``text``, ``completed_by`` a number per annotator with
the name in ``created_username``; attributes as per-region choices, questions as
choices. Suggestions, with ``--include-suggestions``, are written as ``predictions``
(one per annotator and model, ``model_version`` the model's name); without it they
are left out and counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
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
    identifier,
    integer,
    json_array,
    layer_for,
    lines_list,
    pieces_to_write,
    relations_to_write,
    spans_to_write,
    warn,
)

SUFFIXES = (".json",)
DEFAULT_ANNOTATOR = "labelstudio"
UNLABELLED = "related"
TEXT = "text"
_USERNAME = re.compile(r"^(.*), \d+$")


def detect(path: Path) -> bool:
    if path.is_dir() or path.suffix.lower() not in SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", "ignore").lstrip()
    except OSError:
        return False
    # Exports may write "annotations" (with their "result"s) before "data".
    found = re.search(r'"data"\s*:\s*\{|"result"\s*:\s*\[', head)
    return head.startswith(("[", "{")) and found is not None


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    skipped: dict[str, list[int]] = {}
    for number, (line, task) in enumerate(json_array(path), start=1):
        where = Where(path, line, f"task {number}")
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            where.fail("a task must be an object with 'data'")
        text, meta = _data(task, where)
        sets: dict[str, AnnotationSet] = {}
        annotations = task.get("annotations", task.get("completions")) or []
        if not isinstance(annotations, list):
            where.fail("'annotations' must be a list")
        items = []
        for i, item in enumerate(annotations):
            at = where.inside(f"annotations[{i}]")
            if not isinstance(item, dict):
                at.fail("an annotation must be an object")
            if item.get("was_cancelled"):
                skipped.setdefault("cancelled annotations", []).append(line)
                continue
            items.append((at, item, _annotator(item, options)))
        names = [name for _, _, name in items]
        for position, (at, item, name) in enumerate(items, start=1):
            if names.count(name) > 1:
                name = f"{name}-annotation-{identifier(item.get('id')) or position}"
                if name in sets:
                    at.fail(f"two annotations have the id {item.get('id')!r}")
            sets[name] = _annotation(item, name, text, at, options)
        predictions = task.get("predictions") or []
        if not isinstance(predictions, list):
            where.fail("'predictions' must be a list")
        for i, item in enumerate(predictions):
            _suggest(sets, item, text, where.inside(f"predictions[{i}]"), options, skipped)
        doc = Document(document_id(task["data"].get("id"), text), text, meta, list(sets.values()))
        yield Record(doc, str(path), line)
    for what, lines in skipped.items():
        warn(options, path, f"{what} not imported (tasks at lines {lines_list(lines)})")


def _suggest(
    sets: dict[str, AnnotationSet],
    item: Any,
    text: str,
    where: Where,
    options: ReadOptions,
    skipped: dict[str, list[int]],
) -> None:
    """Add one prediction's spans and relations to the default annotator's set, as
    suggestions (see the module docstring)."""
    if not isinstance(item, dict):
        where.fail("a prediction must be an object")
    version = item.get("model_version")
    model = str(version) if identifier(version) is not None else DEFAULT_ANNOTATOR
    origin = f"model:{'-'.join(model.split())}"
    found = _annotation(item, "prediction", text, where, options)
    if found.doc_labels:
        skipped.setdefault("choices of predictions", []).append(where.line or 0)
    name = annotator_for(options, DEFAULT_ANNOTATOR)
    # A set made for predictions alone is work still to do, not done: a done set of
    # suggestions would be exported as "no entity anywhere" (the suggestions are left out).
    aset = sets.setdefault(name, AnnotationSet(name, "todo"))
    existing = {(s.layer, s.start, s.end, s.label): s.id for s in aset.spans}
    taken = {s.id for s in aset.spans}
    ids: dict[str, str] = {}
    for span in found.spans:
        key = (span.layer, span.start, span.end, span.label)
        if key in existing:
            ids[span.id] = existing[key]
            continue
        span_id, number = span.id, len(taken)
        while span_id in taken:
            number += 1
            span_id = f"p{number}-{span.id}"
        taken.add(span_id)
        ids[span.id] = existing[key] = span_id
        aset.spans.append(replace(span, id=span_id, origin=origin, state="suggested"))
    for relation in found.relations:
        moved = Relation(ids[relation.head], ids[relation.child], relation.label)
        if moved not in aset.relations:
            aset.relations.append(moved)


def _data(task: dict[str, Any], where: Where) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = task["data"]
    strings = [k for k, v in data.items() if isinstance(v, str) and k != "id"]
    key = TEXT if TEXT in data else (strings[0] if len(strings) == 1 else None)
    if key is None or not isinstance(data[key], str):
        where.fail(f"'data' has no 'text' (fields: {', '.join(data) or 'none'})")
    text: str = data[key]
    if "\x00" in text:
        where.fail(f"the text contains a NUL character at offset {text.index(chr(0))}")
    meta = dict(data["meta"]) if isinstance(data.get("meta"), dict) else {}
    meta.update((k, v) for k, v in data.items() if k not in (key, "id", "meta"))
    if isinstance(task.get("meta"), dict):
        meta.update(task["meta"])
    if identifier(task.get("id")) is not None and identifier(data.get("id")) is None:
        meta["labelstudio_task"] = task["id"]
    return text, meta


def _annotator(item: dict[str, Any], options: ReadOptions) -> str:
    by = item.get("completed_by")
    if isinstance(by, dict):
        for key in ("email", "username"):
            if isinstance(by.get(key), str) and by[key]:
                return str(by[key])
        by = by.get("id")
    created = item.get("created_username")
    if isinstance(created, str) and created.strip():
        match = _USERNAME.match(created.strip())
        return match[1] if match and match[1] else created.strip()
    if integer(by) is not None:
        return f"labelstudio-user-{by}"
    return annotator_for(options, DEFAULT_ANNOTATOR)


def _annotation(
    item: dict[str, Any], name: str, text: str, where: Where, options: ReadOptions
) -> AnnotationSet:
    results = item.get("result") or []
    if not isinstance(results, list):
        where.fail("'result' must be a list")
    aset = AnnotationSet(name, IMPORTED_STATUS)
    regions: dict[str, str] = {}  # Label Studio region id -> span id
    later = []
    for i, result in enumerate(results):
        at = where.inside(f"result[{i}]")
        if not isinstance(result, dict):
            at.fail("a result must be an object")
        if result.get("type") == "labels":
            _region(aset, regions, result, text, at, options)
        else:
            later.append((at, result))
    others: dict[str, int] = {}
    for at, result in later:
        kind = result.get("type")
        if kind == "relation":
            aset.relations += _relations(result, regions, at)
        elif kind == "choices":
            _choices(aset, regions, result, at, options)
        else:
            others[str(kind)] = others.get(str(kind), 0) + 1
    for kind, count in others.items():
        warn(options, where.path, f"line {where.line}: {count} results of type {kind!r} left out")
    return aset


def _region(
    aset: AnnotationSet,
    regions: dict[str, str],
    result: dict[str, Any],
    text: str,
    where: Where,
    options: ReadOptions,
) -> None:
    value = result.get("value")
    if not isinstance(value, dict) or not isinstance(value.get("labels"), list):
        where.fail("a 'labels' result needs a 'value' with 'labels'")
    start, end = integer(value.get("start")), integer(value.get("end"))
    if start is None or end is None:
        where.fail("only regions of plain text (Text tag, with numeric start and end) are read")
    shown = value.get("text")
    if isinstance(shown, str) and text[start:end] != shown:
        start, end = _from_utf16(text, start, end, shown, where)
        warn(options, where.path, f"line {where.line}: offsets read as UTF-16 code units")
    start, end = check_offsets(start, end, text, where)
    region = identifier(result.get("id")) or f"r{len(regions) + 1}"
    hint = result.get("from_name") if isinstance(result.get("from_name"), str) else None
    for label in value["labels"]:
        if not isinstance(label, str) or not label:
            where.fail(f"labels must be names, got {label!r}")
        span_id = region if aset.span(region) is None else f"{region}-{len(aset.spans) + 1}"
        regions.setdefault(region, span_id)
        layer = layer_for(label, options.scheme, hint)
        aset.spans.append(Span(span_id, layer, start, end, label))


def _from_utf16(text: str, start: int, end: int, shown: str, where: Where) -> tuple[int, int]:
    encoded = text.encode("utf-16-le", "surrogatepass")
    before = encoded[: 2 * start].decode("utf-16-le", "surrogatepass")
    inside = encoded[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")
    if inside != shown:
        where.fail(
            f"the region's text {shown!r} is not the text at {start}-{end} "
            f"({text[start:end]!r}); the task's text and its annotations do not match"
        )
    return len(before), len(before) + len(inside)


def _relations(result: dict[str, Any], regions: dict[str, str], where: Where) -> list[Relation]:
    ends = [identifier(result.get(k)) for k in ("from_id", "to_id")]
    if ends[0] not in regions or ends[1] not in regions:
        where.fail(f"the relation joins {ends[0]!r} and {ends[1]!r}, which are not regions")
    head, child = regions[str(ends[0])], regions[str(ends[1])]
    if result.get("direction") == "left":
        head, child = child, head
    labels = result.get("labels") or [UNLABELLED]
    if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
        where.fail("a relation's 'labels' must be a list of names")
    return [Relation(head, child, label) for label in labels]


def _choices(
    aset: AnnotationSet,
    regions: dict[str, str],
    result: dict[str, Any],
    where: Where,
    options: ReadOptions,
) -> None:
    value, name = result.get("value"), result.get("from_name")
    choices = value.get("choices") if isinstance(value, dict) else None
    if not isinstance(name, str) or not isinstance(choices, list) or not choices:
        where.fail("a 'choices' result needs 'from_name' and a 'value' with 'choices'")
    if not all(isinstance(c, str) and c for c in choices):
        where.fail("choices must be names")
    region = identifier(result.get("id"))
    if region in regions:
        span_id = regions[str(region)]
        index = next(i for i, s in enumerate(aset.spans) if s.id == span_id)
        span = aset.spans[index]
        attrs = {**span.attrs, name: choices[0] if len(choices) == 1 else " | ".join(choices)}
        aset.spans[index] = Span(span.id, span.layer, span.start, span.end, span.label, attrs)
    else:
        aset.doc_labels[name] = answer(name, list(choices), options.scheme)


# -- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    report = WriteReport(files=[str(out)])
    users: dict[str, int] = {}
    with atomic_text_writer(out) as handle:
        handle.write("[")
        for number, doc in enumerate(documents, start=1):
            report.documents += 1
            data: dict[str, Any] = {TEXT: doc.text, "id": doc.id}
            if doc.meta:
                data["meta"] = doc.meta
            annotations: list[dict[str, Any]] = []
            predictions: list[dict[str, Any]] = []
            for aset in doc.annotations:
                user = users.setdefault(aset.annotator, len(users) + 1)
                aset = pieces_to_write(aset, report)
                spans = spans_to_write(aset, options, report)
                report.spans += len(spans)
                relations = relations_to_write(aset, spans, report)
                chosen = [s for s in spans if not s.suggested]
                result = _results(doc.text, chosen, relations, aset.doc_labels)
                predictions += _predictions(doc.text, spans, relations)
                apart = _relations_apart(spans, relations)
                if apart:
                    report.leave_out(
                        "relations between an annotation and a suggestion (Label Studio "
                        "keeps annotations and predictions apart)",
                        apart,
                    )
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "completed_by": user,
                        "created_username": aset.annotator,
                        "was_cancelled": False,
                        "result": result,
                    }
                )
            task: dict[str, Any] = {"id": number, "data": data, "annotations": annotations}
            if predictions:
                task["predictions"] = predictions
            handle.write(",\n" if number > 1 else "\n")
            handle.write(json.dumps(task, ensure_ascii=False))
        handle.write("\n]\n")
    return report


def _relations_apart(spans: list[Span], relations: list[Relation]) -> int:
    """Relations whose ends are not both annotations, nor both one model's suggestions."""
    group = {s.id: s.origin if s.suggested else "" for s in spans}
    return sum(1 for r in relations if group[r.head] != group[r.child])


def _predictions(text: str, spans: list[Span], relations: list[Relation]) -> list[dict[str, Any]]:
    """The suggested spans of ``aset`` as one prediction per model."""
    models: dict[str, list[Span]] = {}
    for span in spans:
        if span.suggested:
            models.setdefault(span.origin.removeprefix("model:"), []).append(span)
    predictions = []
    for model, suggested in models.items():
        ids = {s.id for s in suggested}
        links = [r for r in relations if r.head in ids and r.child in ids]
        results = _results(text, suggested, links, {})
        predictions.append({"model_version": model, "result": results})
    return predictions


def _results(
    text: str,
    spans: list[Span],
    relations: list[Relation],
    doc_labels: dict[str, str | list[str]],
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for span in spans:
        where = {"start": span.start, "end": span.end, "text": text[span.start : span.end]}
        results.append(_result(span.id, span.layer, "labels", {**where, "labels": [span.label]}))
        for name, value in span.attrs.items():
            results.append(_result(span.id, name, "choices", {**where, "choices": [str(value)]}))
    written = {s.id for s in spans}
    for relation in (r for r in relations if r.head in written and r.child in written):
        results.append(
            {
                "from_id": relation.head,
                "to_id": relation.child,
                "type": "relation",
                "direction": "right",
                "labels": [relation.label],
            }
        )
    taken = {s.id for s in spans}
    for question, chosen in doc_labels.items():
        region = f"question-{question}"
        while region in taken:
            region += "_"
        values = [chosen] if isinstance(chosen, str) else list(chosen)
        results.append(_result(region, question, "choices", {"choices": values}))
    return results


def _result(region: str, name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": region, "from_name": name, "to_name": TEXT, "type": kind, "value": value}
