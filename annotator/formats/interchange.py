"""What the interchange formats (Prodigy, doccano, brat, CoNLL, Label Studio) share.

Reading: JSON records with errors that name the file, the line and the field; the
layer an incoming label belongs to; the question an answer belongs to. Writing: what
an export leaves out, counted in the :class:`WriteReport` so that it is never silent.

Conventions every importer follows:

- a label the corpus scheme knows goes to its layer (``entity`` first when several
  layers have it); any other label goes to the ``entity`` layer, where it is an error
  unless ``--extend-scheme`` is given (the importing service checks that);
- annotation sets read from another tool have the status ``done``: they were
  submitted there;
- a document without an id gets ``doc-`` and the start of its text's SHA-256, as in the
  native format, so the same text imported twice is the same document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from annotator.core.errors import InputError
from annotator.core.fragments import in_pieces
from annotator.core.model import AnnotationSet, Document, Relation, Span, text_sha256
from annotator.core.scheme import Scheme
from annotator.formats import ReadOptions, WriteOptions, WriteReport
from annotator.formats.reading import MAX_LINE_BYTES, check_json_depth, decode, read_bytes

DEFAULT_LAYER = "entity"
IMPORTED_STATUS = "done"
DEFAULT_QUESTION = "choice"
"""The question of answers that match no question of the scheme."""


class Where:
    """A place in a file (path, line, record) for error messages."""

    def __init__(self, path: Path | str, line: int | None, what: str) -> None:
        self.path, self.line, self.what = str(path), line, what

    def fail(self, message: str) -> NoReturn:
        raise InputError(self.path, f"{self.what}: {message}", line=self.line)

    def inside(self, what: str) -> Where:
        return Where(self.path, self.line, f"{self.what}, {what}")


# -- reading JSON ----------------------------------------------------------------------------


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed value)`` for each non-blank line of a JSON Lines file.

    Lines are split on ``\\n`` only: U+2028 may occur inside strings.
    """
    data = read_bytes(path)
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(str(path), f"line is over {MAX_LINE_BYTES} bytes", line=number)
        yield number, parse_json(decode(raw, path, number), path, number)


def json_array(path: Path) -> list[tuple[int, Any]]:
    """``(line number, item)`` for each item of a file holding one JSON array.

    The line is where the item starts, so that errors point into the file.
    """
    text = decode(read_bytes(path), path)
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position < len(text) and text[position] == "{":
        return [(_line_of(text, position), parse_json(text, path, None))]
    if position >= len(text) or text[position] != "[":
        raise InputError(str(path), "expected a JSON array of tasks (the file starts otherwise)")
    items: list[tuple[int, Any]] = []
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return items
    line, counted = 1, 0  # the line of ``counted``, moved forward item by item
    while True:
        line += text.count("\n", counted, position)
        counted = position
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InputError(
                str(path), f"invalid or truncated JSON ({error.msg})", line=error.lineno
            ) from None
        except RecursionError:
            raise InputError(str(path), "JSON nested too deeply", line=line) from None
        check_json_depth(text[counted:position], item, path, line)
        items.append((line, item))
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] == "]":
            if text[position + 1 :].strip():
                raise InputError(
                    str(path), "unexpected data after the array", line=_line_of(text, position)
                )
            return items
        else:
            raise InputError(
                str(path),
                "invalid or truncated JSON (expected ',' or ']' after an item)",
                line=_line_of(text, position),
            )


def json_line(value: Any) -> str:
    """``value`` as one line of JSON Lines, U+2028 and U+2029 escaped (see :func:`json_lines`)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def parse_json(text: str, path: Path, line: int | None) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = line if line is not None else error.lineno
        raise InputError(
            str(path), f"invalid or truncated JSON ({error.msg} at column {error.colno})", where
        ) from None
    except RecursionError:
        raise InputError(str(path), "JSON nested too deeply", line=line) from None
    check_json_depth(text, value, path, line)
    return value


def first_json_line(path: Path) -> Any:
    """The first record of a JSON Lines file, or None if it is not one (for detection)."""
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    return json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def integer(value: Any) -> int | None:
    """``value`` if it is an integer (JSON ``true`` is not one), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def identifier(value: Any) -> str | None:
    """A document or span id from a string or an integer, else None."""
    if integer(value) is not None:
        return str(value)
    return value if isinstance(value, str) and value else None


def document_id(value: Any, text: str) -> str:
    """The id given in the file, or one made from the text (see the module docstring)."""
    return identifier(value) or f"doc-{text_sha256(text)[:16]}"


def text_of(obj: dict[str, Any], key: str, where: Where) -> str:
    """The document text under ``key``, refusing a missing text and NUL characters."""
    text = obj.get(key)
    if not isinstance(text, str):
        where.fail(f"'{key}' must be the document text (a string)")
    if "\x00" in text:
        where.fail(f"the text contains a NUL character at offset {text.index(chr(0))}")
    return text


def check_offsets(start: Any, end: Any, text: str, where: Where) -> tuple[int, int]:
    """``(start, end)`` if they are integers delimiting a non-empty part of ``text``."""
    first, last = integer(start), integer(end)
    if first is None or last is None:
        where.fail(f"start and end must be integers, got {start!r} and {end!r}")
    if not 0 <= first < last <= len(text):
        where.fail(
            f"offsets {first}-{last} are not a non-empty part of the text ({len(text)} characters)"
        )
    return first, last


# -- labels, layers and questions ------------------------------------------------------------


def layer_for(label: str, scheme: Scheme | None, hint: str | None = None) -> str:
    """The layer of an imported span (see the module docstring).

    Args:
        label: the span's label.
        scheme: the corpus scheme, if known.
        hint: a layer name the file gives (Label Studio's ``from_name``), used when the
            scheme has such a layer.
    """
    if scheme is None:
        return DEFAULT_LAYER
    if hint is not None and scheme.layer(hint) is not None:
        return hint
    default = scheme.layer(DEFAULT_LAYER)
    if default is not None and default.label(label) is not None:
        return DEFAULT_LAYER
    for layer in scheme.span_layers:
        if layer.label(label) is not None:
            return layer.name
    return DEFAULT_LAYER


def question_for(values: list[str], scheme: Scheme | None, hint: str | None = None) -> str:
    """The question answered by ``values``: ``hint`` if given, else the only question of
    the scheme that has all of them among its answers, else :data:`DEFAULT_QUESTION`."""
    if hint:
        return hint
    if scheme is not None:
        matches = [q.name for q in scheme.questions if set(values) <= set(q.values)]
        if len(matches) == 1:
            return matches[0]
    return DEFAULT_QUESTION


def answer(question: str, values: list[str], scheme: Scheme | None) -> str | list[str]:
    """``values`` shaped as the scheme wants: a list for a multi-answer question, else
    one string (a list only when several values make it one)."""
    known = scheme.question(question) if scheme is not None else None
    if (known is not None and known.multi) or len(values) != 1:
        return list(values)
    return values[0]


def annotator_for(options: ReadOptions, default: str) -> str:
    """``--annotator`` if given, else the format's default name."""
    return options.annotator or default


def warn(options: ReadOptions, path: Path | str, message: str) -> None:
    options.warnings.append(f"{path}: {message}")


def lines_list(numbers: list[int], limit: int = 10) -> str:
    """ "3, 7, 9" or "3, 7, ... (12 in all)" for warnings that name lines."""
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown if len(numbers) <= limit else f"{shown}, ... ({len(numbers)} in all)"


# -- writing ---------------------------------------------------------------------------------

SUGGESTIONS = "suggested spans (export them with --include-suggestions)"
ORPHAN_RELATIONS = "relations to suggested spans"
OTHER_SETS = "annotation sets of other annotators (choose one with --from)"
METADATA = "documents' metadata"


def pieces_to_write(aset: AnnotationSet, report: WriteReport) -> AnnotationSet:
    """``aset`` for a format that cannot hold fragments: each discontinuous span as one
    span per fragment (same label and attributes, the span's links on each), counted in
    ``report.split`` so that the export says so."""
    pieces, split = in_pieces(aset)
    report.split += split
    return pieces


def spans_to_write(aset: AnnotationSet, options: WriteOptions, report: WriteReport) -> list[Span]:
    """The spans of ``aset`` an export writes: suggestions only when asked for."""
    spans = [s for s in aset.spans if options.include_suggestions or not s.suggested]
    if len(spans) < len(aset.spans):
        report.leave_out(SUGGESTIONS, len(aset.spans) - len(spans))
    return spans


def relations_to_write(
    aset: AnnotationSet, spans: list[Span], report: WriteReport
) -> list[Relation]:
    """The relations between ``spans`` (those whose ends were left out are counted)."""
    kept = {s.id for s in spans}
    relations = [r for r in aset.relations if r.head in kept and r.child in kept]
    if len(relations) < len(aset.relations):
        report.leave_out(ORPHAN_RELATIONS, len(aset.relations) - len(relations))
    return relations


def only_set(doc: Document, report: WriteReport) -> AnnotationSet | None:
    """The annotation set a one-set-per-document format writes; the others are counted."""
    if len(doc.annotations) > 1:
        report.leave_out(OTHER_SETS, len(doc.annotations) - 1)
    return doc.annotations[0] if doc.annotations else None
