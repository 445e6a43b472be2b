"""Writing WebAnno TSV 3.3 (INCEpTION): a folder (or ``.zip``) with one ``.tsv`` per document.

What :mod:`annotator.formats.webanno` reads back, in the shape INCEpTION's own writer
gives:

- tokens are words and punctuation marks, also cut at every span boundary, so that each
  span covers whole tokens; sentences are cut at line breaks, each sentence's ``#Text=``
  lines holding its text up to the next sentence (its line breaks included), so that the
  text comes back exactly; offsets are UTF-16 code units;
- the ``entity`` layer is INCEpTION's named-entity layer
  (``de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity``), every other layer
  ``webanno.custom.<layer>``; each has the feature ``value`` (the label) and one feature
  per attribute its spans carry. Multi-token and stacked spans get disambiguation ids;
- relations whose two ends are in one layer go to the relation layer
  ``webanno.custom.<layer>Relation`` (feature ``value``: the label) based on that layer;
  a WebAnno relation layer joins spans of one layer only, so relations between layers
  are left out and counted, as are document labels, metadata and the other annotators'
  sets (choose one with ``--from``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.formats import WriteOptions, WriteReport
from annotator.formats.brat import _file_name, _save
from annotator.formats.interchange import (
    METADATA,
    only_set,
    pieces_to_write,
    relations_to_write,
    spans_to_write,
)
from annotator.formats.tokens import WORDS, Token, tokenize
from annotator.formats.webanno import ENTITY_LAYER, NAMED_ENTITY

CUSTOM = "webanno.custom."
CROSS_LAYER = "relations between spans of different layers (a WebAnno relation layer joins one)"
_TEXT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\b": "\\b", "\\": "\\\\"}
_VALUE_ESCAPES = {
    "\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|", "_": "\\_", ";": "\\;",
    "\t": "\\t", "\n": "\\n", "*": "\\*",
}  # fmt: skip


def write_folder(documents: Iterable[Document], out: Path, options: WriteOptions) -> WriteReport:
    report = WriteReport(files=[str(out)])
    files: dict[str, str] = {}
    names: set[str] = set()
    for doc in documents:
        report.documents += 1
        if set(doc.meta) - {"source", "lang"}:
            report.leave_out(METADATA)
        aset = only_set(doc, report)
        files[f"{_file_name(doc.id, names)}.tsv"] = document_tsv(doc, aset, options, report)
    _save(files, out)
    return report


def span_type(layer: str) -> str:
    return NAMED_ENTITY if layer == ENTITY_LAYER else f"{CUSTOM}{layer}"


def document_tsv(
    doc: Document, aset: AnnotationSet | None, options: WriteOptions, report: WriteReport
) -> str:
    """The TSV file of one document and (at most) one annotation set."""
    spans: list[Span] = []
    relations: list[Relation] = []
    if aset is not None:
        aset = pieces_to_write(aset, report)
        spans = spans_to_write(aset, options, report)
        relations = relations_to_write(aset, spans, report)
        if aset.doc_labels:
            report.leave_out("document labels (WebAnno TSV has none)", len(aset.doc_labels))
    text = doc.text
    tokens = tokenize(text, WORDS, (o for s in spans for o in (s.start, s.end)))
    covered: dict[str, tuple[int, int]] = {}
    for span in spans:
        found = tokens.covered(span.start, span.end)
        if found is None:
            report.leave_out("spans on whitespace only (no token to hold them)")
            continue
        if (tokens[found[0]].start, tokens[found[1]].end) != (span.start, span.end):
            report.leave_out("spans trimmed to their tokens (they began or ended with spaces)")
        covered[span.id] = found
    spans = [s for s in spans if s.id in covered]
    report.spans += len(spans)
    layer_of = {s.id: s.layer for s in spans}
    kept = [r for r in relations if r.head in layer_of and r.child in layer_of]
    same = [r for r in kept if layer_of[r.head] == layer_of[r.child]]
    if len(same) < len(kept):
        report.leave_out(CROSS_LAYER, len(kept) - len(same))
    layers = _layers(spans, options)
    attributes = {
        layer: sorted({k for s in spans if s.layer == layer for k in s.attrs}) for layer in layers
    }
    related = [layer for layer in layers if any(layer_of[r.head] == layer for r in same)]
    header = ["#FORMAT=WebAnno TSV 3.3"]
    header += ["|".join(["#T_SP=" + span_type(lay), "value", *attributes[lay]]) for lay in layers]
    header += [f"#T_RL={CUSTOM}{lay}Relation|value|BT_{span_type(lay)}" for lay in related]
    on_token: dict[int, list[Span]] = {}
    for span in spans:
        first, last = covered[span.id]
        for index in range(first, last + 1):
            on_token.setdefault(index, []).append(span)
    ids = _disambiguation_ids(spans, covered, on_token)
    row_name = _row_names(text, tokens)
    arcs: dict[int, list[Relation]] = {}
    for relation in same:
        arcs.setdefault(covered[relation.child][0], []).append(relation)
    utf16 = list(itertools.accumulate((2 if ord(c) > 0xFFFF else 1 for c in text), initial=0))
    lines = [*header, "", ""]
    for index, token in enumerate(tokens):
        if row_name[index].endswith("-1"):
            lines += ["", *_text_lines(text, tokens, index, row_name)]
        cells = [row_name[index], f"{utf16[token.start]}-{utf16[token.end]}"]
        cells.append(_escape(text[token.start : token.end], _TEXT_ESCAPES))
        here = on_token.get(index, [])
        for layer in layers:
            mine = [s for s in here if s.layer == layer]
            for feature in ("value", *attributes[layer]):
                cells.append(_span_cell(mine, feature, ids) if mine else "_")
        for layer in related:
            mine_arcs = [r for r in arcs.get(index, []) if layer_of[r.child] == layer]
            if not mine_arcs:
                cells += ["_", "_"]
                continue
            cells.append("|".join(_escape(r.label, _VALUE_ESCAPES) for r in mine_arcs))
            cells.append("|".join(_ref(r, covered, row_name, ids) for r in mine_arcs))
        lines.append("\t".join(cells) + "\t")
    lead = text[: tokens[0].start] if tokens else text
    if lead.strip(" "):
        report.leave_out("whitespace before the first word other than spaces (read back as spaces)")
    return "\n".join(lines) + "\n"


def _layers(spans: list[Span], options: WriteOptions) -> list[str]:
    used = dict.fromkeys(s.layer for s in spans)
    order = [lay.name for lay in options.scheme.span_layers] if options.scheme else []
    return [lay for lay in order if lay in used] + [lay for lay in used if lay not in order]


def _disambiguation_ids(
    spans: list[Span], covered: dict[str, tuple[int, int]], on_token: dict[int, list[Span]]
) -> dict[str, int]:
    """An id for each span that covers several tokens or shares a token with another span
    of its layer (the format's rule for when one is needed)."""
    ids: dict[str, int] = {}
    for span in spans:
        first, last = covered[span.id]
        stacked = any(
            sum(1 for s in on_token[i] if s.layer == span.layer) > 1 for i in range(first, last + 1)
        )
        if last > first or stacked:
            ids[span.id] = len(ids) + 1
    return ids


def _row_names(text: str, tokens: list[Token]) -> list[str]:
    """``sentence-token`` of each token; a sentence starts after a line break."""
    names: list[str] = []
    sentence, position = 0, 0
    for index, token in enumerate(tokens):
        if index == 0 or "\n" in text[tokens[index - 1].end : token.start]:
            sentence, position = sentence + 1, 0
        position += 1
        names.append(f"{sentence}-{position}")
    return names


def _text_lines(text: str, tokens: list[Token], index: int, row_name: list[str]) -> list[str]:
    """The ``#Text=`` lines of the sentence starting at token ``index``: its text up to the
    next sentence's first token (the end of the document for the last one)."""
    following = next((i for i in range(index + 1, len(tokens)) if row_name[i].endswith("-1")), None)
    end = tokens[following].start if following is not None else len(text)
    sentence = text[tokens[index].start : end]
    return ["#Text=" + _escape(part, _TEXT_ESCAPES) for part in sentence.split("\n")]


def _span_cell(spans: list[Span], feature: str, ids: dict[str, int]) -> str:
    values = []
    for span in spans:
        raw = span.label if feature == "value" else span.attrs.get(feature)
        value = "*" if raw is None or raw == "" else _escape(str(raw), _VALUE_ESCAPES)
        values.append(f"{value}[{ids[span.id]}]" if span.id in ids else value)
    return "|".join(values)


def _ref(
    relation: Relation,
    covered: dict[str, tuple[int, int]],
    row_name: list[str],
    ids: dict[str, int],
) -> str:
    governor = row_name[covered[relation.head][0]]
    head, child = ids.get(relation.head, 0), ids.get(relation.child, 0)
    return f"{governor}[{head}_{child}]" if head or child else governor


def _escape(value: str, table: dict[str, str]) -> str:
    escaped = "".join(table.get(char, char) for char in value)
    if table is _VALUE_ESCAPES:
        escaped = escaped.replace("->", "\\->")
    return "".join(f"\\{c}" if ord(c) < 32 and c not in "\t\n\f\r\b" else c for c in escaped)
