"""Flattening documents into :class:`~annotator.agreement.data.AgreementData`.

This is the only loop over spans in the agreement code, and with millions of spans it
is where the time goes: the spans come as plain tuples (:mod:`annotator.core.rows`,
read so by the store without an object per span), their fields are read with ``map``
and ``itemgetter`` (loops in C) and appended to plain lists, which become numpy arrays
once at the end of a batch.

:func:`collect` flattens documents held as core objects in one batch; a
:class:`Collector` flattens a corpus batch after batch with the same codes, so that each
batch's figures can be computed and the batch forgotten
(:class:`annotator.agreement.tally.Tally`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from operator import eq, itemgetter, methodcaller
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from annotator.agreement.data import (
    ATTRIBUTION,
    CLAIMANT,
    CUE,
    STANCE,
    UNATTRIBUTED,
    AgreementData,
    ClaimArrays,
    IntArray,
    Pieces,
    SpanArrays,
    default_claim_layer,
)
from annotator.agreement.tokens import has_own_rules, refine_mask, token_start_mask
from annotator.core.language import language_of
from annotator.core.model import Document, Fragments
from annotator.core.rows import RowBatch, SpanRow, batch_of
from annotator.core.scheme import Scheme

EMPTY_ANSWER = "[]"
"""The value name of an empty answer to a multi-valued question."""


def collect(
    documents: Iterable[Document], scheme: Scheme, claim_layer: str | None = None
) -> AgreementData:
    """Flatten the documents that two or more annotation sets take part in.

    Args:
        documents: documents with their annotation sets (any number, gold included).
        scheme: the corpus scheme; it orders layers, labels and answer values.
        claim_layer: the claims' layer (default: :func:`default_claim_layer`).
    """
    collector = Collector(scheme, claim_layer)
    return collector.batch(batch_of(documents, collector.codes.claim_layer))


class Collector:
    """Flattens documents batch after batch, giving every batch the same codes.

    A label, answer value or stance that the scheme lacks gets the next code when first
    seen, so a batch's codes stay valid for the batches after it, and the codes are
    those one :func:`collect` over all the documents would give.
    """

    def __init__(self, scheme: Scheme, claim_layer: str | None = None) -> None:
        self.scheme = scheme
        self.codes = _Codes(scheme, claim_layer or default_claim_layer(scheme))

    def batch(self, rows: RowBatch) -> AgreementData:
        """The :class:`AgreementData` of the documents of ``rows`` that two or more sets
        take part in (see :func:`~annotator.agreement.data.takes_part`)."""
        builder = _Builder(self.codes, self.scheme)
        builder.add(rows)
        return builder.finish()


class _Codes:
    """The codes of labels, answer values and stances, shared by the batches of a corpus."""

    def __init__(self, scheme: Scheme, claim_layer: str | None) -> None:
        self.claim_layer = claim_layer
        self.labels: dict[str, list[str]] = {}
        self.code_of: dict[tuple[str, str], int] = {}  # (layer, label) -> global code
        self.claim_codes: set[int] = set()  # the global codes of the claim layer's labels
        self.lanes: list[tuple[str, int]] = []  # global code -> (layer, label code)
        for layer in scheme.span_layers:
            self.labels[layer.name] = []
            for label in layer.labels:
                self.code(layer.name, label.name)
        self.questions = {question.name: list(question.values) for question in scheme.questions}
        claims = scheme.layer(claim_layer) if claim_layer else None
        stance = claims.attribute(STANCE) if claims else None
        self.stances = list(stance.values) if stance else []
        self.stance_code: dict[object, int] = {None: -1}  # no stance given: -1
        self.stance_code.update((value, code) for code, value in enumerate(self.stances))
        self.parsed: dict[Any, Mapping[str, Any]] = {}

    def code(self, layer: str, label: str) -> int:
        """A code unique over all layers' labels (its layer and label code in ``lanes``)."""
        if (layer, label) not in self.code_of:
            labels = self.labels.setdefault(layer, [])
            labels.append(label)
            self.code_of[(layer, label)] = len(self.lanes)
            if layer == self.claim_layer:
                self.claim_codes.add(len(self.lanes))
            self.lanes.append((layer, len(labels)))
        return self.code_of[(layer, label)]

    def answer(self, question: str, answer: str | list[str]) -> int:
        # An empty answer to a multi-valued question ("none of these") is an answer too.
        if isinstance(answer, list):
            value = "+".join(sorted(answer)) if answer else EMPTY_ANSWER
        else:
            value = answer
        values = self.questions.setdefault(question, [])
        if value not in values:
            values.append(value)
        return values.index(value)

    def attributes(self, texts: list[str | Mapping[str, Any] | None]) -> list[Mapping[str, Any]]:
        """Spans' attributes from their JSON texts (a few distinct ones, parsed once), or
        as they are when they come from core objects."""
        if texts and not isinstance(texts[0], str):
            return [{} if attrs is None else attrs for attrs in texts]  # type: ignore[misc]
        parsed = list(map(self.parsed.get, texts))
        if None in parsed:
            if len(self.parsed) > 4096:  # values of their own on every span: no use keeping
                self.parsed.clear()
            for text in texts:
                if text not in self.parsed:
                    self.parsed[text] = json.loads(text) if isinstance(text, str) else {}
            parsed = list(map(self.parsed.__getitem__, texts))
        return cast(list[Mapping[str, Any]], parsed)

    def stance(self, value: object) -> int:
        if not isinstance(value, str):
            return -1
        code = self.stance_code.get(value)
        if code is None:
            code = self.stance_code[value] = len(self.stances)
            self.stances.append(value)
        return code


class _Builder:
    """Flattens one batch of rows (:class:`~annotator.core.rows.RowBatch`): documents
    one by one, spans and claims column by column over the whole batch."""

    def __init__(self, codes: _Codes, scheme: Scheme) -> None:
        self.codes = codes
        self.scheme = scheme
        self.data = AgreementData(claim_layer=codes.claim_layer)
        self.answer_rows: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self.texts: list[str] = []
        self.base = 0
        self.bases: list[int] = []
        self.own_rules: list[tuple[int, str]] = []  # documents whose language cuts tokens
        self.spans = _SpanColumns()
        self.claims = _ClaimColumns()
        self.shape_code: dict[Fragments, int] = {}  # see _shaped

    def add(self, rows: RowBatch) -> None:
        """Add the documents of ``rows`` that two or more annotation sets take part in."""
        kept = self._documents(rows)  # set key -> (document number, annotator)
        if kept:
            self._spans(rows, kept)

    def _documents(self, rows: RowBatch) -> dict[Any, tuple[int, str]]:
        """Keep the documents with two or more sets taking part; read their answers."""
        with_content = set(map(_SET, rows.spans)) | set(map(_SET, rows.links)) | rows.labels.keys()
        with_content.update(np.unique(rows.plain.set).tolist())
        sets_of: dict[Any, list[tuple[Any, str, str]]] = {}
        for set_key, doc_key, annotator, status in rows.sets:
            sets_of.setdefault(doc_key, []).append((set_key, annotator, status))
        kept: dict[Any, tuple[int, str]] = {}
        for doc_key, doc_id, text, meta in rows.documents:
            sets = [
                (set_key, annotator)
                for set_key, annotator, status in sets_of.get(doc_key, ())
                if _takes_part(status, set_key in with_content)
            ]
            if len(sets) < 2:
                continue
            number = len(self.data.doc_ids)
            language = language_of(meta, self.scheme.language)
            if has_own_rules(language):
                self.own_rules.append((number, language))
            self.data.doc_ids.append(doc_id)
            self.data.doc_annotators.append([annotator for _, annotator in sets])
            self.bases.append(self.base)
            self.texts.append(text)
            self.base += len(text) + 1
            for set_key, annotator in sets:
                kept[set_key] = (number, annotator)
                for question, answer in rows.labels.get(set_key, {}).items():
                    self.answer_rows.setdefault((question, annotator), []).append(
                        (number, self.codes.answer(question, answer))
                    )
        return kept

    def _spans(self, rows: RowBatch, kept: dict[Any, tuple[int, str]]) -> None:
        """The spans of the kept sets, and their claims, as columns."""
        spans = list(compress(rows.spans, map(kept.__contains__, map(_SET, rows.spans))))
        plain = _kept_plain(rows, kept)
        if not spans and plain is None:
            return
        codes = list(map(_CODE, spans))
        if None in codes:  # labels the scheme lacks, or rows read without codes
            code = self.codes.code
            codes = [
                c if c is not None else code(cast(str, span[4]), cast(str, span[5]))
                for c, span in zip(codes, spans, strict=True)
            ]
        owners = list(map(kept.__getitem__, map(_SET, spans)))
        count = len(spans)
        part = _SpanPart(
            code=_ints(cast(list[int], codes)),
            start=np.fromiter(map(_START, spans), dtype=np.int64, count=count),
            end=np.fromiter(map(_END, spans), dtype=np.int64, count=count),
            doc=np.fromiter(map(_FIRST, owners), dtype=np.int64, count=count),
            annotator=np.array(list(map(_SECOND, owners)) or [], dtype=object),
            shaped=self._shaped(spans, owners, 0) if any(map(_FRAGMENTS, spans)) else [],
        )
        if plain is not None:
            part = part.merged(plain, spans)
        self.spans.add(part)
        if self.codes.claim_codes and spans:
            mask = list(map(self.codes.claim_codes.__contains__, codes))
            claims = list(compress(spans, mask))
            if claims:
                claim_codes = cast(list[int], list(compress(codes, mask)))
                self._claims(rows, claims, list(compress(owners, mask)), claim_codes)

    def _claims(
        self,
        rows: RowBatch,
        claims: list[SpanRow],
        owners: list[tuple[int, str]],
        codes: list[int],
    ) -> None:
        """Claims with their claimant decision and stance, read as services.claims does."""
        # Reversed: the first CLAIMANT (CUE) link of a claim wins, as in services.claims.
        # A link to no span has the extent (-1, -1): none. Loops in C, as above.
        backwards = rows.links[::-1]
        keys = list(zip(map(_SET, backwards), map(_HEAD, backwards), strict=True))
        extents = list(zip(map(_LINK_START, backwards), map(_LINK_END, backwards), strict=True))
        labels = list(map(_LINK_LABEL, backwards))
        claimant_of = dict(compress(zip(keys, extents, strict=True), map(CLAIMANT.__eq__, labels)))
        cue_of = dict(compress(zip(keys, extents, strict=True), map(CUE.__eq__, labels)))
        ids = list(zip(map(_SET, claims), map(_ID, claims), strict=True))
        links = list(map(claimant_of.get, ids, repeat(_NONE)))
        cues = list(map(cue_of.get, ids, repeat(_NONE)))
        attrs = self.codes.attributes(list(map(_ATTRS, claims)))
        stances = list(map(_GET_STANCE, attrs))
        found = list(map(self.codes.stance_code.get, stances))
        stance_codes = [self.codes.stance(v) for v in stances] if None in found else found
        columns = self.claims
        if any(map(_FRAGMENTS, claims)):
            columns.shaped += self._shaped(claims, owners, len(columns.doc))
        columns.doc.extend(map(_FIRST, owners))
        columns.annotator.extend(map(_SECOND, owners))
        columns.start.extend(map(_START, claims))
        columns.end.extend(map(_END, claims))
        columns.claimant_start.extend(map(_FIRST, links))
        columns.claimant_end.extend(map(_SECOND, links))
        columns.cue_start.extend(map(_FIRST, cues))
        columns.cue_end.extend(map(_SECOND, cues))
        lanes = self.codes.lanes
        columns.label += [lanes[code][1] for code in codes]
        columns.unattributed.extend(map(eq, map(_GET_ATTRIBUTION, attrs), repeat(UNATTRIBUTED)))
        columns.stance += cast(list[int], stance_codes)

    def _shaped(
        self, spans: list[SpanRow], owners: list[tuple[int, str]], first: int
    ) -> list[tuple[int, int]]:
        """``(column index, shape code)`` of the discontinuous ones of ``spans``, whose
        columns start at index ``first``; a shape code names one fragment set in global
        offsets, the same for every annotator."""
        shaped = []
        for index, (span, (number, _)) in enumerate(zip(spans, owners, strict=True), first):
            given = span[_FRAGMENTS_AT]
            if given is None:
                continue
            pieces: Fragments = (
                tuple((int(s), int(e)) for s, e in json.loads(given))
                if isinstance(given, str)
                else cast(Fragments, given)
            )
            base = self.bases[number]
            shape = tuple((start + base, end + base) for start, end in pieces)
            code = self.shape_code.setdefault(shape, len(self.data.shapes))
            if code == len(self.data.shapes):
                self.data.shapes.append(shape)
            shaped.append((index, code))
        return shaped

    def finish(self) -> AgreementData:
        data = self.data
        data.labels = {layer: list(labels) for layer, labels in self.codes.labels.items()}
        data.questions = {q: list(values) for q, values in self.codes.questions.items()}
        data.stances = list(self.codes.stances)
        data.bases = np.array(self.bases, dtype=np.int64)
        data.size = self.base
        count = len(data.doc_ids)
        names = {a for annotators in data.doc_annotators for a in annotators}
        data.annotators = sorted(names)
        for name in data.annotators:
            has = np.zeros(count, dtype=np.bool_)
            for number, annotators in enumerate(data.doc_annotators):
                has[number] = name in annotators
            data.has_set[name] = has
        for (question, name), answers in self.answer_rows.items():
            codes = np.full(count, -1, dtype=np.int64)
            where, values = np.array(answers, dtype=np.int64).reshape(-1, 2).T
            codes[where] = values
            data.answers.setdefault(question, {})[name] = codes
        for question in data.questions:
            data.answers.setdefault(question, {})
        if self.claims.doc:
            claims = self._claim_arrays(self.claims)
            annotator = np.array(self.claims.annotator, dtype=object)
            for name in data.annotators:
                mine = annotator == name
                if mine.any():
                    data.claims[name] = claims.select(mine)
        mask = token_start_mask("\n".join(self.texts))
        for number, language in self.own_rules:
            start = int(data.bases[number])
            text = self.texts[number]
            refine_mask(mask[start : start + len(text)], text, language)
        self.texts = []
        # tokens_before[c]: how many tokens start before character c (c = 0 … size).
        small = len(mask) < np.iinfo(np.int32).max
        tokens_before: NDArray[np.integer] = np.zeros(
            len(mask) + 1, dtype=np.int32 if small else np.int64
        )
        np.cumsum(mask, out=tokens_before[1:])
        data.token_starts = np.flatnonzero(mask).astype(np.int64)
        del mask
        first_tokens = tokens_before[data.bases].astype(np.int64)
        data.token_counts = np.diff(np.append(first_tokens, len(data.token_starts)))
        self._finish_spans(tokens_before)
        return data

    def _claim_arrays(self, columns: _ClaimColumns) -> ClaimArrays:
        doc = _ints(columns.doc)
        base = self.data.bases[doc]
        claimant_start, claimant_end = _ints(columns.claimant_start), _ints(columns.claimant_end)
        linked = claimant_start >= 0
        cue_start, cue_end = _ints(columns.cue_start), _ints(columns.cue_end)
        cued = cue_start >= 0
        return ClaimArrays(
            doc=doc,
            start=_ints(columns.start) + base,
            end=_ints(columns.end) + base,
            claimant_start=np.where(linked, claimant_start + base, -1),
            claimant_end=np.where(linked, claimant_end + base, -1),
            unattributed=np.array(columns.unattributed, dtype=np.bool_),
            stance=_ints(columns.stance),
            label=_ints(columns.label),
            cue_start=np.where(cued, cue_start + base, -1),
            cue_end=np.where(cued, cue_end + base, -1),
            shape=_shape_column(columns.shaped, len(doc)),
        )

    def _finish_spans(self, tokens_before: NDArray[np.integer]) -> None:
        data = self.data
        layers = list(data.labels)
        for name in layers:
            data.spans[name] = {}
        if not self.spans.count:
            return
        layer_of = np.array([layers.index(name) for name, _ in self.codes.lanes], dtype=np.int64)
        label_of = np.array([label for _, label in self.codes.lanes], dtype=np.int64)
        columns = self.spans.joined()
        code, doc = columns.code, columns.doc
        start = columns.start + data.bases[doc]
        end = columns.end + data.bases[doc]
        layer_index = layer_of[code]
        shape = _shape_column(columns.shaped, len(code))
        annotator = columns.annotator
        for name in data.annotators:
            own = annotator == name
            for index, layer_name in enumerate(layers):
                mine = own & (layer_index == index)
                if mine.any():
                    arrays = SpanArrays(
                        doc[mine],
                        start[mine],
                        end[mine],
                        label_of[code[mine]],
                        tokens_before[start[mine]].astype(np.int64),
                        tokens_before[end[mine]].astype(np.int64),
                    )
                    if shape is not None and shape[mine].any():
                        arrays = _with_pieces(arrays, shape[mine], data.shapes, tokens_before)
                    data.spans[layer_name][name] = arrays


def _shape_column(shaped: list[tuple[int, int]], count: int) -> IntArray | None:
    """Per span (claim) of ``count``, its shape code; None when none is discontinuous."""
    if not shaped:
        return None
    shape = np.zeros(count, dtype=np.int64)
    where, codes = np.array(shaped, dtype=np.int64).reshape(-1, 2).T
    shape[where] = codes
    return shape


def _with_pieces(
    arrays: SpanArrays,
    shape: IntArray,
    shapes: list[Fragments],
    tokens_before: NDArray[np.integer],
) -> SpanArrays:
    """``arrays`` with the shape of each span and the pieces that cover characters: an
    ordinary span's own extent, a discontinuous span's fragments."""
    plain = np.flatnonzero(shape == 0)
    owners, starts, ends = [plain], [arrays.start[plain]], [arrays.end[plain]]
    for index in np.flatnonzero(shape):
        fragments = shapes[int(shape[index])]
        owners.append(np.full(len(fragments), index, dtype=np.int64))
        starts.append(np.array([s for s, _ in fragments], dtype=np.int64))
        ends.append(np.array([e for _, e in fragments], dtype=np.int64))
    owner, start, end = np.concatenate(owners), np.concatenate(starts), np.concatenate(ends)
    order = np.argsort(owner, kind="stable")
    owner, start, end = owner[order], start[order], end[order]
    pieces = Pieces(
        owner,
        start,
        end,
        tokens_before[start].astype(np.int64),
        tokens_before[end].astype(np.int64),
    )
    return replace(arrays, shape=shape, pieces=pieces)


@dataclass(slots=True)
class _SpanPart:
    """Some of a batch's accepted spans as columns: label code, offsets within their
    document, document number and annotator."""

    code: IntArray
    start: IntArray
    end: IntArray
    doc: IntArray
    annotator: NDArray[np.object_]
    shaped: list[tuple[int, int]]
    """``(index in the part, shape code)`` of the discontinuous spans."""

    def merged(self, plain: _PlainPart, spans: list[SpanRow]) -> _SpanPart:
        """This part (the spans read as ``spans`` rows) and the ``plain`` spans, in the
        order the rows would have come in together: by document, set and ``order``."""
        count = len(spans)
        sets = np.concatenate([np.fromiter(map(_SET, spans), np.int64, count), plain.set])
        order = np.concatenate([np.fromiter(map(_ORDER, spans), np.int64, count), plain.order])
        doc = np.concatenate([self.doc, plain.doc])
        permutation = np.lexsort((order, sets, doc))
        position = np.empty_like(permutation)
        position[permutation] = np.arange(len(permutation))
        return _SpanPart(
            code=np.concatenate([self.code, plain.code])[permutation],
            start=np.concatenate([self.start, plain.start])[permutation],
            end=np.concatenate([self.end, plain.end])[permutation],
            doc=doc[permutation],
            annotator=np.concatenate([self.annotator, plain.annotator])[permutation],
            shaped=[(int(position[index]), shape) for index, shape in self.shaped],
        )


class _PlainPart(NamedTuple):
    """The plain spans (:class:`~annotator.core.rows.PlainSpans`) of the kept sets, with
    their document number and annotator."""

    code: IntArray
    start: IntArray
    end: IntArray
    doc: IntArray
    annotator: NDArray[np.object_]
    set: IntArray
    order: IntArray


def _kept_plain(rows: RowBatch, kept: dict[Any, tuple[int, str]]) -> _PlainPart | None:
    """The plain spans of ``rows`` whose set is kept (None when there are none)."""
    plain = rows.plain
    if not len(plain.set) or not kept:
        return None
    keys = np.fromiter(kept, dtype=np.int64, count=len(kept))
    by_key = np.argsort(keys)
    keys = keys[by_key]
    where = np.minimum(np.searchsorted(keys, plain.set), len(keys) - 1)
    mine = keys[where] == plain.set
    if not mine.any():
        return None
    owners = list(kept.values())
    numbers = np.fromiter(map(_FIRST, owners), dtype=np.int64, count=len(owners))[by_key]
    names = np.array(list(map(_SECOND, owners)), dtype=object)[by_key]
    at = where[mine]
    return _PlainPart(
        code=plain.code[mine],
        start=plain.start[mine],
        end=plain.end[mine],
        doc=numbers[at],
        annotator=names[at],
        set=plain.set[mine],
        order=plain.order[mine],
    )


@dataclass(slots=True)
class _SpanColumns:
    """The batch's accepted spans, part after part."""

    parts: list[_SpanPart] = field(default_factory=list)
    count: int = 0

    def add(self, part: _SpanPart) -> None:
        if self.count:  # shapes are indexed over all parts
            part.shaped = [(index + self.count, shape) for index, shape in part.shaped]
        self.parts.append(part)
        self.count += len(part.code)

    def joined(self) -> _SpanPart:
        parts = self.parts
        if len(parts) == 1:
            return parts[0]
        return _SpanPart(
            code=np.concatenate([part.code for part in parts]),
            start=np.concatenate([part.start for part in parts]),
            end=np.concatenate([part.end for part in parts]),
            doc=np.concatenate([part.doc for part in parts]),
            annotator=np.concatenate([part.annotator for part in parts]),
            shaped=[pair for part in parts for pair in part.shaped],
        )


@dataclass(slots=True)
class _ClaimColumns:
    """The batch's claims as columns; offsets within their document, -1: none; label:
    the claim's label code in its layer."""

    doc: list[int] = field(default_factory=list)
    annotator: list[str] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    claimant_start: list[int] = field(default_factory=list)
    claimant_end: list[int] = field(default_factory=list)
    unattributed: list[bool] = field(default_factory=list)
    stance: list[int] = field(default_factory=list)
    label: list[int] = field(default_factory=list)
    cue_start: list[int] = field(default_factory=list)
    cue_end: list[int] = field(default_factory=list)
    shaped: list[tuple[int, int]] = field(default_factory=list)


def _takes_part(status: str, has_content: bool) -> bool:
    """:func:`~annotator.agreement.data.takes_part`, from a set's status and whether it
    holds an accepted span, a relation or an answer."""
    return status != "skipped" and (status != "todo" or has_content)


def _ints(values: list[int]) -> IntArray:
    return np.fromiter(values, dtype=np.int64, count=len(values))


_SET = _FIRST = itemgetter(0)
_CODE = _SECOND = itemgetter(1)
_START, _END, _ID, _ATTRS = itemgetter(2), itemgetter(3), itemgetter(6), itemgetter(7)
_FRAGMENTS_AT = 8
_FRAGMENTS, _ORDER = itemgetter(_FRAGMENTS_AT), itemgetter(9)
_HEAD, _LINK_LABEL, _LINK_START, _LINK_END = (itemgetter(n) for n in range(1, 5))
_NONE = (-1, -1)
_GET_STANCE, _GET_ATTRIBUTION = methodcaller("get", STANCE), methodcaller("get", ATTRIBUTION)
