"""brat's standoff ``.ann`` lines: reading them into spans and relations, and writing them.

How each line type is read (IDs may be used before the line that defines them):

- ``T`` text-bound annotation -> a span labelled with its type. A discontinuous one
  (``T1 Type 0 5;10 15``) is a span with these fragments; fragments separated by
  whitespace only (brat splits spans at line breaks) are joined into one piece. The
  text after the offsets must be the ``.txt``'s text there (whitespace aside).
- ``R`` relation -> a relation from ``Arg1`` to ``Arg2``.
- ``E`` event -> its trigger span, plus one relation from the trigger to each argument,
  labelled with the role (``Giver-Arg``). Wherever an event is referred to (as an
  argument, in a relation, by an attribute), its trigger span stands for it.
- ``*`` equivalence (``* Alias T3 T4 T5``) -> relations labelled with its type between
  consecutive members (T3 -> T4, T4 -> T5).
- ``A``/``M`` attribute -> span attribute ``NAME``: its value, or ``"true"`` for a
  binary attribute.
- ``N`` normalisation (``N1 Reference T5 Wikipedia:64488<TAB>Carlos``) -> attributes
  ``norm.Reference`` = ``Wikipedia:64488`` and ``norm.Reference.text`` = ``Carlos``.
- ``#`` note (``#1 AnnotatorNotes T2<TAB>100000000 USD``) -> attribute
  ``AnnotatorNotes`` (its type) = the note.

A second value of the same attribute on one span is appended after `` | ``. Attributes
and notes on relations are left out with a warning (relations here have no attributes),
as are duplicate relations.

Writing does the reverse with fresh IDs (``T1``...), a discontinuous span's fragments
as ``START END;START END`` (its text the fragments' texts joined by a space), relations
as ``R`` lines (brat cannot tell an event's arguments from relations once they are
relations), an attribute ``"true"`` as a binary ``A``, a one-word value as a valued
``A``, ``AnnotatorNotes`` and values with spaces as ``#`` notes, ``norm.*`` as ``N``
lines.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from annotator.core.fragments import fragments_of
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.formats import ReadOptions, WriteReport
from annotator.formats.interchange import IMPORTED_STATUS, Where, layer_for, lines_list, warn

TRUE = "true"
NOTES = "AnnotatorNotes"
NORM = "norm."
_FRAGMENT = re.compile(r"^(\d+) (\d+)$")


@dataclass(slots=True)
class _Parsed:
    """The lines of one ``.ann`` file, by kind, before IDs are resolved."""

    entities: dict[str, tuple[int, str, list[tuple[int, int]]]] = field(default_factory=dict)
    events: dict[str, tuple[int, str, list[tuple[str, str]]]] = field(default_factory=dict)
    links: list[tuple[int, str, list[str]]] = field(default_factory=list)
    attributes: list[tuple[int, str, str, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


def parse(ann: str, text: str, path: str, annotator: str, options: ReadOptions) -> AnnotationSet:
    """The annotation set an ``.ann`` file describes over ``text``.

    Raises:
        InputError: naming ``path``, the line and what is wrong with it.
    """
    parsed = _Parsed()
    for number, line in enumerate(ann.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip():
            _read_line(parsed, line, Where(path, number, line.split("\t", 1)[0]), text)
    return _resolve(parsed, path, annotator, options)


def _read_line(parsed: _Parsed, line: str, where: Where, text: str) -> None:
    fields = line.split("\t", 2)
    ident, kind = fields[0], fields[0][:1]
    if kind not in "TREAMN#*":
        where.fail("unknown annotation; brat lines start with T, R, E, A, M, N, # or *")
    if len(fields) < 2 or not fields[1].strip():
        where.fail("expected an ID, a tab and the annotation")
    if kind not in "#*":
        if ident in parsed.ids:
            where.fail(f"the ID {ident} is defined twice")
        parsed.ids.add(ident)
    words, rest = fields[1].split(), fields[2] if len(fields) > 2 else None
    if kind == "T":
        parsed.entities[ident] = (where.line or 0, *_text_bound(fields[1], rest, text, where))
    elif kind == "E":
        trigger = _argument(words[0], where)
        parsed.events[ident] = (
            where.line or 0,
            trigger[1],
            [_argument(w, where) for w in words[1:]],
        )
    elif kind == "R":
        args = dict(_argument(w, where) for w in words[1:])
        if len(args) != 2 or len(words) != 3:
            where.fail(f"a relation needs two arguments (Arg1, Arg2), got {len(words) - 1}")
        ordered = (
            [args.get("Arg1", ""), args.get("Arg2", "")] if "Arg1" in args else [*args.values()]
        )
        parsed.links.append((where.line or 0, words[0], ordered))
    elif kind == "*":
        if len(words) < 3:
            where.fail("an equivalence needs a type and at least two IDs")
        parsed.links.append((where.line or 0, words[0], words[1:]))
    elif kind in "AM":
        if len(words) not in (2, 3):
            where.fail("an attribute is NAME ID or NAME ID VALUE")
        value = words[2] if len(words) == 3 else TRUE
        parsed.attributes.append((where.line or 0, words[0], words[1], value))
    elif kind == "N":
        if len(words) != 3 or ":" not in words[2]:
            where.fail("a normalisation is TYPE ID RID:EID")
        name = f"{NORM}{words[0]}"
        parsed.attributes.append((where.line or 0, name, words[1], words[2]))
        if rest and rest.strip():
            parsed.attributes.append((where.line or 0, f"{name}.text", words[1], rest.strip()))
    elif kind == "#":
        if len(words) != 2:
            where.fail("a note is TYPE ID, a tab and the note")
        if rest and rest.strip():
            parsed.attributes.append((where.line or 0, words[0], words[1], rest.strip()))


def _argument(word: str, where: Where) -> tuple[str, str]:
    role, colon, target = word.partition(":")
    if not colon or not role or not target:
        where.fail(f"expected ROLE:ID, got {word!r}")
    return role, target


def _text_bound(
    head: str, shown: str | None, text: str, where: Where
) -> tuple[str, list[tuple[int, int]]]:
    label, _, offsets = head.partition(" ")
    fragments = []
    for part in offsets.split(";"):
        match = _FRAGMENT.match(part.strip())
        if match is None:
            where.fail(f"expected TYPE START END, got {head!r}")
        start, end = int(match[1]), int(match[2])
        if not 0 <= start < end <= len(text):
            where.fail(f"offsets {start}-{end} are outside the .txt ({len(text)} characters)")
        fragments.append((start, end))
    fragments.sort()
    for (_, end), (start, _) in itertools.pairwise(fragments):
        if start < end:
            where.fail(f"the fragments of {offsets.strip()!r} overlap")
    if shown:
        expected = " ".join(text[s:e] for s, e in fragments)
        if shown.split() != expected.split():
            where.fail(
                f"the annotation's text {shown!r} is not the .txt's text at {offsets.strip()} "
                f"({expected!r}); the .ann does not belong to this .txt"
            )
    pieces: list[tuple[int, int]] = []
    for start, end in fragments:
        if pieces and not text[pieces[-1][1] : start].strip():
            pieces[-1] = (pieces[-1][0], end)  # only white space between: one stretch
        else:
            pieces.append((start, end))
    return label, pieces


def _resolve(parsed: _Parsed, path: str, annotator: str, options: ReadOptions) -> AnnotationSet:
    def span_of(target: str, line: int, what: str) -> str:
        if target in parsed.entities:
            return target
        if target in parsed.events:
            return parsed.events[target][1]
        Where(path, line, what).fail(f"{target} is not defined by any T or E line")

    attrs: dict[str, dict[str, Any]] = {ident: {} for ident in parsed.entities}
    relations: list[Relation] = []
    for ident, (line, trigger, args) in parsed.events.items():
        head = span_of(trigger, line, ident)
        relations += [Relation(head, span_of(t, line, ident), role) for role, t in args]
    for line, label, members in parsed.links:
        ends = [span_of(m, line, label) for m in members]
        relations += [Relation(a, b, label) for a, b in itertools.pairwise(ends)]
    on_relations: list[int] = []
    for line, name, target, value in parsed.attributes:
        if target.startswith("R") and target in parsed.ids:
            on_relations.append(line)
            continue
        values = attrs[span_of(target, line, name)]
        values[name] = f"{values[name]} | {value}" if name in values else value
    if on_relations:
        lines = lines_list(on_relations)
        warn(options, path, f"attributes and notes of relations were not imported (lines {lines})")
    unique = list(dict.fromkeys(relations))
    if len(unique) < len(relations):
        warn(options, path, f"{len(relations) - len(unique)} duplicate relations left out")
    spans = [
        Span(
            ident,
            layer_for(label, options.scheme),
            pieces[0][0],
            pieces[-1][1],
            label,
            attrs[ident],
            fragments=tuple(pieces) if len(pieces) > 1 else None,
        )
        for ident, (_, label, pieces) in parsed.entities.items()
    ]
    return AnnotationSet(annotator, IMPORTED_STATUS, spans, unique)


# -- writing ---------------------------------------------------------------------------------


def standoff(
    text: str, spans: list[Span], relations: list[Relation], report: WriteReport
) -> list[str]:
    """The ``.ann`` lines for ``spans`` and ``relations`` over ``text``."""
    ids = {span.id: f"T{i}" for i, span in enumerate(spans, start=1)}
    lines = [
        f"{ids[s.id]}\t{s.label} {';'.join(f'{a} {b}' for a, b in fragments_of(s))}\t"
        + " ".join(_one_line(text[a:b]) for a, b in fragments_of(s))
        for s in spans
    ]
    lines += [
        f"R{i}\t{r.label} Arg1:{ids[r.head]} Arg2:{ids[r.child]}\t"
        for i, r in enumerate(relations, start=1)
    ]
    counters = {"A": 0, "N": 0, "#": 0}

    def next_id(kind: str) -> str:
        counters[kind] += 1
        return f"{kind}{counters[kind]}"

    for span in spans:
        lines += _attribute_lines(span.attrs, ids[span.id], next_id, report)
    return lines


def _attribute_lines(
    attrs: Any, target: str, next_id: Callable[[str], str], report: WriteReport
) -> list[str]:
    lines = []
    for name, raw in attrs.items():
        value = str(raw)
        if name.startswith(NORM) and name.endswith(".text"):
            continue
        if "\n" in value or "\r" in value or not value.strip():
            report.leave_out("attribute values that are empty or span several lines")
        elif name.startswith(NORM) and len(value.split()) == 1 and ":" in value:
            note = str(attrs.get(f"{name}.text", ""))
            lines.append(f"{next_id('N')}\t{name[len(NORM) :]} {target} {value}\t{note}")
        elif value == TRUE and name != NOTES:
            lines.append(f"{next_id('A')}\t{name} {target}")
        elif name == NOTES or len(value.split()) != 1 or value != value.strip():
            lines.append(f"{next_id('#')}\t{name} {target}\t{value}")
        else:
            lines.append(f"{next_id('A')}\t{name} {target} {value}")
    return lines


def _one_line(value: str) -> str:
    """A span's text as the ``.ann`` shows it: line breaks become spaces (the offsets,
    not this text, say where the span is)."""
    return value.replace("\r", " ").replace("\n", " ")
