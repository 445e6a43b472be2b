"""Flattening documents into :class:`~annotator.agreement.data.AgreementData`.

This is the only loop over spans in the agreement code, and with 1.5 million spans it
is where the time goes: span fields are read with ``map`` and ``attrgetter`` (loops in
C) and appended to plain lists, which become numpy arrays once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from operator import attrgetter, eq, methodcaller
from typing import cast

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
    takes_part,
)
from annotator.agreement.tokens import has_own_rules, refine_mask, token_start_mask
from annotator.core.fragments import fragments_of
from annotator.core.language import document_language
from annotator.core.model import AnnotationSet, Document, Span
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
    builder = _Builder(scheme, claim_layer or default_claim_layer(scheme))
    for doc in documents:
        sets = [aset for aset in doc.annotations if takes_part(aset)]
        if len(sets) >= 2:
            builder.add(doc, sets, document_language(doc, scheme.language))
    return builder.finish()


class _Builder:
    """Accumulates plain lists per annotator while documents stream by."""

    def __init__(self, scheme: Scheme, claim_layer: str | None) -> None:
        self.data = AgreementData(claim_layer=claim_layer)
        self.code_of: dict[tuple[str, str], int] = {}  # (layer, label) -> global code
        self.claim_codes: set[int] = set()  # the global codes of the claim layer's labels
        self.lanes: list[tuple[str, int]] = []  # global code -> (layer, label code)
        for layer in scheme.span_layers:
            self.data.labels[layer.name] = []
            for label in layer.labels:
                self._code(layer.name, label.name)
        for question in scheme.questions:
            self.data.questions[question.name] = list(question.values)
        claims = scheme.layer(claim_layer) if claim_layer else None
        stance = claims.attribute(STANCE) if claims else None
        self.data.stances = list(stance.values) if stance else []
        self.columns: dict[str, _Columns] = {}
        self.claim_columns: dict[str, _ClaimColumns] = {}
        self.stance_code: dict[object, int] = {None: -1}  # no stance given: -1
        self.stance_code.update((value, code) for code, value in enumerate(self.data.stances))
        self.answer_rows: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self.texts: list[str] = []
        self.base = 0
        self.bases: list[int] = []
        self.own_rules: list[tuple[int, str]] = []  # documents whose language cuts tokens
        self.shape_code: dict[tuple[tuple[int, int], ...], int] = {}  # see _shaped

    def _code(self, layer: str, label: str) -> int:
        """A code unique over all layers' labels (its layer and label code in ``lanes``)."""
        if (layer, label) not in self.code_of:
            labels = self.data.labels.setdefault(layer, [])
            labels.append(label)
            self.code_of[(layer, label)] = len(self.lanes)
            if layer == self.data.claim_layer:
                self.claim_codes.add(len(self.lanes))
            self.lanes.append((layer, len(labels)))
        return self.code_of[(layer, label)]

    def add(self, doc: Document, sets: list[AnnotationSet], language: str = "") -> None:
        number, base = len(self.data.doc_ids), self.base
        if has_own_rules(language):
            self.own_rules.append((number, language))
        self.data.doc_ids.append(doc.id)
        self.data.doc_annotators.append([aset.annotator for aset in sets])
        self.bases.append(base)
        self.texts.append(doc.text)
        self.base += len(doc.text) + 1
        for aset in sets:
            spans = aset.spans
            if "suggested" in list(map(_STATE, spans)):
                spans = [span for span in spans if span.state != "suggested"]
            keys = zip(map(_LAYER, spans), map(_LABEL, spans), strict=True)
            found = list(map(self.code_of.get, keys))
            if None in found:
                codes = [self._code(span.layer, span.label) for span in spans]
            else:
                codes = cast(list[int], found)
            columns = self.columns.setdefault(aset.annotator, _Columns())
            columns.code += codes
            columns.start.extend(map(_START, spans))
            columns.end.extend(map(_END, spans))
            columns.doc.append(number)
            columns.count.append(len(spans))
            if any(map(_FRAGMENTS, spans)):
                columns.shaped += self._shaped(spans, len(columns.start) - len(spans), base)
            for question, answer in aset.doc_labels.items():
                self.answer_rows.setdefault((question, aset.annotator), []).append(
                    (number, self._answer(question, answer))
                )
            if self.claim_codes:
                self._claims(number, aset, spans, codes)

    def _shaped(self, spans: list[Span], first: int, base: int) -> list[tuple[int, int]]:
        """``(column index, shape code)`` of the discontinuous ones of ``spans``, which
        start at column index ``first`` in a document starting at global offset
        ``base``; a shape code names one fragment set, the same for every annotator."""
        shaped = []
        for index, span in enumerate(spans, start=first):
            if span.fragments is not None:
                shape = tuple((start + base, end + base) for start, end in fragments_of(span))
                code = self.shape_code.setdefault(shape, len(self.data.shapes))
                if code == len(self.data.shapes):
                    self.data.shapes.append(shape)
                shaped.append((index, code))
        return shaped

    def _answer(self, question: str, answer: str | list[str]) -> int:
        # An empty answer to a multi-valued question ("none of these") is an answer too.
        if isinstance(answer, list):
            value = "+".join(sorted(answer)) if answer else EMPTY_ANSWER
        else:
            value = answer
        values = self.data.questions.setdefault(question, [])
        if value not in values:
            values.append(value)
        return values.index(value)

    def _claims(
        self, number: int, aset: AnnotationSet, spans: list[Span], codes: list[int]
    ) -> None:
        """Claims with their claimant decision and stance, read as services.claims does."""
        mask = list(map(self.claim_codes.__contains__, codes))
        claims = list(compress(spans, mask))
        if not claims:
            return
        # Reversed: the first CLAIMANT (CUE) link of a claim wins, as in services.claims.
        claimant_of = {r.head: r.child for r in reversed(aset.relations) if r.label == CLAIMANT}
        cue_of = {r.head: r.child for r in reversed(aset.relations) if r.label == CUE}
        wanted = set(claimant_of.values()) | set(cue_of.values())
        children = list(compress(aset.spans, map(wanted.__contains__, map(_ID, aset.spans))))
        child_of = dict(zip(map(_ID, children), children, strict=True))
        ids = list(map(_ID, claims))
        links = list(map(child_of.get, map(claimant_of.get, ids)))
        cues = list(map(child_of.get, map(cue_of.get, ids))) if cue_of else [None] * len(ids)
        attrs = list(map(_ATTRS, claims))
        stances = list(map(_GET_STANCE, attrs))
        found = list(map(self.stance_code.get, stances))
        stance_codes = [self._stance(v) for v in stances] if None in found else found
        columns = self.claim_columns.setdefault(aset.annotator, _ClaimColumns())
        if any(map(_FRAGMENTS, claims)):
            columns.shaped += self._shaped(claims, len(columns.doc), self.bases[number])
        columns.doc += [number] * len(claims)
        columns.start.extend(map(_START, claims))
        columns.end.extend(map(_END, claims))
        columns.claimant_start += [-1 if link is None else link.start for link in links]
        columns.claimant_end += [-1 if link is None else link.end for link in links]
        columns.cue_start += [-1 if cue is None else cue.start for cue in cues]
        columns.cue_end += [-1 if cue is None else cue.end for cue in cues]
        columns.label += [self.lanes[code][1] for code in compress(codes, mask)]
        columns.unattributed.extend(map(eq, map(_GET_ATTRIBUTION, attrs), repeat(UNATTRIBUTED)))
        columns.stance += cast(list[int], stance_codes)

    def _stance(self, value: object) -> int:
        if not isinstance(value, str):
            return -1
        code = self.stance_code.get(value)
        if code is None:
            code = self.stance_code[value] = len(self.data.stances)
            self.data.stances.append(value)
        return code

    def finish(self) -> AgreementData:
        data = self.data
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
        for name, columns in self.claim_columns.items():
            data.claims[name] = self._claim_arrays(columns)
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
        layer_of = np.array([layers.index(name) for name, _ in self.lanes], dtype=np.int64)
        label_of = np.array([label for _, label in self.lanes], dtype=np.int64)
        for name, columns in self.columns.items():
            code = _ints(columns.code)
            doc = np.repeat(_ints(columns.doc), columns.count)
            start = _ints(columns.start) + data.bases[doc]
            end = _ints(columns.end) + data.bases[doc]
            layer_index = layer_of[code]
            shape = _shape_column(columns.shaped, len(code))
            for index, layer_name in enumerate(layers):
                mine = layer_index == index
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
    shapes: list[tuple[tuple[int, int], ...]],
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
class _Columns:
    """One annotator's accepted spans as columns; ``doc``/``count``: per annotation set."""

    code: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    doc: list[int] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    shaped: list[tuple[int, int]] = field(default_factory=list)
    """``(column index, shape code)`` of the discontinuous spans."""


@dataclass(slots=True)
class _ClaimColumns:
    """One annotator's claims as columns; offsets within their document, -1: none; label:
    the claim's label code in its layer."""

    doc: list[int] = field(default_factory=list)
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


def _ints(values: list[int]) -> IntArray:
    return np.fromiter(values, dtype=np.int64, count=len(values))


_LAYER, _LABEL, _STATE = attrgetter("layer"), attrgetter("label"), attrgetter("state")
_START, _END = attrgetter("start"), attrgetter("end")
_FRAGMENTS = attrgetter("fragments")
_ID, _ATTRS = attrgetter("id"), attrgetter("attrs")
_GET_STANCE, _GET_ATTRIBUTION = methodcaller("get", STANCE), methodcaller("get", ATTRIBUTION)
