"""WebAnno TSV 3.x (INCEpTION's exchange format), format name ``webanno``.

A file holds one document: a header declaring the layers (``#T_SP=`` span layers,
``#T_CH=`` chain layers, ``#T_RL=`` relation layers, each with its features), two empty
lines, then sentences: ``#Text=`` lines and one row per token (``1-3``) or sub-token
(``1-3.1``) with its offsets, its text and one column per feature. Offsets are UTF-16
code units (an emoji counts 2), converted to code points here.

Reading (:func:`read`; a folder is read file by file, ``.tsv`` files at any depth, each
document's id its path without ``.tsv``):

- The text is rebuilt from the ``#Text=`` lines (several lines of one sentence are
  joined with line breaks), each sentence placed at its first token's offset; what lies
  between sentences, which the format does not record, becomes spaces.
- Span layers: each annotation is a span, multi-token when rows share its
  disambiguation id (``PER[2]``), stacked when one row holds several (``A[1]|B[2]``).
  Its label is the value of the feature ``value`` (else ``label``), or the layer's short
  name when the value is empty (``*``) or the layer has neither feature; the other
  features are span attributes (``POS|PosValue`` gives spans labelled ``POS`` with the
  attribute ``PosValue``). When some value of a layer cannot be a label name (``.``,
  ``PRP$``), that layer's values are attributes too. Its layer: ``entity`` for
  INCEpTION's named entities, else the layer's short name (``webanno.custom.claim`` ->
  ``claim``, ``...pos.POS`` -> ``POS``), which ``--extend-scheme`` adds to the scheme
  like any label.
- Relation layers: each arc is a relation from the governor's span (the row named in the
  last column, with its disambiguation ids ``1-3[1_3]``) to the dependent's (the row
  holding the arc), labelled by its first feature, else the layer's short name. An arc
  from a span to itself (a dependency root) cannot be a relation: such arcs are left
  out, and a warning counts them.
- Chain layers (coreference): each element is a span (labelled by its
  ``referenceType``), and each link of a chain a relation from one element to the next
  labelled by its ``referenceRelation`` (else the layer's short name).
- Slot features are not read: a warning names them.
- Annotator: ``--annotator``, else ``inception``; the set's status is ``done``.

Writing is :mod:`annotator.formats.webanno_write`.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import ReadOptions, Record, WriteOptions, WriteReport
from annotator.formats.archives import read_members
from annotator.formats.folders import Walk, walk
from annotator.formats.interchange import IMPORTED_STATUS, annotator_for, warn
from annotator.formats.reading import check_text, decode, read_bytes

SUFFIXES = (".tsv",)
FORMAT_PREFIX = b"#FORMAT=WebAnno TSV 3"
FORMAT_LINE = re.compile(r"^#FORMAT=WebAnno TSV 3\.\d+\s*$")
DEFAULT_ANNOTATOR = "inception"
NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
ENTITY_LAYER = "entity"
LABEL_FEATURES = ("value", "label", "referenceType")
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
"""What the scheme accepts as a label name (:mod:`annotator.core.scheme`)."""
_ROW = re.compile(r"^(\d+)-(\d+)(?:\.(\d+))?$")
_OFFSETS = re.compile(r"^(\d+)-(\d+)$")
_STACK = re.compile(r"(?<!\\)\|")
_ID = re.compile(r"^(.*?)(?:\[(\d+)\])?$", re.S)
_CHAIN_LINK = re.compile(r"^(.*)->(\d+)-(\d+)$", re.S)
_REF = re.compile(r"^(\d+-\d+(?:\.\d+)?)(?:\[(\d+)_(\d+)\])?$")
_TEXT_ESCAPES = {"t": "\t", "n": "\n", "f": "\f", "r": "\r", "b": "\b", "\\": "\\"}
_VALUE_ESCAPES = ("\\\\", "\\[", "\\]", "\\|", "\\_", "\\->", "\\;", "\\t", "\\n", "\\*")


def detect(path: Path) -> bool:
    if path.is_dir():
        return any(_is_webanno(f) for _, f in _walk(path).files)
    if path.suffix.lower() == ".zip":
        return _zip_of_tsv(path)
    return path.suffix.lower() in SUFFIXES and _is_webanno(path)


def _zip_of_tsv(path: Path) -> bool:
    """A zip of ``.tsv`` files and no brat ``.ann`` (as :mod:`webanno_write` writes),
    told by its member names alone (nothing is decompressed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name.lower() for name in archive.namelist()]
    except (OSError, zipfile.BadZipFile):
        return False
    return any(n.endswith(".tsv") for n in names) and not any(n.endswith(".ann") for n in names)


def _walk(folder: Path) -> Walk:
    """The ``.tsv`` files in ``folder`` and below, never through a link leading outside."""
    return walk(folder, lambda name: name.lower().endswith(SUFFIXES))


def _is_webanno(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(32).startswith(FORMAT_PREFIX)
    except OSError:
        return False


def read(path: Path, options: ReadOptions) -> Iterator[Record]:
    if path.is_dir():
        found = _walk(path)
        found.warn(path, options)
        files = [f for _, f in found.files if _is_webanno(f)]
        if not files:
            raise InputError(str(path), "no WebAnno TSV files (.tsv) in this folder")
        for file in files:
            doc_id = file.relative_to(path).with_suffix("").as_posix()
            yield Record(read_document(file, doc_id, options), str(file), 1)
    elif path.suffix.lower() == ".zip":
        members = read_members(path, lambda name: name.lower().endswith(".tsv"))
        chosen = {n: data for n, data in members.items() if data.startswith(FORMAT_PREFIX)}
        if not chosen:
            raise InputError(str(path), "no WebAnno TSV files (.tsv) in this archive")
        for name, data in sorted(chosen.items()):
            shown = Path(f"{path}:{name}")
            doc_id = Path(name).with_suffix("").as_posix()
            yield Record(parse_document(data, shown, doc_id, options), str(shown), 1)
    else:
        yield Record(read_document(path, path.stem, options), str(path), 1)


@dataclass(slots=True)
class _Layer:
    kind: str  # SP, CH or RL
    type: str
    features: list[str]
    first_column: int
    base: str | None = None

    @property
    def name(self) -> str:
        return ENTITY_LAYER if self.type == NAMED_ENTITY else self.type.rsplit(".", 1)[-1]

    @property
    def width(self) -> int:
        return len(self.features) + (1 if self.kind == "RL" else 0) or 1


@dataclass(slots=True)
class _Row:
    line: int
    name: str  # "1-3" or "1-3.1"
    start: int
    end: int
    columns: list[str]


@dataclass(slots=True)
class _Unit:
    """One span annotation being collected over the rows it covers."""

    layer: _Layer
    start: int
    end: int
    values: dict[str, str] = field(default_factory=dict)
    rows: list[str] = field(default_factory=list)
    line: int = 0


def read_document(path: Path, doc_id: str, options: ReadOptions) -> Document:
    """The document of one TSV file (see the module docstring)."""
    return parse_document(read_bytes(path), path, doc_id, options)


def parse_document(data: bytes, path: Path, doc_id: str, options: ReadOptions) -> Document:
    """The document of one TSV file's bytes; ``path`` names it in errors."""
    lines = decode(data, path).split("\n")
    if not lines or not FORMAT_LINE.match(lines[0].rstrip("\r")):
        raise InputError(
            str(path), "not WebAnno TSV 3.x: the first line is not #FORMAT=WebAnno TSV 3.x", 1
        )
    layers, body = _header(lines, path)
    rows, sentences = _body(lines, body, layers, path)
    text, to_points = _text(sentences, path, len(data))
    check_text(text, path)
    units: dict[tuple[str, str], _Unit] = {}
    chains: dict[tuple[str, str], dict[int, tuple[tuple[str, str], str]]] = {}
    for row in rows:
        for layer in layers:
            if layer.kind == "SP":
                _span_cells(layer, row, units, path)
            elif layer.kind == "CH":
                _chain_cells(layer, row, units, chains, path)
    aset = AnnotationSet(annotator_for(options, DEFAULT_ANNOTATOR), IMPORTED_STATUS)
    ids: dict[tuple[str, str], str] = {}
    label_features = _label_features(layers, units.values())
    for key, unit in units.items():
        start, end = to_points(unit.start), to_points(unit.end)
        if start is None or end is None or not start < end:
            raise InputError(
                str(path), f"offsets {unit.start}-{unit.end} are not in the text", unit.line
            )
        label_feature = label_features.get(unit.layer.type, "")
        label = unit.values.get(label_feature) or unit.layer.name
        attrs = {k: v for k, v in unit.values.items() if k != label_feature and v}
        span_id = f"s{len(aset.spans) + 1}"
        ids[key] = span_id
        aset.spans.append(Span(span_id, unit.layer.name, start, end, label, attrs))
    for (chain_type, _), links in chains.items():
        name = next(lay.name for lay in layers if lay.type == chain_type)
        ordered = [links[n] for n in sorted(links)]
        for (first, label), (second, _) in itertools.pairwise(ordered):
            aset.relations.append(Relation(ids[first], ids[second], label or name))
    by_row = _spans_by_row(units, ids)
    roots = 0
    for row in rows:
        for layer in layers:
            if layer.kind == "RL":
                roots += _relations(layer, row, by_row, aset, path)
    for layer in layers:
        slots = [f for f in layer.features if f.startswith("ROLE_")]
        if slots:
            warn(options, path, f"slot features of {layer.type} were not imported")
    if roots:
        warn(options, path, f"{roots} arcs from a span to itself (roots) were not imported")
    return Document(doc_id, text, {"source": path.name}, [] if aset.is_empty() else [aset])


def _label_features(layers: list[_Layer], units: Iterable[_Unit]) -> dict[str, str]:
    """Layer type -> the feature whose values are labels (absent: the values are all
    attributes), as the module docstring says."""
    chosen = {
        layer.type: next(f for f in LABEL_FEATURES if f in layer.features)
        for layer in layers
        if any(f in layer.features for f in LABEL_FEATURES)
    }
    for unit in units:
        feature = chosen.get(unit.layer.type)
        if feature is not None and not LABEL_NAME.match(unit.values.get(feature, "x")):
            del chosen[unit.layer.type]
    return chosen


def _header(lines: list[str], path: Path) -> tuple[list[_Layer], int]:
    layers: list[_Layer] = []
    column = 0
    number = 1
    while number < len(lines) and lines[number].startswith("#T_"):
        line = lines[number].rstrip("\r")
        kind, _, rest = line[3:].partition("=")
        fields = rest.split("|")
        if kind not in ("SP", "CH", "RL") or not fields[0]:
            raise InputError(str(path), f"unknown layer declaration {line[:60]!r}", number + 1)
        features, base = fields[1:], None
        if kind == "RL":
            if not features or not features[-1].startswith("BT_"):
                raise InputError(
                    str(path), "a relation layer must end with its BT_ base type", number + 1
                )
            base, features = features[-1][3:], features[:-1]
        layer = _Layer(kind, fields[0], features, column, base)
        column += layer.width  # a slot feature has two fields: its role and target type
        layers.append(layer)
        number += 1
    return layers, number


def _body(
    lines: list[str], first: int, layers: list[_Layer], path: Path
) -> tuple[list[_Row], list[tuple[int, str]]]:
    """The token rows, and each sentence as (line of its first row, text)."""
    width = sum(layer.width for layer in layers)
    rows: list[_Row] = []
    sentences: list[tuple[int, str]] = []
    texts: list[str] = []
    for number, raw in enumerate(lines[first:], start=first + 1):
        line = raw.rstrip("\r")
        if line.startswith("#Text="):
            texts.append(_unescape_text(line[6:]))
            continue
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells and cells[-1] == "":
            cells.pop()  # rows end with a tab
        found, offsets = _ROW.match(cells[0]), _OFFSETS.match(cells[1]) if len(cells) > 1 else None
        if found is None or offsets is None or len(cells) < 3 + width:
            raise InputError(
                str(path),
                f"expected a row 'sentence-token, begin-end, token' and {width} annotation "
                f"columns, got {line[:60]!r}",
                number,
            )
        if texts:
            sentences.append((int(offsets[1]), "\n".join(texts)))
            texts = []
        rows.append(_Row(number, cells[0], int(offsets[1]), int(offsets[2]), cells[3:]))
    if texts:
        raise InputError(str(path), "a #Text= line is followed by no token rows")
    return rows, sentences


def _text(sentences: list[tuple[int, str]], path: Path, room: int) -> tuple[str, _Converter]:
    """The document text from its sentences (UTF-16 offsets), and the offset converter."""
    parts: list[str] = []
    length = 0
    # ``room``: the file's size; the text cannot be longer than the file holding it.
    for start, sentence in sentences:
        if start < length:
            raise InputError(str(path), f"a sentence starts at {start}, inside the one before")
        if start - length > room:
            raise InputError(
                str(path),
                f"a sentence starts at offset {start}, {start - length} characters after the "
                "one before: more than the whole file holds, so the offsets are wrong",
            )
        parts.append(" " * (start - length))
        parts.append(sentence)
        length = start + _utf16_length(sentence)
    text = "".join(parts)
    return text, _Converter(text)


class _Converter:
    """UTF-16 offsets of ``text`` to code-point offsets (None between two halves)."""

    def __init__(self, text: str) -> None:
        self.points: dict[int, int] = {}
        position = 0
        for index, char in enumerate(text):
            self.points[position] = index
            position += 2 if ord(char) > 0xFFFF else 1
        self.points[position] = len(text)

    def __call__(self, offset: int) -> int | None:
        return self.points.get(offset)


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _unit_over(
    units: dict[tuple[str, str], _Unit], key: tuple[str, str], layer: _Layer, row: _Row
) -> _Unit:
    """The unit ``key`` (made on its first token row), grown to cover ``row``."""
    unit = units.get(key)
    if unit is None:
        unit = units[key] = _Unit(layer, row.start, row.end, line=row.line)
    unit.start, unit.end = min(unit.start, row.start), max(unit.end, row.end)
    if row.name not in unit.rows:
        unit.rows.append(row.name)
    return unit


def _span_cells(layer: _Layer, row: _Row, units: dict[tuple[str, str], _Unit], path: Path) -> None:
    slot = False
    for column, feature in enumerate(layer.features or [""], start=layer.first_column):
        slot, is_slot = feature.startswith("ROLE_"), slot or feature.startswith("ROLE_")
        cell = row.columns[column]
        if is_slot or cell == "_":
            continue  # slot features (a role column, then its target column) are not read
        for index, item in enumerate(_STACK.split(cell)):
            value, ident = _ID.match(item).groups()  # type: ignore[union-attr]
            key = (layer.type, f"id{ident}" if ident else f"{row.name}#{index}")
            unit = _unit_over(units, key, layer, row)
            if feature and value != "*":
                unit.values[feature] = _unescape_value(value)


def _chain_cells(
    layer: _Layer,
    row: _Row,
    units: dict[tuple[str, str], _Unit],
    chains: dict[tuple[str, str], dict[int, tuple[tuple[str, str], str]]],
    path: Path,
) -> None:
    """The chain elements on ``row``: ``pr[1]`` (type, chain 1) with ``coref->1-2`` (the
    relation to the next link, and this element's place: chain 1, link 2)."""
    types, links = row.columns[layer.first_column : layer.first_column + 2]
    if types == "_":
        return
    for kind, link in zip(_STACK.split(types), _STACK.split(links), strict=False):
        found = _CHAIN_LINK.match(link)
        if found is None:
            raise InputError(
                str(path), f"{link!r} is not a chain link such as coref->1-2", row.line
            )
        value = _ID.match(kind)[1]  # type: ignore[index]
        key = (layer.type, f"chain{found[2]}-{found[3]}")
        unit = _unit_over(units, key, layer, row)
        if value != "*" and layer.features:
            unit.values[layer.features[0]] = _unescape_value(value)
        relation = "" if found[1] == "*" else _unescape_value(found[1])
        chains.setdefault((layer.type, found[2]), {})[int(found[3])] = (key, relation)


def _spans_by_row(
    units: dict[tuple[str, str], _Unit], ids: dict[tuple[str, str], str]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(layer type, row) -> [(disambiguation id or "", span id)] of the spans on that row."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, unit in units.items():
        ident = key[1][2:] if key[1].startswith("id") else ""
        for row in unit.rows:
            found.setdefault((unit.layer.type, row), []).append((ident, ids[key]))
    return found


def _relations(
    layer: _Layer,
    row: _Row,
    by_row: dict[tuple[str, str], list[tuple[str, str]]],
    aset: AnnotationSet,
    path: Path,
) -> int:
    """Add the arcs on ``row`` of a relation layer; return how many were roots."""
    features = row.columns[layer.first_column : layer.first_column + len(layer.features)]
    refs = row.columns[layer.first_column + len(layer.features)]
    if refs == "_":
        return 0
    labels = [_STACK.split(cell) for cell in features] or [[]]
    roots = 0
    for index, ref in enumerate(_STACK.split(refs)):
        found = _REF.match(ref)
        if found is None:
            raise InputError(
                str(path), f"{ref!r} is not a governor reference such as 1-3[1_2]", row.line
            )
        head = _span_at(by_row, layer.base or "", found[1], found[2], row.line, path)
        child = _span_at(by_row, layer.base or "", row.name, found[3], row.line, path)
        values = [column[index] if index < len(column) else "*" for column in labels]
        label = next((_unescape_value(v) for v in values if v not in ("*", "_")), layer.name)
        if head == child:
            roots += 1
            continue
        relation = Relation(head, child, label)
        if relation not in aset.relations:
            aset.relations.append(relation)
    return roots


def _span_at(
    by_row: dict[tuple[str, str], list[tuple[str, str]]],
    base: str,
    row: str,
    ident: str | None,
    line: int,
    path: Path,
) -> str:
    spans = by_row.get((base, row), [])
    if ident and ident != "0":
        spans = [s for s in spans if s[0] == ident]
    if len(spans) != 1:
        what = f"span {ident} of {base}" if ident and ident != "0" else f"one span of {base}"
        raise InputError(
            str(path), f"a relation names {what} at {row}, which holds {len(spans)}", line
        )
    return spans[0][1]


def _unescape_text(text: str) -> str:
    return re.sub(
        r"\\(.)", lambda m: _TEXT_ESCAPES.get(m[1], m[1] if ord(m[1]) < 32 else m[0]), text
    )


def _unescape_value(value: str) -> str:
    pattern = "|".join(re.escape(e) for e in _VALUE_ESCAPES)
    plain = {"\\t": "\t", "\\n": "\n"}
    return re.sub(pattern, lambda m: plain.get(m[0], m[0][1:]), value)


def write(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    from annotator.formats.webanno_write import write_folder

    return write_folder(documents, out, options)
