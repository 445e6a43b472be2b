"""Discontinuous spans: the pieces of a span, read alike for one piece or several.

A span's ``fragments`` are None for an ordinary span, so everything that does not care
about pieces reads ``start``/``end`` as before; what does care (validation, agreement,
the formats that cannot hold pieces, the window) asks this module, never the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from annotator.core.model import AnnotationSet, Fragments, Relation, Span

PIECE_SEPARATOR = "#"
"""Between a span's id and its piece number in the ids of :func:`pieces` (``s1#2``)."""


def fragments_of(span: Span) -> Fragments:
    """The pieces of ``span``: its ``fragments``, or its one stretch ``start``–``end``."""
    return span.fragments if span.fragments is not None else ((span.start, span.end),)


def is_discontinuous(span: Span) -> bool:
    return span.fragments is not None


def covered(span: Span) -> Iterator[int]:
    """The offsets of the characters ``span`` covers (its pieces, not the gaps)."""
    for start, end in fragments_of(span):
        yield from range(start, end)


def covered_count(span: Span) -> int:
    """How many characters ``span`` covers."""
    return sum(end - start for start, end in fragments_of(span))


def shared_count(a: Span, b: Span) -> int:
    """How many characters both spans cover."""
    if not (a.start < b.end and b.start < a.end):
        return 0
    return sum(
        max(0, min(e1, e2) - max(s1, s2))
        for s1, e1 in fragments_of(a)
        for s2, e2 in fragments_of(b)
    )


def fragment_key(span: Span) -> Fragments:
    """What exact matching compares: the set of pieces (one piece for ordinary spans)."""
    return fragments_of(span)


def with_pieces(span: Span, pieces: Iterable[tuple[int, int]]) -> Span:
    """``span`` made of ``pieces`` (sorted here): one piece makes it ordinary again."""
    ordered = tuple(sorted((int(s), int(e)) for s, e in pieces))
    if len(ordered) == 1:
        return replace(span, start=ordered[0][0], end=ordered[0][1], fragments=None)
    return replace(span, start=ordered[0][0], end=ordered[-1][1], fragments=ordered)


def added_piece(span: Span, start: int, end: int, text: str) -> Fragments:
    """The pieces of ``span`` with ``[start, end)`` added: pieces it overlaps or that the
    gap between is only white space are joined into one (they are one stretch)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted((*fragments_of(span), (start, end))):
        if merged and not text[merged[-1][1] : s].strip():
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return tuple(merged)


def removed_piece(span: Span, start: int, end: int) -> Fragments | None:
    """The pieces of ``span`` without the one(s) ``[start, end)`` touches; None when that
    would leave no piece, or when nothing is touched."""
    kept = tuple((s, e) for s, e in fragments_of(span) if not (s < end and start < e))
    if not kept or len(kept) == len(fragments_of(span)):
        return None
    return kept


def fragment_problems(span: Span) -> Iterator[str]:
    """What is wrong with ``span``'s fragments (nothing for an ordinary span): two or
    more pieces, each ``[start, end]`` with start before end, sorted and apart, the
    first starting at ``start`` and the last ending at ``end`` (the text bounds are
    checked with the span's own)."""
    fragments = span.fragments
    if fragments is None:
        return
    if not isinstance(fragments, tuple | list) or len(fragments) < 2:
        yield "fragments must be a list of two or more [start, end] pieces"
        return
    previous_end = None
    for piece in fragments:
        if (
            not isinstance(piece, tuple | list)
            or len(piece) != 2
            or not all(type(v) is int for v in piece)
        ):
            shown = list(piece) if isinstance(piece, tuple) else piece
            yield f"fragment {shown!r} is not [start, end]"
            return
        start, end = piece
        if start >= end:
            yield f"fragment [{start}, {end}] is empty or inverted"
            return
        if previous_end is not None and start <= previous_end:
            yield "fragments must be sorted, apart (not touching) and not overlapping"
            return
        previous_end = end
    if (fragments[0][0], fragments[-1][1]) != (span.start, span.end):
        yield (
            f"start and end must be the first fragment's start and the last fragment's end "
            f"({fragments[0][0]}-{fragments[-1][1]})"
        )


def pieces(span: Span) -> list[Span]:
    """``span`` as ordinary spans, one per piece: itself when it has one piece; else
    ``id#1``, ``id#2``... with the same layer, label and attributes."""
    if span.fragments is None:
        return [span]
    return [
        replace(span, id=f"{span.id}{PIECE_SEPARATOR}{n}", start=s, end=e, fragments=None)
        for n, (s, e) in enumerate(span.fragments, start=1)
    ]


def whole_id(piece_id: str, discontinuous: set[str]) -> str:
    """The id of the span a piece of :func:`pieces` came from (``s1#2`` -> ``s1``)."""
    base, separator, _ = piece_id.rpartition(PIECE_SEPARATOR)
    return base if separator and base in discontinuous else piece_id


def in_pieces(aset: AnnotationSet) -> tuple[AnnotationSet, int]:
    """``aset`` with each discontinuous span replaced by its pieces (:func:`pieces`), a
    relation of the span given to each of them; and how many spans were split. For
    formats that cannot hold fragments. ``aset`` itself when none is discontinuous."""
    split = {s.id: pieces(s) for s in aset.spans if s.fragments is not None}
    if not split:
        return aset, 0
    spans = [piece for s in aset.spans for piece in split.get(s.id, [s])]

    def ends(span_id: str) -> list[str]:
        return [p.id for p in split[span_id]] if span_id in split else [span_id]

    relations = list(
        dict.fromkeys(
            Relation(head, child, r.label)
            for r in aset.relations
            for head in ends(r.head)
            for child in ends(r.child)
        )
    )
    return replace(aset, spans=spans, relations=relations), len(split)


GAP = " … "
"""What stands for the gaps of a span in pieces when its text is shown."""


def span_text(span: Span, text: str) -> str:
    """The text ``span`` covers: its pieces' texts joined by :data:`GAP`."""
    if span.fragments is None:
        return text[span.start : span.end]
    return GAP.join(text[start:end] for start, end in span.fragments)
