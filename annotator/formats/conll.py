"""CoNLL-2003 style files: one token per line, the tag in the last column.

Reading:

- Columns are separated by spaces or tabs; the first is the token, the last the tag
  (``token POS chunk TAG``, ``token _ _ TAG`` and ``token TAG`` all work).
- Tags: ``O``, or a prefix and a label: IOB1 (``I-`` starts an entity unless the token
  before is of the same entity; ``B-`` separates two adjacent ones), IOB2 (``B-``
  always starts one) and BILUO/BIOES (``U-``/``S-`` single-token, ``L-``/``E-`` last
  token) are all read by one rule: an entity starts at ``B``, ``U``, ``S``, or at an
  ``I``/``L``/``E`` that does not continue an entity of the same label, and ends after
  ``L``, ``U``, ``E``, ``S``, at ``O``, at another label and at the end of a sentence.
- ``-DOCSTART-`` lines (``-DOCSTART- -X- O O``, ``-DOCSTART- -X- -X- O``, or with any
  columns) start a document; without any, the whole file is one document. Blank lines
  end sentences.
- The text is rebuilt: tokens joined with single spaces, sentences with ``\\n``. CoNLL
  does not keep the original spacing, so this is the simplest text whose offsets match
  the tokens (and it gives back a text that was written that way, as doccano-transformer
  does).
- Document ids: ``FILE-1``, ``FILE-2``... after the file name when it has
  ``-DOCSTART-`` lines, else the file name. Annotator: ``--annotator``, else ``conll``.
  Every document gets an annotation set, even without entities: a CoNLL file is
  annotated data, and a sentence without entities says so.

Writing: IOB2 tags in four space-separated columns ``token _ _ TAG`` (the layout of
CoNLL-2003, with ``_`` for the part-of-speech and chunk columns this tool does not
have, as doccano-transformer writes them), each document after a
``-DOCSTART- -X- -X- O`` line, one sentence per line of the text. Tokens are runs of
non-whitespace cut at span boundaries, so that every span is made of whole tokens. One
tag per token means: overlapping spans are left out (spans of the ``entity`` layer are
kept first, then the others in order), as are spans across a line break, relations,
attributes, document labels, metadata, and the original spacing; each is counted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Span
from annotator.formats import ReadOptions, Record, WriteOptions, WriteReport
from annotator.formats.atomic import atomic_text_writer
from annotator.formats.interchange import (
    DEFAULT_LAYER,
    IMPORTED_STATUS,
    METADATA,
    annotator_for,
    layer_for,
    only_set,
    pieces_to_write,
    spans_to_write,
    warn,
)
from annotator.formats.reading import MAX_LINE_BYTES, decode, read_bytes
from annotator.formats.tokens import NON_SPACE, tokenize

SUFFIXES = (".conll", ".conll2003", ".conll03", ".iob", ".iob1", ".iob2", ".bio", ".bilou")
DOCSTART = "-DOCSTART-"
DEFAULT_ANNOTATOR = "conll"
_TAG = re.compile(r"^([BIELSU])-(\S+)$")
_SNIFF_LINES = 50


def detect(path: Path) -> bool:
    if path.is_dir():
        return False
    if path.suffix.lower() in SUFFIXES:
        return True
    if path.suffix.lower() not in (".txt", ".tsv"):
        return False
    try:
        with path.open("rb") as handle:
            lines = [
                raw.decode("utf-8").split() for raw, _ in zip(handle, range(500), strict=False)
            ]
    except (OSError, UnicodeDecodeError):
        return False
    rows = [cols for cols in lines if cols][:_SNIFF_LINES]
    if rows and rows[0][0] == DOCSTART:
        return True
    return len(rows) >= 2 and all(len(c) >= 2 and _tag_ok(c[-1]) for c in rows)


def _tag_ok(tag: str) -> bool:
    return tag == "O" or _TAG.match(tag) is not None


@dataclass(slots=True)
class _Doc:
    line: int
    sentences: list[list[tuple[str, str, int]]] = field(default_factory=lambda: [[]])


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    docs: list[_Doc] = [_Doc(1)]
    starts = 0
    for number, line in enumerate(decode(read_bytes(path), path).split("\n"), start=1):
        if len(line) > MAX_LINE_BYTES:  # characters: at least as many bytes
            raise InputError(str(path), f"line is over {MAX_LINE_BYTES} bytes", line=number)
        if "\x00" in line:
            raise InputError(
                str(path),
                f"the line holds a NUL character at column {line.index(chr(0)) + 1}; "
                "remove it before importing",
                line=number,
            )
        columns = line.split()
        if columns and columns[0] == DOCSTART:
            docs.append(_Doc(number))
            starts += 1
        elif not columns:
            if docs[-1].sentences[-1]:
                docs[-1].sentences.append([])
        elif len(columns) < 2 or not _tag_ok(columns[-1]):
            raise InputError(
                str(path),
                f"expected a token and a tag (O, or B-, I-, L-, U-, E-, S- and a label), "
                f"got {line.strip()[:60]!r}",
                line=number,
            )
        else:
            docs[-1].sentences[-1].append((columns[0], columns[-1], number))
    filled = [d for d in docs if any(d.sentences)]
    if starts and len(filled) < starts:
        warn(options, path, f"{starts - len(filled)} documents without tokens left out")
    if not filled:
        raise InputError(str(path), "no tokens in this file")
    for number, doc in enumerate(filled, start=1):
        doc_id = f"{path.stem}-{number}" if starts else path.stem
        yield Record(_document(doc_id, doc, path, options), str(path), doc.line)


def _document(doc_id: str, doc: _Doc, path: Path, options: ReadOptions) -> Document:
    pieces: list[str] = []
    found: list[tuple[str, int, int]] = []
    offset = 0
    for sentence in (s for s in doc.sentences if s):
        if pieces:
            pieces.append("\n")
            offset += 1
        found += _entities(sentence, offset)
        pieces.append(" ".join(token for token, _, _ in sentence))
        offset += len(pieces[-1])
    spans = [
        Span(f"s{i}", layer_for(label, options.scheme), start, end, label)
        for i, (label, start, end) in enumerate(found, start=1)
    ]
    aset = AnnotationSet(annotator_for(options, DEFAULT_ANNOTATOR), IMPORTED_STATUS, spans)
    return Document(doc_id, "".join(pieces), {"source": path.name}, [aset])


def _entities(sentence: list[tuple[str, str, int]], offset: int) -> list[tuple[str, int, int]]:
    """``(label, start, end)`` of the entities a sentence's tags mark (see the module
    docstring), with offsets from ``offset``, where the sentence starts in the text."""
    found: list[tuple[str, int, int]] = []
    label: str | None = None
    start = end = position = offset
    for index, (token, tag, _) in enumerate(sentence):
        token_start = position + 1 if index else position
        position = token_start + len(token)
        prefix, _, name = tag.partition("-")
        if label is not None and not (name == label and prefix in "ILE"):
            found.append((label, start, end))
            label = None
        if prefix != "O" and label is None:
            label, start = name, token_start
        if label is not None:
            end = position
            if prefix in "LUES":
                found.append((label, start, end))
                label = None
    if label is not None:
        found.append((label, start, end))
    return found


# -- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    report = WriteReport(files=[str(out)])
    with atomic_text_writer(out) as handle:
        for doc in documents:
            report.documents += 1
            if doc.meta:
                report.leave_out(METADATA)
            aset = only_set(doc, report)
            spans = _one_per_token(doc.text, aset, options, report) if aset else []
            report.spans += len(spans)
            handle.write(f"{DOCSTART} -X- -X- O\n\n")
            handle.write(_columns(doc.text, spans, report))
    return report


def _one_per_token(
    text: str, aset: AnnotationSet, options: WriteOptions, report: WriteReport
) -> list[Span]:
    """The spans CoNLL can tag: no overlaps, no line breaks inside, some token."""
    aset = pieces_to_write(aset, report)
    if aset.relations:
        report.leave_out("relations (CoNLL has none)", len(aset.relations))
    if aset.doc_labels:
        report.leave_out("document labels (CoNLL has none)", len(aset.doc_labels))
    spans = spans_to_write(aset, options, report)
    attributes = sum(1 for s in spans if s.attrs)
    if attributes:
        report.leave_out("spans' attributes (CoNLL has none)", attributes)
    layers = list(dict.fromkeys([DEFAULT_LAYER, *(s.layer for s in spans)]))
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (layers.index(s.layer), s.start, -s.end)):
        if "\n" in text[span.start : span.end]:
            report.leave_out("spans across a line break (a CoNLL sentence is one line)")
        elif not text[span.start : span.end].strip():
            report.leave_out("spans of whitespace only")
        elif any(span.overlaps(other) for other in chosen):
            report.leave_out("overlapping spans (CoNLL tags each token once)")
        else:
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _columns(text: str, spans: list[Span], report: WriteReport) -> str:
    tokens = tokenize(text, NON_SPACE, (o for s in spans for o in (s.start, s.end)))
    tags = ["O"] * len(tokens)
    for span in spans:
        covered = tokens.covered(span.start, span.end)
        if covered is None:  # cannot happen: the span has non-space text, cut at its ends
            raise AssertionError(f"span {span.id} covers no token")
        first, last = covered
        tags[first : last + 1] = [f"B-{span.label}"] + [f"I-{span.label}"] * (last - first)
    breaks = [i for i, char in enumerate(text) if char == "\n"]
    lines: list[list[str]] = []
    last_line = -1
    for token, tag in zip(tokens, tags, strict=True):
        line = bisect.bisect_left(breaks, token.start)
        if line != last_line:
            lines.append([])
            last_line = line
        lines[-1].append(f"{text[token.start : token.end]} _ _ {tag}")
    rebuilt = "\n".join(" ".join(row.split(" ")[0] for row in rows) for rows in lines)
    if rebuilt != text:
        report.leave_out("documents' original spacing (CoNLL keeps tokens, not spaces)")
    return "".join("".join(f"{row}\n" for row in rows) + "\n" for rows in lines)
