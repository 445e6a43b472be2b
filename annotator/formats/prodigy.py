"""Prodigy JSONL: one task per line, as ``prodigy db-out`` writes it.

Reading:

- ``answer``: tasks answered ``ignore`` are not annotations, and tasks answered
  ``reject`` that carry spans or choices are not imported either (a rejected span or
  choice says the suggestion is wrong, which a corpus cannot hold); they are counted,
  with their lines, in a warning. A text whose every task was rejected or ignored is not
  imported at all. Tasks answered ``accept``, and tasks without an answer that carry
  spans, relations or choices, are annotations. A task without an answer and without any
  of those is a document to annotate.
- Binary classification answers (``textcat.teach``, ``textcat.manual`` with one label:
  a task with a ``label`` and an ``answer``, without spans or choices) are document
  answers: each label is a question of its own, named after the label, with the values
  ``yes`` and ``no``; ``accept`` answers ``yes``, ``reject`` ``no``.
- A task repeated by the same annotator (the same ``_task_hash``, or, without one, the
  same text, spans, relations, choices, label and answer) counts once, with a warning
  naming its lines; a binary label answered both ways keeps the later answer, with a
  warning. A relation repeated inside one task counts once, with a warning.
- Tasks on the same text (and with the same ``id``, if they have one) are one document;
  each annotator's accepted tasks on it make one annotation set (the spans of several
  binary ``ner.teach`` tasks add up). The text, not ``_input_hash``, decides, as a
  corpus holds one document per text.
- Annotator: ``_annotator_id``, else ``_session_id``, else ``--annotator``, else
  ``prodigy``.
- Spans: character offsets ``start``/``end`` (from ``token_start``/``token_end`` and
  ``tokens`` when absent); a span's ``text``, when given, must match the text there.
  Other span keys (``source``, ``score``, ...) are model details and are not kept.
- Relations: their ends are the spans at ``head_span``/``child_span``, else the span
  ending at token ``head``/``child``. A relation between tokens that are no span is
  left out with a warning.
- ``accept`` (choice tasks): the answers of one question of the scheme, the one that
  has them all among its values, else of a question named ``choice``. ``options`` is
  not kept.
- Document id: the task's ``id``, else made from the text. Every other field
  (``_input_hash``, ``_task_hash``, ``meta``'s content, custom fields) goes into the
  document's meta, from the first task imported for it; ``_annotator_id`` and
  ``_session_id`` are the annotation set's annotator, not the document's.

Writing: one task per annotation set (an unannotated document becomes a task without
answer), with ``tokens`` cut at span boundaries, spans with character and token offsets,
relations with token indexes and both spans, ``answer: accept``, the annotator as
``_annotator_id`` and ``_session_id``, and one question's answers as ``accept`` with
its values as ``options``. Meta keys starting with ``_`` are written as task fields
(``_input_hash`` survives a round trip) except the annotation's own ``_task_hash``,
``_annotator_id`` and ``_session_id``; the other keys go in ``meta``. Span attributes
and the answers of a second choice question cannot be written and are counted as left
out. A ``yes``/``no`` answer is written as a binary task of its own (``label``: the
question, ``answer``: ``accept`` or ``reject``), as it is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
    lines_list,
    pieces_to_write,
    question_for,
    relations_to_write,
    spans_to_write,
    text_of,
    warn,
)
from annotator.formats.tokens import WORDS, tokenize

SUFFIXES = (".jsonl", ".ndjson")
DEFAULT_ANNOTATOR = "prodigy"
TASK_KEYS = {"text", "tokens", "spans", "relations", "answer", "accept", "options", "meta", "id"}
TASK_KEYS |= {"_annotator_id", "_session_id", "label"}
"""Task fields read as annotations (or as the annotator); all others are kept in the
document's meta."""
ANNOTATION_FIELDS = ("_task_hash", "_annotator_id", "_session_id")
BINARY_VALUES = ("yes", "no")
"""The values of the question a binary classification label becomes."""
PRODIGY_FIELDS = {"spans", "tokens", "answer", "accept", "_input_hash", "_task_hash", "_view_id"}


def detect(path: Path) -> bool:
    if path.is_dir() or path.suffix.lower() not in (*SUFFIXES, ".json"):
        return False
    first = first_json_line(path)
    return (
        isinstance(first, dict)
        and isinstance(first.get("text"), str)
        and bool(PRODIGY_FIELDS & set(first))
        and not {"entities", "labels", "annotations"} & set(first)
        and not isinstance(first.get("label"), list)
    )


@dataclass(slots=True)
class _Text:
    """What the tasks on one text add up to."""

    document: Document
    line: int
    sets: dict[str, AnnotationSet] = field(default_factory=dict)


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    texts: dict[tuple[str | None, str], _Text] = {}
    skipped: dict[str, list[int]] = {}
    repeated: list[int] = []
    changed: list[int] = []
    seen: set[tuple[str, str]] = set()
    for number, task in json_lines(path):
        where = Where(path, number, "task")
        if not isinstance(task, dict):
            where.fail("must be a JSON object")
        text = text_of(task, "text", where)
        response = task.get("answer")
        if response not in (None, "accept", "reject", "ignore"):
            where.fail(f"'answer' must be accept, reject or ignore, got {response!r}")
        binary = _binary_label(task, where)
        if response == "ignore" or (response == "reject" and binary is None):
            skipped.setdefault(str(response), []).append(number)
            continue
        key = (identifier(task.get("id")), text)
        entry = texts.get(key)
        if entry is None:
            doc = Document(document_id(task.get("id"), text), text, _meta(task))
            entry = texts[key] = _Text(doc, number)
        if binary is None and not (
            response == "accept" or any(task.get(k) for k in ("spans", "relations", "accept"))
        ):
            continue
        name = _annotator(task, options)
        signature = (name, _signature(task))
        if signature in seen:
            repeated.append(number)
            continue
        seen.add(signature)
        aset = entry.sets.setdefault(name, AnnotationSet(name, IMPORTED_STATUS))
        if binary is not None:
            value = BINARY_VALUES[0] if response == "accept" else BINARY_VALUES[1]
            if aset.doc_labels.get(binary, value) != value:
                changed.append(number)
            aset.doc_labels[binary] = value
        else:
            _add_task(aset, task, text, where, options)
    for response, numbers in skipped.items():
        warn(
            options,
            path,
            f"{len(numbers)} tasks answered '{response}' were not imported "
            f"(lines {lines_list(numbers)})",
        )
    if repeated:
        warn(
            options,
            path,
            f"{len(repeated)} tasks repeat an earlier task of the same annotator and were "
            f"counted once (lines {lines_list(repeated)})",
        )
    if changed:
        warn(
            options,
            path,
            f"{len(changed)} binary answers change an earlier answer of the same annotator "
            f"to the same label; the later one is kept (lines {lines_list(changed)})",
        )
    for entry in texts.values():
        entry.document.annotations = list(entry.sets.values())
        yield Record(entry.document, str(path), entry.line)


def _binary_label(task: dict[str, Any], where: Where) -> str | None:
    """The label of a binary classification task (see the module docstring), else None."""
    label = task.get("label")
    if label is None or task.get("spans") or task.get("accept") or task.get("answer") is None:
        return None
    if not isinstance(label, str) or not label:
        where.fail(f"'label' must be a name, got {label!r}")
    return label


def _signature(task: dict[str, Any]) -> str:
    """What makes two tasks of one annotator the same task (see the module docstring)."""
    if integer(task.get("_task_hash")) is not None:
        # Prodigy's task hash leaves the answer out: the same task answered again the
        # other way is a changed answer, not a repeat.
        return f"hash:{task['_task_hash']}:{task.get('answer')}"
    keys = ("id", "text", "spans", "relations", "accept", "label", "answer")
    return json.dumps({k: task.get(k) for k in keys}, sort_keys=True, ensure_ascii=False)


def _meta(task: dict[str, Any]) -> dict[str, Any]:
    meta = dict(task["meta"]) if isinstance(task.get("meta"), dict) else {}
    meta.update((k, v) for k, v in task.items() if k not in TASK_KEYS)
    return meta


def _annotator(task: dict[str, Any], options: ReadOptions) -> str:
    for key in ("_annotator_id", "_session_id"):
        if isinstance(task.get(key), str) and task[key]:
            return str(task[key])
    return annotator_for(options, DEFAULT_ANNOTATOR)


def _add_task(
    aset: AnnotationSet, task: dict[str, Any], text: str, where: Where, options: ReadOptions
) -> None:
    tokens: list[Any] = task["tokens"] if isinstance(task.get("tokens"), list) else []
    ids: dict[tuple[int, int, str], str] = {(s.start, s.end, s.label): s.id for s in aset.spans}
    spans = task.get("spans") or []
    if not isinstance(spans, list):
        where.fail("'spans' must be a list")
    for i, raw in enumerate(spans):
        start, end, label = _span(raw, tokens, text, where.inside(f"spans[{i}]"))
        if (start, end, label) not in ids:
            span_id = f"s{len(aset.spans) + 1}"
            layer = layer_for(label, options.scheme)
            aset.spans.append(Span(span_id, layer, start, end, label))
            ids[(start, end, label)] = span_id
    relations = task.get("relations") or []
    if not isinstance(relations, list):
        where.fail("'relations' must be a list")
    in_task: set[Relation] = set()
    for i, raw in enumerate(relations):
        at = where.inside(f"relations[{i}]")
        relation = _relation(raw, aset.spans, tokens, at, options)
        if relation is None:
            continue
        if relation in in_task:
            warn(
                options,
                where.path,
                f"line {where.line}, {at.what}: repeats an earlier "
                f"{relation.label} relation between the same spans; counted once",
            )
        elif relation not in aset.relations:
            aset.relations.append(relation)
        in_task.add(relation)
    accepted = task.get("accept")
    if accepted:
        if not isinstance(accepted, list) or not all(identifier(a) for a in accepted):
            where.fail("'accept' must be a list of option ids")
        values = [str(a) for a in accepted]
        question = question_for(values, options.scheme)
        before = aset.doc_labels.get(question, [])
        merged = list(dict.fromkeys([*([before] if isinstance(before, str) else before), *values]))
        aset.doc_labels[question] = answer(question, merged, options.scheme)


def _span(raw: Any, tokens: list[Any], text: str, where: Where) -> tuple[int, int, str]:
    if not isinstance(raw, dict):
        where.fail("a span must be a JSON object")
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        where.fail("a span needs a 'label'")
    start, end = raw.get("start"), raw.get("end")
    if start is None or end is None:
        first, last = _token(tokens, raw.get("token_start")), _token(tokens, raw.get("token_end"))
        if first is None or last is None:
            where.fail("a span needs 'start' and 'end' (or 'token_start', 'token_end', 'tokens')")
        start, end = first.get("start"), last.get("end")
    start, end = check_offsets(start, end, text, where)
    if isinstance(raw.get("text"), str) and raw["text"] != text[start:end]:
        where.fail(
            f"the span's text {raw['text']!r} is not the text at {start}-{end} "
            f"({text[start:end]!r})"
        )
    return start, end, label


def _token(tokens: list[Any], index: Any) -> dict[str, Any] | None:
    position = integer(index)
    if (
        position is None
        or not 0 <= position < len(tokens)
        or not isinstance(tokens[position], dict)
    ):
        return None
    token: dict[str, Any] = tokens[position]
    return token


def _relation(
    raw: Any, spans: list[Span], tokens: list[Any], where: Where, options: ReadOptions
) -> Relation | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("label"), str) or not raw["label"]:
        where.fail("a relation must be an object with a 'label'")
    ends = [_end(raw, side, spans, tokens) for side in ("head", "child")]
    if ends[0] is None or ends[1] is None:
        message = "not imported: its head or child is not a labelled span"
        warn(options, where.path, f"line {where.line}, {where.what}: {message}")
        return None
    return Relation(ends[0], ends[1], raw["label"])


def _end(raw: dict[str, Any], side: str, spans: list[Span], tokens: list[Any]) -> str | None:
    """The id of the span at one end of a relation."""
    bounds = raw.get(f"{side}_span")
    if isinstance(bounds, dict):
        at = [s for s in spans if (s.start, s.end) == (bounds.get("start"), bounds.get("end"))]
        labelled = [s for s in at if s.label == bounds.get("label")]
        found = labelled or at
        return found[0].id if found else None
    token = _token(tokens, raw.get(side))
    if token is None:
        return None
    found = [s for s in spans if s.end == token.get("end")]
    return found[0].id if found else None


# -- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    report = WriteReport(files=[str(out)])
    with atomic_text_writer(out) as handle:
        for doc in documents:
            report.documents += 1
            sets: list[AnnotationSet | None] = [*doc.annotations] or [None]
            for aset in sets:
                binary = _binary_answers(aset)
                task = _task(doc, aset, options, report)
                handle.write(json_line(task))
                for label, value in binary.items():
                    handle.write(json_line(_binary_task(task, label, value)))
    return report


def _task(
    doc: Document, aset: AnnotationSet | None, options: WriteOptions, report: WriteReport
) -> dict[str, Any]:
    task: dict[str, Any] = {"id": doc.id, "text": doc.text}
    task.update((k, v) for k, v in doc.meta.items() if k.startswith("_"))
    for key in ANNOTATION_FIELDS:
        task.pop(key, None)
    meta = {k: v for k, v in doc.meta.items() if not k.startswith("_")}
    if meta:
        task["meta"] = meta
    if aset is None:
        return task
    aset = pieces_to_write(aset, report)
    spans = spans_to_write(aset, options, report)
    relations = relations_to_write(aset, spans, report)
    report.spans += len(spans)
    tokens = tokenize(doc.text, WORDS, (o for s in spans for o in (s.start, s.end)))
    positions = {s.id: tokens.covered(s.start, s.end) for s in spans}
    task["tokens"] = [
        {
            "text": doc.text[t.start : t.end],
            "start": t.start,
            "end": t.end,
            "id": i,
            "ws": t.end < len(doc.text) and doc.text[t.end].isspace(),
        }
        for i, t in enumerate(tokens)
    ]
    span_json = {s.id: _span_json(s, positions[s.id]) for s in spans}
    task["spans"] = list(span_json.values())
    task["relations"] = [
        {
            "head": span_json[r.head].get("token_end"),
            "child": span_json[r.child].get("token_end"),
            "head_span": span_json[r.head],
            "child_span": span_json[r.child],
            "label": r.label,
        }
        for r in relations
    ]
    attributes = sum(1 for s in spans if s.attrs)
    if attributes:
        report.leave_out("spans' attributes (Prodigy has none)", attributes)
    _write_answers(task, aset, options, report)
    task["answer"] = "accept"
    task["_annotator_id"] = task["_session_id"] = aset.annotator
    return task


def _binary_answers(aset: AnnotationSet | None) -> dict[str, str]:
    """The answers written as binary tasks: yes/no answers to a question named like its
    label (what binary tasks are read as)."""
    if aset is None:
        return {}
    return {q: v for q, v in aset.doc_labels.items() if isinstance(v, str) and v in BINARY_VALUES}


def _binary_task(task: dict[str, Any], label: str, value: str) -> dict[str, Any]:
    binary = {k: v for k, v in task.items() if k not in ("tokens", "spans", "relations")}
    for key in ("accept", "options"):
        binary.pop(key, None)
    binary["label"] = label
    binary["answer"] = "accept" if value == BINARY_VALUES[0] else "reject"
    return binary


def _span_json(span: Span, tokens: tuple[int, int] | None) -> dict[str, Any]:
    item: dict[str, Any] = {"start": span.start, "end": span.end}
    if tokens is not None:
        item["token_start"], item["token_end"] = tokens
    item["label"] = span.label
    return item


def _write_answers(
    task: dict[str, Any], aset: AnnotationSet, options: WriteOptions, report: WriteReport
) -> None:
    binary = _binary_answers(aset)
    choices = {q: v for q, v in aset.doc_labels.items() if q not in binary}
    if not choices:
        return
    question, chosen = next(iter(choices.items()))
    if len(choices) > 1:
        report.leave_out(
            "answers to further questions (Prodigy has one choice per task)", len(choices) - 1
        )
    values = [chosen] if isinstance(chosen, str) else list(chosen)
    known = options.scheme.question(question) if options.scheme is not None else None
    offered = list(known.values) if known is not None else values
    task["options"] = [{"id": v, "text": v} for v in offered]
    task["accept"] = values
